"""``signed-tool``: a three-request tool loop whose server checks its own reasoning state.

Providers with reasoning state refuse the next request of a tool loop unless every assistant
turn they wrote comes back with its signed reasoning unchanged: Anthropic's ``thinking`` blocks
(with ``signature``) and ``redacted_thinking`` blocks (with ``data``) before the ``tool_use``
they led to, Gemini's ``thoughtSignature`` on the part it came on, the Responses API's
``reasoning`` items (with ``encrypted_content``) before the ``function_call`` they led to. This
scenario does the same.
Which request of the loop it is answering is read from the conversation (how many assistant
turns it holds):

- first: reasoning, then a tool call ``get_weather({"city": "Paris"})`` (Anthropic: a signed
  thinking block, a redacted one, text, the call; Gemini: a thought, a signed call, and a
  parallel unsigned call ``get_time({})`` as Gemini signs only a turn's first call; Responses:
  a reasoning item, then the call)
- second: reasoning, then ``get_weather({"city": "London"})``, each signed anew
- third: the reply :data:`REPLY_PIECES` (Gemini: its signature on a last, empty text part)

A request whose assistant turns do not carry exactly what was sent is refused with 400 and the
format's own wording. :data:`SIGNED_TURNS` is what each turn sent, for tests to compare with.

``signature-check`` (Gemini only) checks what Gemini 3 checks of any conversation, whoever wrote
it: a model turn with function calls must carry a ``thoughtSignature`` on its first
``functionCall`` part (any value: a loopback cannot verify one), else 400 with Gemini's wording;
a request that passes gets the plain reply.
"""

from __future__ import annotations

import json
from typing import Any

from tests.loopback._http import Handler, Recorded
from tests.loopback.replies import INPUT_TOKENS, OUTPUT_TOKENS, REPLY_PIECES
from tests.loopback.responses_format import ResponsesSpeaker

# Signatures with the characters a careless round trip would change (base64's + / =, a
# non-ASCII letter in the thinking text, a newline).
ANTHROPIC_THINKING = ("Let me think about Paris.\nThe user wants the weather — é.", "Now London.")
ANTHROPIC_SIGNATURES = ("EqQBCkgIARAB+GAIiQL/sig0==", "ErUBCkgIARAB+GAIiQL/sig1==")
ANTHROPIC_REDACTED = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP=="
GEMINI_SIGNATURES = ("CiQBcsjafH+sig0/turn0==", "CiQBcsjafH+sig1/turn1==", "CiQBfinal+sig2==")
CITIES = ("Paris", "London")
RESPONSES_ENCRYPTED = ("gAAAAABo+turn0/enc==", "gAAAAABo+turn1/enc==", "gAAAAABo+turn2/enc==")


def responses_reasoning_item(turn: int) -> dict[str, Any]:
    """The reasoning item the Responses form sends at ``turn``, as its output_item.done has it."""
    return {
        "id": f"rs_{turn}",
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": f"Checking {CITIES[turn % 2]}."}],
        "encrypted_content": RESPONSES_ENCRYPTED[turn],
    }


