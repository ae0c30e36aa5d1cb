"""Reasoning state carried across the turns of a tool loop.

The loopback's ``signed-tool`` scenario refuses, as Anthropic and Gemini do, a request whose
assistant turns lack the signed reasoning the server sent (byte for byte), so a loop that gets
to its third reply proves the state went back unchanged.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from llm_registry import runtime
from llm_registry.runtime import (
    AssistantMessage,
    BadRequestError,
    ChatResult,
    ReasoningState,
    ToolCall,
    ToolResultMessage,
    UserMessage,
)
from llm_registry.runtime._chat.gemini import FOREIGN_CALL_SIGNATURE
from tests.loopback import REPLY, LoopbackServer
from tests.loopback.signed_loops import (
    ANTHROPIC_SIGNATURES,
    GEMINI_SIGNATURES,
    anthropic_turn_blocks,
)
from tests.runtime.conftest import TEST_KEY, make_descriptor

FORMATS = ("anthropic", "gemini")


def _provider(server: LoopbackServer, wire_format: str, **overrides: Any) -> runtime.ChatProvider:
    return runtime.create_provider(
        make_descriptor(wire_format, **overrides),
        api_key=TEST_KEY,
        base_url=server.base_url("signed-tool", wire_format),  # type: ignore[arg-type]
        timeout=10,
    )


def _reply(provider: runtime.ChatProvider, messages: list[runtime.Message]) -> ChatResult:
    return asyncio.run(runtime.collect(provider.stream("plain-model", messages)))


def _run_loop(provider: runtime.ChatProvider) -> tuple[list[runtime.Message], ChatResult]:
    """The three requests of the loop, each carrying the replies so far; the last reply."""
    messages: list[runtime.Message] = [UserMessage("Weather in Paris, then London?")]
    for _ in range(2):
        result = _reply(provider, messages)
        assert result.finish_reason == "tool_calls"
        messages.append(result.assistant_message())
        messages.extend(
            ToolResultMessage(call.id, f"sunny ({call.name})") for call in result.tool_calls
        )
    return messages, _reply(provider, messages)


@pytest.mark.parametrize("wire_format", FORMATS)
def test_a_tool_loop_carries_the_signed_reasoning_back(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    messages, final = _run_loop(_provider(llm_server, wire_format))
    assert final.text == REPLY
    assert final.finish_reason == "stop"
    assert len(llm_server.requests) == 3
    first_reply = messages[1]
    assert isinstance(first_reply, AssistantMessage)
    assert first_reply.tool_calls[0].arguments == '{"city": "Paris"}'


def test_anthropic_thinking_blocks_go_back_verbatim_before_the_tool_use(
    llm_server: LoopbackServer,
) -> None:
    _run_loop(_provider(llm_server, "anthropic"))
    third = llm_server.requests[2].json
    assistant = [m["content"] for m in third["messages"] if m["role"] == "assistant"]
    assert assistant[0][:2] == anthropic_turn_blocks(0)
    assert [block["type"] for block in assistant[0][2:]] == ["text", "tool_use"]
    assert assistant[1] == [
        *anthropic_turn_blocks(1),
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "London"}},
    ]
    # The signature travels as the same bytes, not merely an equal JSON value.
    assert json.dumps(ANTHROPIC_SIGNATURES[1]).encode() in llm_server.requests[2].body


def test_gemini_signatures_go_back_on_the_parts_they_came_on(llm_server: LoopbackServer) -> None:
    _messages, final = _run_loop(_provider(llm_server, "gemini"))
    third = llm_server.requests[2].json
    model_turns = [c["parts"] for c in third["contents"] if c["role"] == "model"]
    assert model_turns[0] == [
        {
            "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
            "thoughtSignature": GEMINI_SIGNATURES[0],
        },
        {"functionCall": {"name": "get_time", "args": {}}},
    ]
    assert model_turns[1][0]["thoughtSignature"] == GEMINI_SIGNATURES[1]
    # The last reply's signature came on an empty text part: it is the reply's own state.
    (state,) = final.reasoning_state
    assert state.data() == {"thoughtSignature": GEMINI_SIGNATURES[2]}
    replayed = runtime.create_provider(make_descriptor("gemini"), api_key=TEST_KEY)
    assert isinstance(replayed, runtime.GeminiProvider)
    assert replayed.build_contents([final.assistant_message()]) == [
        {"role": "model", "parts": [{"text": REPLY, "thoughtSignature": GEMINI_SIGNATURES[2]}]}
    ]


@pytest.mark.parametrize("wire_format", FORMATS)
def test_a_turn_without_its_reasoning_is_refused(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    """The loopback refuses as the real servers do, so the loop above proves something."""
    provider = _provider(llm_server, wire_format)
    messages: list[runtime.Message] = [UserMessage("Weather?")]
    first = _reply(provider, messages)
    bare = AssistantMessage(
        first.text, tool_calls=tuple(ToolCall(c.id, c.name, c.arguments) for c in first.tool_calls)
    )
    results = [ToolResultMessage(call.id, "sunny") for call in first.tool_calls]
    with pytest.raises(BadRequestError, match=r"thinking|thought_signature"):
        _reply(provider, [*messages, bare, *results])


def test_anthropic_stream_reports_each_block_as_it_stops(llm_server: LoopbackServer) -> None:
    async def events() -> list[runtime.StreamEvent]:
        provider = _provider(llm_server, "anthropic")
        return [event async for event in provider.stream("plain-model", [UserMessage("Hi")])]

    states = [event for event in asyncio.run(events()) if isinstance(event, ReasoningState)]
    assert [state.data() for state in states] == anthropic_turn_blocks(0)
    assert {(state.wire_format, state.provider) for state in states} == {
        ("anthropic", "test-anthropic")
    }


def test_callback_form_returns_the_state(llm_server: LoopbackServer) -> None:
    completed: list[tuple[ToolCall, ...]] = []
    provider = _provider(llm_server, "gemini")
    result = asyncio.run(
        provider.chat(
            "plain-model",
            [UserMessage("Weather?")],
            on_complete=lambda _text, calls, _usage: completed.append(calls),
        )
    )
    assert result is not None
    (calls,) = completed
    assert calls[0].reasoning_state is not None
    assert calls[0].reasoning_state.data() == {"thoughtSignature": GEMINI_SIGNATURES[0]}
    assert calls[1].reasoning_state is None  # Gemini signs only the first of parallel calls


def _anthropic_turn() -> AssistantMessage:
    def state(block: dict[str, Any], **where: Any) -> ReasoningState:
        return ReasoningState("anthropic", "test-anthropic", json.dumps(block), **where)

    return AssistantMessage(
        "Checking.",
        tool_calls=(
            ToolCall(
                "call_1",
                "get_weather",
                "{}",
                reasoning_state=ReasoningState(
                    "google", "test-gemini", json.dumps({"thoughtSignature": "g"}), tool_call=0
                ),
            ),
            ToolCall("call_2", "get_time", "{}"),
        ),
        reasoning_state=(
            state(anthropic_turn_blocks(0)[0]),
            state(anthropic_turn_blocks(1)[0], position=1),
        ),
    )


def test_interleaved_thinking_goes_back_in_its_place() -> None:
    provider = runtime.create_provider(make_descriptor("anthropic"), api_key=TEST_KEY)
    assert isinstance(provider, runtime.AnthropicProvider)
    (turn,) = provider.build_messages([_anthropic_turn()])
    assert [block["type"] for block in turn["content"]] == [
        "thinking",
        "text",
        "tool_use",
        "thinking",
        "tool_use",
    ]


@pytest.mark.parametrize(
    ("wire_format", "provider_id"),
    [
        ("gemini", "test-gemini-elsewhere"),  # same format, another provider
        ("anthropic", "test-anthropic-elsewhere"),
        ("openai", "test-openai"),  # another format altogether
    ],
)
def test_switching_providers_drops_the_state(
    llm_server: LoopbackServer, wire_format: str, provider_id: str
) -> None:
    provider = runtime.create_provider(
        make_descriptor(wire_format, id=provider_id),
        api_key=TEST_KEY,
        base_url=llm_server.base_url("ok", wire_format),  # type: ignore[arg-type]
        timeout=10,
    )
    messages: list[runtime.Message] = [
        UserMessage("Weather?"),
        _anthropic_turn(),
        ToolResultMessage("call_1", "sunny"),
        ToolResultMessage("call_2", "noon"),
    ]
    asyncio.run(runtime.collect(provider.stream("plain-model", messages)))
    recorded = llm_server.requests[0]
    body = recorded.body
    if wire_format == "gemini":
        # The calls it did not sign carry the stand-in signature, and nothing else does.
        model_turn = recorded.json["contents"][1]
        signed = [part.get("thoughtSignature") for part in model_turn["parts"]]
        assert signed == [None, FOREIGN_CALL_SIGNATURE, None]
        body = body.replace(b'"thoughtSignature"', b"").replace(
            FOREIGN_CALL_SIGNATURE.encode(), b""
        )
    for leaked in (b"thinking", b"thoughtSignature", b"signature", b"redacted"):
        assert leaked not in body


# A conversation another provider began, continued on Gemini.


def _gemini(server: LoopbackServer, scenario: str = "signature-check") -> runtime.ChatProvider:
    return runtime.create_provider(
        make_descriptor("gemini"),
        api_key=TEST_KEY,
        base_url=server.base_url(scenario, "gemini"),
        timeout=10,
    )


def _call_parts(recorded_json: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Each model turn's functionCall parts."""
    return [
        [part for part in content["parts"] if "functionCall" in part]
        for content in recorded_json["contents"]
        if content["role"] == "model"
    ]


