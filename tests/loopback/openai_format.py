"""The OpenAI chat-completions stream (``POST {base}/chat/completions``), as served here."""

from __future__ import annotations

from typing import Any

from tests.loopback.replies import (
    INPUT_TOKENS,
    OUTPUT_TOKENS,
    OVERFLOW_MESSAGES,
    REASONING_PIECES,
    REFUSAL_PIECES,
    REPLY_PIECES,
    TOOL_ARGUMENT_PIECES,
    Format,
    Speaker,
)


class OpenAISpeaker(Speaker):
    wire_format: Format = "openai"

    @property
    def key(self) -> str:
        return self.recorded.headers.get("authorization", "").removeprefix("Bearer ")

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> None:
        model = (self.recorded.json or {}).get("model", "model")
        self.handler.event(
            {
                "id": "chatcmpl-loopback",
                "object": "chat.completion.chunk",
                "created": 1700000000,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
        )

    def start(self) -> None:
        self._chunk({"role": "assistant", "content": ""})

    def text(self, piece: str) -> None:
        self._chunk({"content": piece})

    def finish(self) -> None:
        self._chunk({}, finish="stop")
        self.handler.event("[DONE]")

    def tool_calls_without_index(self) -> None:
        self.start()
        function = {"type": "function"}
        self._chunk({"tool_calls": [{"id": "a", **function, "function": {"name": "first"}}]})
        self._chunk({"tool_calls": [{"function": {"arguments": "{}"}}]})
        self._chunk(
            {
                "tool_calls": [
                    {"id": "b", **function, "function": {"name": "second", "arguments": ""}}
                ]
            }
        )
        self._chunk({"tool_calls": [{"function": {"arguments": '{"n": '}}]})
        self._chunk({"tool_calls": [{"id": "b", "function": {"arguments": "2}"}}]})
        self._chunk({}, finish="tool_calls")
        self.handler.event("[DONE]")

    def reply(self, scenario: str) -> None:
        self.start()
        finish = "stop"
        if scenario == "reasoning":
            for piece in REASONING_PIECES:
                self._chunk({"reasoning_content": piece})
        if scenario == "tool":
            self._chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_weather_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ]
                }
            )
            for piece in TOOL_ARGUMENT_PIECES:
                self._chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            finish = "tool_calls"
        elif scenario == "refusal":
            for piece in REFUSAL_PIECES:
                self._chunk({"refusal": piece})
        else:
            for piece in REPLY_PIECES:
                self.text(piece)
        self._chunk({}, finish=finish)
        if (self.recorded.json or {}).get("stream_options", {}).get("include_usage"):
            self.handler.event(
                {
                    "id": "chatcmpl-loopback",
                    "object": "chat.completion.chunk",
                    "created": 1700000000,
                    "model": "model",
                    "choices": [],
                    "usage": {
                        "prompt_tokens": INPUT_TOKENS,
                        "completion_tokens": OUTPUT_TOKENS,
                        "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS,
                    },
                }
            )
        self.handler.event("[DONE]")

    def stream_error(self, *, overflow: bool) -> None:
        if overflow:
            error = {
                "message": OVERFLOW_MESSAGES["openai"],
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            }
        else:
            error = {
                "message": "The server had an error while processing your request.",
                "type": "server_error",
            }
        self.handler.event({"error": error})

    def error_body(self, kind: str) -> tuple[int, object]:
        if kind in ("auth", "bad_key"):
            return 401, {
                "error": {
                    "message": f"Incorrect API key provided: {self.echoed_key}. You can find your "
                    "API key at https://platform.openai.com/account/api-keys.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_api_key",
                }
            }
        if kind == "rate_limit":
            return 429, {
                "error": {
                    "message": "Rate limit reached for requests per min (RPM): Limit 3, Used 3, "
                    "Requested 1. Please try again in 7s.",
                    "type": "requests",
                    "param": None,
                    "code": "rate_limit_exceeded",
                }
            }
        if kind == "server":
            return 500, {
                "error": {
                    "message": "The server had an error while processing your request. "
                    "Sorry about that!",
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
            }
        return 400, {
            "error": {
                "message": OVERFLOW_MESSAGES["openai"],
                "type": "invalid_request_error",
                "param": "messages",
                "code": "context_length_exceeded",
            }
        }