def anthropic_turn_blocks(turn: int) -> list[dict[str, Any]]:
    """The reasoning blocks the Anthropic form sends at ``turn`` (0 or 1), in order."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "thinking",
            "thinking": ANTHROPIC_THINKING[turn],
            "signature": ANTHROPIC_SIGNATURES[turn],
        }
    ]
    if turn == 0:
        blocks.append({"type": "redacted_thinking", "data": ANTHROPIC_REDACTED})
    return blocks


def serve_signed_tool(handler: Handler, recorded: Recorded, wire_format: str) -> None:
    body = recorded.json or {}
    if wire_format == "anthropic":
        _anthropic(handler, body)
    elif wire_format == "gemini":
        _gemini(handler, body)
    elif wire_format == "responses":
        _responses(handler, recorded, body)
    else:
        handler.send_json({"error": {"message": "no such scenario: signed-tool"}}, status=404)


# Anthropic.


def _anthropic(handler: Handler, body: dict[str, Any]) -> None:
    assistant_turns = [m for m in body.get("messages", []) if m.get("role") == "assistant"]
    for turn, message in enumerate(assistant_turns[:2]):
        expected = anthropic_turn_blocks(turn)
        content = message.get("content") or []
        others = content[len(expected) :]
        if content[: len(expected)] != expected or any(
            block.get("type") in ("thinking", "redacted_thinking") for block in others
        ):
            error = {
                "type": "invalid_request_error",
                "message": f"messages.{2 * turn + 1}.content.0.type: Expected `thinking` or "
                "`redacted_thinking`, but found `text`. When `thinking` is enabled, a final "
                "`assistant` message must start with a thinking block.",
            }
            handler.send_json({"type": "error", "error": error}, status=400)
            return
    handler.start_stream()
    _anthropic_reply(handler, len(assistant_turns))
    handler.end_stream()


def _anthropic_event(handler: Handler, data: dict[str, Any]) -> None:
    handler.event(data, data["type"])


def _anthropic_block(handler: Handler, index: int, start: dict[str, Any], *deltas: Any) -> None:
    _anthropic_event(
        handler, {"type": "content_block_start", "index": index, "content_block": start}
    )
    for delta in deltas:
        _anthropic_event(handler, {"type": "content_block_delta", "index": index, "delta": delta})
    _anthropic_event(handler, {"type": "content_block_stop", "index": index})


def _anthropic_reply(handler: Handler, turn: int) -> None:
    message = {"id": f"msg_{turn}", "type": "message", "role": "assistant", "content": []}
    usage = {"input_tokens": INPUT_TOKENS, "output_tokens": 1}
    _anthropic_event(handler, {"type": "message_start", "message": {**message, "usage": usage}})
    index = 0
    if turn < 2:
        thinking = ANTHROPIC_THINKING[turn]
        half = len(thinking) // 2
        signature = ANTHROPIC_SIGNATURES[turn]
        _anthropic_block(
            handler,
            index,
            {"type": "thinking", "thinking": "", "signature": ""},
            {"type": "thinking_delta", "thinking": thinking[:half]},
            {"type": "thinking_delta", "thinking": thinking[half:]},
            {"type": "signature_delta", "signature": signature},
        )
        index += 1
        if turn == 0:
            redacted = {"type": "redacted_thinking", "data": ANTHROPIC_REDACTED}
            _anthropic_block(handler, index, redacted)
            index += 1
            text = {"type": "text_delta", "text": "Let me check."}
            _anthropic_block(handler, index, {"type": "text", "text": ""}, text)
            index += 1
        tool = {"type": "tool_use", "id": f"toolu_{turn}", "name": "get_weather", "input": {}}
        arguments = json.dumps({"city": CITIES[turn]})
        _anthropic_block(
            handler, index, tool, {"type": "input_json_delta", "partial_json": arguments}
        )
        stop = "tool_use"
    else:
        pieces = [{"type": "text_delta", "text": piece} for piece in REPLY_PIECES]
        _anthropic_block(handler, index, {"type": "text", "text": ""}, *pieces)
        stop = "end_turn"
    delta = {"stop_reason": stop, "stop_sequence": None}
    final = {"type": "message_delta", "delta": delta, "usage": {"output_tokens": OUTPUT_TOKENS}}
    _anthropic_event(handler, final)
    _anthropic_event(handler, {"type": "message_stop"})


# Gemini.


def _gemini(handler: Handler, body: dict[str, Any]) -> None:
    model_turns = [c for c in body.get("contents", []) if c.get("role") == "model"]
    for turn, content in enumerate(model_turns[:2]):
        calls = [part for part in content.get("parts", []) if "functionCall" in part]
        signed = [part.get("thoughtSignature") for part in calls]
        expected = [GEMINI_SIGNATURES[turn], None] if turn == 0 else [GEMINI_SIGNATURES[turn]]
        if signed != expected:
            _gemini_missing_signature(handler, 2 * turn + 1)
            return
    handler.start_stream()
    _gemini_reply(handler, len(model_turns))
    handler.end_stream()


def gemini_unsigned_turn(body: dict[str, Any]) -> int | None:
    """The position in ``contents`` of the first model turn whose first function call has no
    ``thoughtSignature``; None when every one has."""
    for position, content in enumerate(body.get("contents") or []):
        calls = [part for part in content.get("parts") or [] if "functionCall" in part]
        if content.get("role") == "model" and calls and not calls[0].get("thoughtSignature"):
            return position
    return None


def serve_signature_check(handler: Handler, recorded: Recorded) -> bool:
    """Refuse the request as Gemini 3 does when a model turn's first call is unsigned (True:
    refused)."""
    position = gemini_unsigned_turn(recorded.json or {})
    if position is not None:
        _gemini_missing_signature(handler, position)
    return position is not None


def _gemini_missing_signature(handler: Handler, position: int) -> None:
    error = {
        "code": 400,
        "message": "Function call is missing a thought_signature in functionCall parts. "
        "This is required for tools to work correctly, and missing thought_signature "
        f"may lead to degraded model performance. Content position {position}.",
        "status": "INVALID_ARGUMENT",
    }
    handler.send_json({"error": error}, status=400)


def _gemini_event(handler: Handler, parts: list[dict[str, Any]], finish: str | None = None) -> None:
    candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
    if finish:
        candidate["finishReason"] = finish
    usage = {
        "promptTokenCount": INPUT_TOKENS,
        "candidatesTokenCount": OUTPUT_TOKENS,
        "totalTokenCount": INPUT_TOKENS + OUTPUT_TOKENS,
    }
    handler.event({"candidates": [candidate], "usageMetadata": usage})


def _gemini_reply(handler: Handler, turn: int) -> None:
    if turn >= 2:
        for piece in REPLY_PIECES:
            _gemini_event(handler, [{"text": piece}])
        _gemini_event(handler, [{"text": "", "thoughtSignature": GEMINI_SIGNATURES[2]}], "STOP")
        return
    _gemini_event(handler, [{"text": f"Checking {CITIES[turn]}.", "thought": True}])
    call = {"name": "get_weather", "args": {"city": CITIES[turn]}}
    parts = [{"functionCall": call, "thoughtSignature": GEMINI_SIGNATURES[turn]}]
    if turn == 0:
        parts.append({"functionCall": {"name": "get_time", "args": {}}})
    _gemini_event(handler, parts, "STOP")


# Responses.


def _responses(handler: Handler, recorded: Recorded, body: dict[str, Any]) -> None:
    items = body.get("input") or []
    calls = [i for i, item in enumerate(items) if item.get("type") == "function_call"]
    for turn, position in enumerate(calls[:2]):
        expected = responses_reasoning_item(turn)
        if expected not in items[:position]:
            message = (
                f"Item 'fc_call_{turn}' of type 'function_call' was provided without its "
                f"required 'reasoning' item: 'rs_{turn}'."
            )
            error = {"message": message, "type": "invalid_request_error", "param": "input"}
            handler.send_json({"error": {**error, "code": None}}, status=400)
            return
    speaker = ResponsesSpeaker(handler, recorded)
    turn = len(calls)
    handler.start_stream()
    speaker.send({"type": "response.created", "response": speaker.response("in_progress")})
    item = responses_reasoning_item(turn)
    summary = (item["summary"][0]["text"],)
    speaker.reasoning_item(summary, item["encrypted_content"], item["id"])
    if turn < 2:
        arguments = json.dumps({"city": CITIES[turn]})
        speaker.function_call(f"call_{turn}", "get_weather", (arguments[:5], arguments[5:]))
    else:
        speaker.message(REPLY_PIECES)
    speaker.finish()
    handler.end_stream()