def test_a_tool_call_another_provider_wrote_gets_the_stand_in_signature(
    llm_server: LoopbackServer,
) -> None:
    # The tool call comes from a real Anthropic reply (its thinking state is Anthropic's).
    anthropic = _provider(llm_server, "anthropic")
    messages: list[runtime.Message] = [UserMessage("Weather in Paris?")]
    first = _reply(anthropic, messages)
    assert first.tool_calls and first.reasoning_state
    messages.append(first.assistant_message())
    messages.extend(ToolResultMessage(call.id, "sunny") for call in first.tool_calls)
    llm_server.clear()

    final = _reply(_gemini(llm_server), messages)
    assert final.text == REPLY
    (sent,) = llm_server.requests
    assert _call_parts(sent.json) == [
        [
            {
                "functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                "thoughtSignature": FOREIGN_CALL_SIGNATURE,
            }
        ]
    ]
    assert b"thinking" not in sent.body  # Anthropic's own state stays behind


def test_the_signature_check_refuses_an_unsigned_call(llm_server: LoopbackServer) -> None:
    """The loopback refuses what Gemini 3 refuses, so the test above proves something (the
    runtime itself never sends an unsigned call, so the request is posted by hand)."""
    import httpx

    call: dict[str, object] = {"functionCall": {"name": "get_weather", "args": {}}}
    body = {
        "contents": [
            {"role": "user", "parts": [{"text": "Weather?"}]},
            {"role": "model", "parts": [call]},
            {"role": "user", "parts": [{"functionResponse": {"name": "get_weather"}}]},
        ]
    }
    url = llm_server.base_url("signature-check", "gemini") + "/models/m:streamGenerateContent"
    answer = httpx.post(url, json=body, timeout=10)
    assert answer.status_code == 400 and "thought_signature" in answer.text
    call["thoughtSignature"] = FOREIGN_CALL_SIGNATURE
    assert httpx.post(url, json=body, timeout=10).status_code == 200


