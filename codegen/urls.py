"""URL rules: checked as URLs, https except for loopback, never with credentials."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url: str, *, allow_loopback_http: bool, is_base: bool) -> tuple[str, str] | None:
    """(diagnostic code, message) for the first thing wrong with url, or None."""
    if any(char.isspace() for char in url):
        return "E307", f"{url!r} is not a valid URL (it contains white space)"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError for a malformed port
        host = parts.hostname
    except ValueError as error:
        return "E307", f"{url!r} is not a valid URL ({error})"
    if parts.scheme not in ("http", "https") or not host:
        return "E307", f"{url!r} is not a valid http(s) URL with a host"
    if parts.username is not None or parts.password is not None:
        return (
            "E309",
            "URLs must not carry credentials (user:password@); keys belong in api_key",
        )
    if is_base and (parts.query or parts.fragment):
        return "E307", f"base URL {url!r} must not have a query or fragment"
    if parts.scheme == "http":
        if not allow_loopback_http:
            return "E308", f"{url!r} must use https"
        if not is_loopback_host(host):
            return (
                "E308",
                f"{url!r} uses plain http for a non-loopback host; "
                "use https (http is for localhost only)",
            )
    del port
    return None
