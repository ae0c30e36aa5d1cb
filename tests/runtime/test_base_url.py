"""Base URLs from the user are checked once, the same way for chat and for discovery."""

from __future__ import annotations

import pytest

from llm_registry import runtime
from llm_registry.runtime import Registry
from llm_registry.runtime._urls import checked_base_url

UNUSABLE = {
    "ftp://example.com/v1": "expected http(s)",
    "/v1": "expected http(s)",
    "http:///v1": "expected http(s)",
    "http://[::1/v1": "does not parse",
    "http://h:99999/v1": "does not parse",
    "http://h:port/v1": "does not parse",
    "http://u:secret@h/v1": "must not carry credentials",
    "https://secret@h/v1": "must not carry credentials",
    # The client appends paths to a base URL; after a query or fragment they would land in it
    # (…/v1?x=1/chat/completions), and a query may carry a key (?key=…): neither is echoed.
    "http://h/v1?key=secret": "query",
    "http://h/v1?": "query",
    "http://h/v1#secret": "fragment",
    "http://h/v1?x=1#secret": "query",
}


@pytest.mark.parametrize(("url", "reason"), UNUSABLE.items())
def test_an_unusable_base_url_is_a_config_error_saying_why(
    test_registry: Registry, url: str, reason: str
) -> None:
    for check in (
        lambda: checked_base_url(url),
        lambda: runtime.create_provider("wire-local", base_url=url, registry=test_registry),
    ):
        with pytest.raises(runtime.ConfigError) as caught:
            check()
        assert "invalid base URL" in str(caught.value) and reason in str(caught.value)
        assert "secret" not in str(caught.value)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/v1", "https://api.example.com", "http://[::1]:11434/v1/"]
)
def test_a_usable_base_url_is_kept(test_registry: Registry, url: str) -> None:
    assert checked_base_url(url) == url
    provider = runtime.create_provider("wire-local", base_url=url, registry=test_registry)
    assert provider.base_url == url.rstrip("/")
