"""What a body becomes in memory: replies are asked for uncompressed, a compressed one is never
expanded, and the JSON values a body will parse into are bounded from its bytes.

Every size cap (per event, per listing, per error body) must count the bytes that end up in
memory. A compressed body defeats that: a megabyte of gzip expands to a gigabyte, and the
decoder expands a whole network chunk at once, before any cap sees it. So every request says
``Accept-Encoding: identity``, and a response that is compressed anyway is refused unread (an
error body is then reported by its status alone).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llm_registry.runtime._errors import ProviderError

__all__ = ["UNCOMPRESSED", "compression", "json_values_bound", "refused_compressed"]

UNCOMPRESSED = {"Accept-Encoding": "identity"}
"""The request header that asks for a body as it is."""


def compression(headers: Mapping[str, str]) -> str | None:
    """The body's content coding when it is compressed (``gzip``, ``br``, …), else None."""
    coding = next((v for k, v in headers.items() if k.lower() == "content-encoding"), "")
    coding = coding.strip().lower()
    return None if coding in ("", "identity") else coding[:40]


def json_values_bound(data: bytes, start: int = 0, end: int | None = None) -> int:
    """An upper bound on the JSON values ``data[start:end]`` parses into (its separators).

    Parsed, each value costs tens of bytes, so a size cap alone does not bound what
    ``[{},{},…]`` becomes in memory; counting is a few C-speed passes, no copy.
    """
    stop = len(data) if end is None else end
    return (
        data.count(b",", start, stop)
        + data.count(b"{", start, stop)
        + data.count(b"[", start, stop)
    )


def refused_compressed(
    source: str,
    provider_id: str,
    coding: str,
    *,
    what: str = "reply",
    status_code: int | None = None,
) -> ProviderError:
    """The error for a body (a ``reply``, a ``listing``) that came compressed although an
    uncompressed one was asked for; ``source`` names who sent it."""
    from llm_registry.runtime._errors import ProviderUnavailableError

    return ProviderUnavailableError(
        f"{source} sent a {coding}-compressed {what} although asked for an uncompressed"
        " one; refused unread, since its size is unknown until it is expanded",
        provider_id=provider_id,
        status_code=status_code,
    )
