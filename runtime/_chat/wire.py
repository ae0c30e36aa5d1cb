"""Pieces every wire format's request builder shares, written once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from llm_registry.runtime._chat.events import ToolCall
from llm_registry.runtime._chat.messages import (
    Attachment,
    TextAttachment,
    WebpageAttachment,
    inline_text,
)

__all__ = ["merged_turns", "tool_arguments", "user_text"]


def tool_arguments(call: ToolCall) -> Any:
    """A tool call's arguments as a JSON value, for formats that send them decoded; ``{}`` when
    they are empty or not JSON (what the model wrote cannot be sent back any other way)."""
    if not call.arguments:
        return {}
    import json

    try:
        return json.loads(call.arguments)
    except (ValueError, RecursionError):  # not JSON, or nested too deep
        return {}


def user_text(text: str, attachments: Iterable[Attachment]) -> str:
    """A user turn's text with its text and web-page attachments inlined before it."""
    inlined = [
        inline_text(attachment)
        for attachment in attachments
        if isinstance(attachment, TextAttachment | WebpageAttachment)
    ]
    return "\n\n".join([*inlined, text])


def merged_turns(
    turns: Iterable[tuple[str, list[dict[str, Any]]]], items: str
) -> list[dict[str, Any]]:
    """``{"role": role, items: [...]}`` turns, consecutive turns of one role merged into one
    (formats that insist on alternating roles: a tool result and the next user message are
    both ``user``)."""
    wire: list[dict[str, Any]] = []
    for role, content in turns:
        if wire and wire[-1]["role"] == role:
            wire[-1][items].extend(content)
        else:
            wire.append({"role": role, items: content})
    return wire
