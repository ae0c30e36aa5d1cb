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
    body = llm_server.requests[0].body
    for leaked in (b"thinking", b"thoughtSignature", b"signature", b"redacted"):
        assert leaked not in body
