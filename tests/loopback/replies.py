"""What the loopback server says in every wire format: the reply, its pieces and token counts,
the error wordings, and :class:`Speaker`, the base of the formats' writers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal
from urllib.parse import quote

from tests.loopback._http import Handler, Recorded

Format = Literal["openai", "anthropic", "gemini", "responses"]

REPLY_PIECES = ("Hello", " from", " the loopback", " server.")
REPLY = "".join(REPLY_PIECES)
REASONING_PIECES = ("Thinking", " it over.")
TOOL_ARGUMENT_PIECES = ('{"ci', 'ty": "Pa', 'ris"}')
REFUSAL_PIECES = ("I'm sorry,", " I can't help", " with that.")
REFUSAL = "".join(REFUSAL_PIECES)
RETRY_AFTER_SECONDS = 7
INPUT_TOKENS = 12
OUTPUT_TOKENS = 7

LONG_ERROR_MESSAGE = "The request is invalid: " + "much too long " * 6000 + "(end)"

# How the 401-* scenarios echo the key they received.
KEY_ECHOES: dict[str, Callable[[str], str]] = {
    "401": lambda key: key,
    "401-upper": str.upper,
    "401-cut": lambda key: key[:-1],
    "401-quoted": lambda key: quote(key, safe=""),
}

OVERFLOW_MESSAGES: dict[Format, str] = {
    "openai": (
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in 130567 tokens. Please reduce the length of the messages."
    ),
    "anthropic": "prompt is too long: 208310 tokens > 200000 maximum",
    "gemini": (
        "The input token count (1196265) exceeds the maximum number of tokens allowed (1048576)."
    ),
    "responses": (
        "Your input exceeds the context window of this model. Please adjust your input and try "
        "again."
    ),
}
LLAMA_CPP_OVERFLOW = "the request exceeds the available context size, try increasing it"
MOONSHOT_OVERFLOW = (
    "Invalid request: Your request exceeded model token limit: 262144 (requested: 291351)"
)


class Speaker:
    """Writes one wire format's events and error bodies."""

    wire_format: Format

    def __init__(self, handler: Handler, recorded: Recorded) -> None:
        self.handler = handler
        self.recorded = recorded
        self.echo: Callable[[str], str] = KEY_ECHOES["401"]

    @property
    def echoed_key(self) -> str:
        """The key as this scenario's error messages echo it."""
        return self.echo(self.key)

    @property
    def key(self) -> str:
        raise NotImplementedError

    def start(self) -> None:
        pass

    def text(self, piece: str) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """End the reply begun by :meth:`start` normally."""
        raise NotImplementedError

    def ping(self) -> None:
        """A keep-alive: an SSE comment, which carries no event at all."""
        self.handler.chunk(b": ping\n\n")

    def reply(self, scenario: str) -> None:
        raise NotImplementedError

    def stream_error(self, *, overflow: bool) -> None:
        raise NotImplementedError

    def error_body(self, kind: str) -> tuple[int, object]:
        raise NotImplementedError
