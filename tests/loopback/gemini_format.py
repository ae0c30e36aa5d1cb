"""The Gemini stream (``POST {base}/models/{model}:streamGenerateContent?alt=sse``), as the
loopback serves it."""

from __future__ import annotations

from typing import Any

from tests.loopback.replies import (
    INPUT_TOKENS,
    OUTPUT_TOKENS,
    OVERFLOW_MESSAGES,
    REASONING_PIECES,
    REPLY_PIECES,
    RETRY_AFTER_SECONDS,
    Format,
    Speaker,
)


class GeminiSpeaker(Speaker):
    wire_format: Format = "gemini"

    @property
    def key(self) -> str:
        return self.recorded.headers.get("x-goog-api-key", "")

    def _response(
        self, parts: list[dict[str, Any]], finish: str | None = None, output_tokens: int = 1
    ) -> None:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        self.handler.event(
            {
                "candidates": [candidate],
                "usageMetadata": {
                    "promptTokenCount": INPUT_TOKENS,
                    "candidatesTokenCount": output_tokens,
                    "totalTokenCount": INPUT_TOKENS + output_tokens,
                },
                "modelVersion": "gemini-loopback",
            }
        )

    def text(self, piece: str) -> None:
        self._response([{"text": piece}])

    def finish(self) -> None:
        self._response([], finish="STOP", output_tokens=OUTPUT_TOKENS)

    def reply(self, scenario: str) -> None:
        if scenario == "reasoning":
            for piece in REASONING_PIECES:
                self._response([{"text": piece, "thought": True}])
        if scenario == "tool":
            self._response(
                [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}],
                finish="STOP",
                output_tokens=OUTPUT_TOKENS,
            )
            return
        for piece in REPLY_PIECES[:-1]:
            self.text(piece)
        self._response([{"text": REPLY_PIECES[-1]}], finish="STOP", output_tokens=OUTPUT_TOKENS)

    def stream_error(self, *, overflow: bool) -> None:
        if overflow:
            error = {
                "code": 400,
                "message": OVERFLOW_MESSAGES["gemini"],
                "status": "INVALID_ARGUMENT",
            }
        else:
            error = {
                "code": 503,
                "message": "The model is overloaded. Please try again later.",
                "status": "UNAVAILABLE",
            }
        self.handler.event({"error": error})

    def error_body(self, kind: str) -> tuple[int, object]:
        if kind == "auth":
            return 401, {
                "error": {
                    "code": 401,
                    "message": f"Request had invalid authentication credentials: {self.echoed_key}",
                    "status": "UNAUTHENTICATED",
                }
            }
        if kind == "bad_key":
            return 400, {
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "status": "INVALID_ARGUMENT",
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "API_KEY_INVALID",
                            "domain": "googleapis.com",
                        }
                    ],
                }
            }
        if kind == "rate_limit":
            return 429, {
                "error": {
                    "code": 429,
                    "message": "Resource has been exhausted (e.g. check quota).",
                    "status": "RESOURCE_EXHAUSTED",
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.rpc.RetryInfo",
                            "retryDelay": f"{RETRY_AFTER_SECONDS}s",
                        }
                    ],
                }
            }
        if kind == "server":
            return 500, {
                "error": {
                    "code": 500,
                    "message": "An internal error has occurred.",
                    "status": "INTERNAL",
                }
            }
        return 400, {
            "error": {
                "code": 400,
                "message": OVERFLOW_MESSAGES["gemini"],
                "status": "INVALID_ARGUMENT",
            }
        }
