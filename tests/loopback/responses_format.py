"""The OpenAI Responses stream (``POST {base}/responses``), as the loopback serves it.

Every event names itself twice, as OpenAI sends it: an ``event:`` line and the ``type`` of its
data, with a ``sequence_number``. A reply is ``response.created``, its output items (added,
filled by deltas, done) and ``response.completed`` with the usage; no ``[DONE]`` follows.
"""

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

RESPONSE_ID = "resp_loopback"
MESSAGE_ID = "msg_loopback"
REASONING_ID = "rs_loopback"
ENCRYPTED_REASONING = "gAAAAABoLoopback+encrypted/reasoning=="


class ResponsesSpeaker(Speaker):
    wire_format: Format = "responses"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sequence = 0
        self._output_index = 0

    @property
    def key(self) -> str:
        return self.recorded.headers.get("authorization", "").removeprefix("Bearer ")

    def send(self, data: dict[str, Any]) -> None:
        self.handler.event({**data, "sequence_number": self._sequence}, data["type"])
        self._sequence += 1

    def response(self, status: str, **fields: Any) -> dict[str, Any]:
        model = (self.recorded.json or {}).get("model", "model")
        return {
            "id": RESPONSE_ID,
            "object": "response",
            "created_at": 1700000000,
            "status": status,
            "error": None,
            "incomplete_details": None,
            "model": model,
            "output": [],
            "usage": None,
            **fields,
        }

    def _created(self) -> None:
        self.send({"type": "response.created", "response": self.response("in_progress")})

    def start(self) -> None:
        self._created()
        self._message_added()

    def _message_added(self) -> None:
        item = {"id": MESSAGE_ID, "type": "message", "status": "in_progress", "role": "assistant"}
        self.send(
            {
                "type": "response.output_item.added",
                "output_index": self._output_index,
                "item": {**item, "content": []},
            }
        )

    def text(self, piece: str) -> None:
        self.send(
            {
                "type": "response.output_text.delta",
                "item_id": MESSAGE_ID,
                "output_index": self._output_index,
                "content_index": 0,
                "delta": piece,
                "logprobs": [],
            }
        )

    def finish(self, **fields: Any) -> None:
        usage = {
            "input_tokens": INPUT_TOKENS,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": OUTPUT_TOKENS,
            "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS,
        }
        completed = self.response("completed", usage=usage, **fields)
        self.send({"type": "response.completed", "response": completed})

    def reasoning_item(self, summary: tuple[str, ...], encrypted: str, item_id: str) -> None:
        index = self._output_index
        added = {"id": item_id, "type": "reasoning", "summary": []}
        self.send({"type": "response.output_item.added", "output_index": index, "item": added})
        for piece in summary:
            self.send(
                {
                    "type": "response.reasoning_summary_text.delta",
                    "item_id": item_id,
                    "output_index": index,
                    "summary_index": 0,
                    "delta": piece,
                }
            )
        done = {
            "id": item_id,
            "type": "reasoning",
            "summary": [{"type": "summary_text", "text": "".join(summary)}],
            "encrypted_content": encrypted,
        }
        self.send({"type": "response.output_item.done", "output_index": index, "item": done})
        self._output_index += 1

    def function_call(self, call_id: str, name: str, pieces: tuple[str, ...]) -> None:
        index = self._output_index
        item = {"id": f"fc_{call_id}", "type": "function_call", "call_id": call_id, "name": name}
        self.send(
            {
                "type": "response.output_item.added",
                "output_index": index,
                "item": {**item, "arguments": "", "status": "in_progress"},
            }
        )
        for piece in pieces:
            self.send(
                {
                    "type": "response.function_call_arguments.delta",
                    "item_id": item["id"],
                    "output_index": index,
                    "delta": piece,
                }
            )
        arguments = "".join(pieces)
        self.send(
            {
                "type": "response.output_item.done",
                "output_index": index,
                "item": {**item, "arguments": arguments, "status": "completed"},
            }
        )
        self._output_index += 1

    def reply(self, scenario: str) -> None:
        self._created()
        if scenario.startswith("refusal"):
            self.refusal(REFUSAL_PIECES, streamed=scenario == "refusal")
            self.finish()
            return
        if scenario == "reasoning":
            self.reasoning_item(REASONING_PIECES, ENCRYPTED_REASONING, REASONING_ID)
        if scenario == "tool":
            self.function_call("call_weather_1", "get_weather", TOOL_ARGUMENT_PIECES)
        else:
            self.message(REPLY_PIECES)
        self.finish()

    def message(self, pieces: tuple[str, ...]) -> None:
        self._message_added()
        for piece in pieces:
            self.text(piece)
        content = [{"type": "output_text", "text": "".join(pieces), "annotations": []}]
        item = {"id": MESSAGE_ID, "type": "message", "status": "completed", "role": "assistant"}
        self.send(
            {
                "type": "response.output_item.done",
                "output_index": self._output_index,
                "item": {**item, "content": content},
            }
        )
        self._output_index += 1

    def refusal(self, pieces: tuple[str, ...], *, streamed: bool) -> None:
        """A message whose one content part is a refusal: its text in ``response.refusal.delta``
        pieces and then whole in ``response.refusal.done`` when ``streamed``, and in the
        finished message item either way."""
        self._message_added()
        where = {"item_id": MESSAGE_ID, "output_index": self._output_index, "content_index": 0}
        refusal = "".join(pieces)
        if streamed:
            empty = {"type": "refusal", "refusal": ""}
            self.send({"type": "response.content_part.added", **where, "part": empty})
            for piece in pieces:
                self.send({"type": "response.refusal.delta", **where, "delta": piece})
            self.send({"type": "response.refusal.done", **where, "refusal": refusal})
            whole = {"type": "refusal", "refusal": refusal}
            self.send({"type": "response.content_part.done", **where, "part": whole})
        item = {"id": MESSAGE_ID, "type": "message", "status": "completed", "role": "assistant"}
        content = [{"type": "refusal", "refusal": refusal}]
        self.send(
            {
                "type": "response.output_item.done",
                "output_index": self._output_index,
                "item": {**item, "content": content},
            }
        )
        self._output_index += 1

    def stream_error(self, *, overflow: bool) -> None:
        if overflow:
            error = {"code": "context_length_exceeded", "message": OVERFLOW_MESSAGES["responses"]}
        else:
            error = {"code": "server_error", "message": "The server had an error while processing"}
        self.send({"type": "error", "param": None, **error})

    def error_body(self, kind: str) -> tuple[int, object]:
        def body(message: str, kind: str, code: str | None, param: str | None = None) -> object:
            return {"error": {"message": message, "type": kind, "param": param, "code": code}}

        if kind in ("auth", "bad_key"):
            message = f"Incorrect API key provided: {self.echoed_key}."
            return 401, body(message, "invalid_request_error", "invalid_api_key")
        if kind == "rate_limit":
            message = "Rate limit reached for requests per min (RPM). Please try again in 7s."
            return 429, body(message, "requests", "rate_limit_exceeded")
        if kind == "server":
            return 500, body(
                "The server had an error processing your request.", "server_error", None
            )
        overflow = OVERFLOW_MESSAGES["responses"]
        return 400, body(overflow, "invalid_request_error", "context_length_exceeded", "input")
