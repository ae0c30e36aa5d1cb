"""One real HTTP server on loopback for the runtime's, discovery's and the benchmarks' tests.

It speaks the three LLM streaming formats well or badly (POST, by scenario and wire format:
:mod:`tests.loopback.chat`), serves mounted GET routes such as model listings, well or badly
(:mod:`tests.loopback.responders`), and records every request it receives. Start it in this
process (``with LoopbackServer() as server``) or in its own (``with own_process() as server``).
"""

from tests.loopback._http import Handler, Recorded, Responder
from tests.loopback.chat import (
    DEEP_NESTING,
    HUGE_EVENT_BYTES,
    LONG_REPLY_CHUNKS,
    PING_INTERVAL,
    RECORDED_STREAMS,
    REPLAY_PREFIX,
    SLOW_EVENT_GAP,
    STALL_SECONDS,
)
from tests.loopback.replies import (
    INPUT_TOKENS,
    KEY_ECHOES,
    LLAMA_CPP_OVERFLOW,
    LONG_ERROR_MESSAGE,
    MOONSHOT_OVERFLOW,
    OUTPUT_TOKENS,
    OVERFLOW_MESSAGES,
    REASONING_PIECES,
    REFUSAL,
    REFUSAL_PIECES,
    REPLY,
    REPLY_PIECES,
    RETRY_AFTER_SECONDS,
    TOOL_ARGUMENT_PIECES,
    Format,
)
from tests.loopback.server import LoopbackServer, RemoteServer, own_process

__all__ = [
    "DEEP_NESTING",
    "HUGE_EVENT_BYTES",
    "INPUT_TOKENS",
    "KEY_ECHOES",
    "LLAMA_CPP_OVERFLOW",
    "LONG_ERROR_MESSAGE",
    "LONG_REPLY_CHUNKS",
    "MOONSHOT_OVERFLOW",
    "OUTPUT_TOKENS",
    "OVERFLOW_MESSAGES",
    "PING_INTERVAL",
    "REASONING_PIECES",
    "RECORDED_STREAMS",
    "REFUSAL",
    "REFUSAL_PIECES",
    "REPLAY_PREFIX",
    "REPLY",
    "REPLY_PIECES",
    "RETRY_AFTER_SECONDS",
    "SLOW_EVENT_GAP",
    "STALL_SECONDS",
    "TOOL_ARGUMENT_PIECES",
    "Format",
    "Handler",
    "LoopbackServer",
    "Recorded",
    "RemoteServer",
    "Responder",
    "own_process",
]
