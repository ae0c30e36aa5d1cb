"""The Anthropic Messages stream (``POST {base}/messages``), as the loopback serves it."""

from __future__ import annotations

from tests.loopback.replies import (
    INPUT_TOKENS,
    OUTPUT_TOKENS,
    OVERFLOW_MESSAGES,
    REASONING_PIECES,
    REPLY_PIECES,
    TOOL_ARGUMENT_PIECES,
    Format,
    Speaker,
)


class AnthropicSpeaker(Speaker):
    wire_format: Format = "anthropic"

    @property
    def key(self) -> str:
        return self.recorded.headers.get("x-api-key", "")

    def _message_start(self) -> None:
        model = (self.recorded.json or {}).get("model", "model")
        self.handler.event(
            {
                "type": "message_start",
                "message": {
                    "id": "msg_loopback",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": INPUT_TOKENS, "output_tokens": 1},
                },
            },
            "message_start",
        )

    def start(self) -> None:
        self._message_start()
        self.handler.event(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            "content_block_start",
        )
        self.handler.event({"type": "ping"}, "ping")

    def text(self, piece: str, index: int = 0) -> None:
        self.handler.event(
            {
                "type": "content_block_delta",
                "index": index,
                "delta": {"type": "text_delta", "text": piece},
            },
            "content_block_delta",
        )

    def ping(self) -> None:
        self.handler.event({"type": "ping"}, "ping")

    def finish(self) -> None:
        self.handler.event({"type": "content_block_stop", "index": 0}, "content_block_stop")
        self.handler.event(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": OUTPUT_TOKENS},
            },
            "message_delta",
        )
        self.handler.event({"type": "message_stop"}, "message_stop")

    def reply(self, scenario: str) -> None:
        self._message_start()
        index = 0
        stop = "end_turn"
        if scenario == "reasoning":
            self.handler.event(
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "thinking", "thinking": ""},
                },
                "content_block_start",
            )
            for piece in REASONING_PIECES:
                self.handler.event(
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "thinking_delta", "thinking": piece},
                    },
                    "content_block_delta",
                )
            self.handler.event(
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "signature_delta", "signature": "c2lnbmF0dXJl"},
                },
                "content_block_delta",
            )
            self.handler.event({"type": "content_block_stop", "index": index}, "content_block_stop")
            index += 1
        self.handler.event(
            {
                "type": "content_block_start",
                "index": index,
                "content_block": {"type": "text", "text": ""},
            },
            "content_block_start",
        )
        self.handler.event({"type": "ping"}, "ping")
        if scenario == "tool":
            self.text("Let me check.", index)
        else:
            for piece in REPLY_PIECES:
                self.text(piece, index)
        self.handler.event({"type": "content_block_stop", "index": index}, "content_block_stop")
        if scenario == "tool":
            index += 1
            self.handler.event(
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {
                        "type": "tool_use",
                        "id": "toolu_weather_1",
                        "name": "get_weather",
                        "input": {},
                    },
                },
                "content_block_start",
            )
            for piece in TOOL_ARGUMENT_PIECES:
                self.handler.event(
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": piece},
                    },
                    "content_block_delta",
                )
            self.handler.event({"type": "content_block_stop", "index": index}, "content_block_stop")
            stop = "tool_use"
        self.handler.event(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": OUTPUT_TOKENS},
            },
            "message_delta",
        )
        self.handler.event({"type": "message_stop"}, "message_stop")

    def stream_error(self, *, overflow: bool) -> None:
        if overflow:
            error = {"type": "invalid_request_error", "message": OVERFLOW_MESSAGES["anthropic"]}
        else:
            error = {"type": "overloaded_error", "message": "Overloaded"}
        self.handler.event({"type": "error", "error": error}, "error")

    def error_body(self, kind: str) -> tuple[int, object]:
        if kind in ("auth", "bad_key"):
            return 401, {
                "type": "error",
                "error": {
                    "type": "authentication_error",
                    "message": f"invalid x-api-key: {self.echoed_key}",
                },
            }
        if kind == "rate_limit":
            return 429, {
                "type": "error",
                "error": {
                    "type": "rate_limit_error",
                    "message": "Number of request tokens has exceeded your per-minute rate limit",
                },
            }
        if kind == "server":
            return 500, {
                "type": "error",
                "error": {"type": "api_error", "message": "Internal server error"},
            }
        return 400, {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": OVERFLOW_MESSAGES["anthropic"]},
        }
