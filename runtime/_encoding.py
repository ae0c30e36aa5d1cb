"""Replies are asked for uncompressed, and a compressed one is never expanded.

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

__all__ = ["UNCOMPRESSED", "compression", "refused_compressed"]

UNCOMPRESSED = {"Accept-Encoding": "identity"}
"""The request header that asks for a body as it is."""


def compression(headers: Mapping[str, str]) -> str | None:
    """The body's content coding when it is compressed (``gzip``, ``br``, …), else None."""
    coding = next((v for k, v in headers.items() if k.lower() == "content-encoding"), "")
    coding = coding.strip().lower()
    return None if coding in ("", "identity") else coding[:40]


def refused_compressed(display_name: str, provider_id: str, coding: str) -> ProviderError:
    """The error for a reply that came compressed although an uncompressed one was asked for."""
    from llm_registry.runtime._errors import ProviderUnavailableError

    return ProviderUnavailableError(
        f"{display_name} sent a {coding}-compressed reply although asked for an uncompressed"
        " one; refused unread, since its size is unknown until it is expanded",
        provider_id=provider_id,
    )
