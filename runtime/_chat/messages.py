"""A conversation, independent of any wire format.

A conversation is a sequence of :data:`Message`: user turns (with attachments), assistant turns
(with the tool calls they made) and tool results. Each provider class translates it into its
own wire format; images and PDFs travel as base64 (data URLs for OpenAI-compatible servers),
text and web-page attachments are inlined into the user's text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeAlias

from llm_registry.runtime._chat.events import ReasoningState, ToolCall

__all__ = [
    "AssistantMessage",
    "Attachment",
    "ImageAttachment",
    "Message",
    "PdfAttachment",
    "TextAttachment",
    "ToolResultMessage",
    "ToolSpec",
    "UserMessage",
    "WebpageAttachment",
    "inline_text",
]


class _InlineData:
    """The base64 and data-URL forms of an attachment sent inline as bytes."""

    __slots__ = ()
    data: bytes
    mime_type: str

    @property
    def base64(self) -> str:
        return _base64(self.data)

    @property
    def data_url(self) -> str:
        return f"data:{self.mime_type};base64,{self.base64}"


@dataclass(frozen=True, slots=True)
class ImageAttachment(_InlineData):
    """An image, sent inline (``mime_type`` such as ``image/png``)."""

    data: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class PdfAttachment(_InlineData):
    """A PDF document, sent inline to models that accept documents."""

    data: bytes
    name: str = "document.pdf"
    mime_type: str = "application/pdf"


@dataclass(frozen=True, slots=True)
class TextAttachment:
    """A text file; its content is inlined into the message."""

    text: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class WebpageAttachment:
    """A web page's extracted text; inlined into the message with its address."""

    url: str
    text: str
    title: str | None = None


Attachment: TypeAlias = ImageAttachment | PdfAttachment | TextAttachment | WebpageAttachment


@dataclass(frozen=True, slots=True)
class UserMessage:
    text: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class AssistantMessage:
    """A reply of the model. ``reasoning_state`` is the provider's opaque state for it (see
    :class:`~runtime.ReasoningState`); build the message with
    :meth:`~runtime.ChatResult.assistant_message` to keep it. It is sent back only to the
    provider and wire format that minted it."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = ()
    reasoning_state: tuple[ReasoningState, ...] = ()

    def replayed_state(self, wire_format: str, provider: str) -> tuple[ReasoningState, ...]:
        """The message's own state that ``provider`` speaking ``wire_format`` minted."""
        return tuple(
            state for state in self.reasoning_state if state.minted_by(wire_format, provider)
        )


@dataclass(frozen=True, slots=True)
class ToolResultMessage:
    """The result of running a tool call; ``tool_call_id`` is the :class:`ToolCall`'s id.

    ``name`` is the tool's name; Gemini needs it, and when it is omitted it is taken from the
    assistant message that made the call.
    """

    tool_call_id: str
    content: str
    name: str | None = None
    is_error: bool = False


Message: TypeAlias = UserMessage | AssistantMessage | ToolResultMessage


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """A tool the model may call; ``parameters`` is a JSON Schema object."""

    name: str
    description: str = ""
    parameters: Mapping[str, object] = field(
        default_factory=lambda: {"type": "object", "properties": {}}
    )


def _base64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def _attribute(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;")


def inline_text(attachment: TextAttachment | WebpageAttachment) -> str:
    """The block a text or web-page attachment becomes inside the user's message."""
    if isinstance(attachment, TextAttachment):
        name = f' name="{_attribute(attachment.name)}"' if attachment.name else ""
        return f"<attachment{name}>\n{attachment.text}\n</attachment>"
    title = f' title="{_attribute(attachment.title)}"' if attachment.title else ""
    return f'<webpage url="{_attribute(attachment.url)}"{title}>\n{attachment.text}\n</webpage>'


def tool_names_by_call_id(messages: tuple[Message, ...] | list[Message]) -> dict[str, str]:
    """Map each tool call id made by an assistant turn to the tool's name."""
    names: dict[str, str] = {}
    for message in messages:
        if isinstance(message, AssistantMessage):
            for call in message.tool_calls:
                names[call.id] = call.name
    return names