def test_a_signature_gemini_wrote_is_replayed_verbatim_beside_a_stand_in(
    llm_server: LoopbackServer,
) -> None:
    # Turn 1: Gemini's own parallel calls (only the first signed, as Gemini signs them).
    # Turn 2: a call another provider wrote.
    own = ReasoningState(
        "google", "test-gemini", json.dumps({"thoughtSignature": GEMINI_SIGNATURES[0]}), 0
    )
    elsewhere = ReasoningState("anthropic", "test-anthropic", json.dumps({"signature": "a"}))
    messages: list[runtime.Message] = [
        UserMessage("Weather and time?"),
        AssistantMessage(
            tool_calls=(
                ToolCall("g1", "get_weather", '{"city": "Paris"}', reasoning_state=own),
                ToolCall("g2", "get_time", "{}"),
            )
        ),
        ToolResultMessage("g1", "sunny"),
        ToolResultMessage("g2", "noon"),
        AssistantMessage(
            "And London.",
            tool_calls=(ToolCall("a1", "get_weather", '{"city": "London"}'),),
            reasoning_state=(elsewhere,),
        ),
        ToolResultMessage("a1", "rainy"),
    ]
    assert _reply(_gemini(llm_server), messages).text == REPLY
    (sent,) = llm_server.requests
    signatures = [
        [part.get("thoughtSignature") for part in turn] for turn in _call_parts(sent.json)
    ]
    assert signatures == [[GEMINI_SIGNATURES[0], None], [FOREIGN_CALL_SIGNATURE]]
    # The same bytes, not merely an equal JSON value.
    assert json.dumps(GEMINI_SIGNATURES[0]).encode() in sent.body
