"""The OpenAI Responses API as a wire format: the request it sends, the events its stream
becomes (recorded streams and the loopback's), per-model choice of the API, and reasoning items
carried through a tool loop."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from llm_registry import runtime
from llm_registry.curated.descriptor import Model, Reasoning
from llm_registry.runtime import (
    AssistantMessage,
    BadRequestError,
    Finish,
    ImageAttachment,
    PdfAttachment,
    ReasoningDelta,
    ReasoningState,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolResultMessage,
    ToolSpec,
    Usage,
    UserMessage,
)
from tests.loopback import REFUSAL, REFUSAL_PIECES, REPLY, LoopbackServer, Recorded
from tests.loopback.signed_loops import responses_reasoning_item
from tests.runtime.conftest import TEST_KEY, make_descriptor
from tests.runtime.test_translators import translate_recording

WEATHER = ToolSpec(
    name="get_weather",
    description="Current weather",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}},
)
THINKER = Model(
    id="thinker",
    display_name="Thinker",
    context_window=200000,
    max_output_tokens=100000,
    attachments=["text", "image", "pdf"],
    reasoning=Reasoning(mode="effort", efforts=["low", "high"], can_disable=True),
)


def _provider(
    server: LoopbackServer, scenario: str, wire_format: str = "responses", **overrides: Any
) -> runtime.ChatProvider:
    return runtime.create_provider(
        make_descriptor(wire_format, **overrides),
        api_key=TEST_KEY,
        base_url=server.base_url(scenario, "openai"),
        timeout=10,
    )


def _collect(
    provider: runtime.ChatProvider,
    messages: list[runtime.Message],
    model: str = "plain-model",
    **options: Any,
) -> runtime.ChatResult:
    return asyncio.run(runtime.collect(provider.stream(model, messages, **options)))


def _sent(server: LoopbackServer, model: str = "plain-model", **options: Any) -> Recorded:
    provider = _provider(server, "ok", default_models=[THINKER, *make_descriptor().default_models])
    messages: list[runtime.Message] = [UserMessage("Hi")]
    _collect(provider, messages, model, **options)
    (recorded,) = server.requests
    assert recorded.path.endswith("/responses")
    return recorded


# The recorded streams.


def test_recorded_reasoning_then_a_function_call() -> None:
    events = translate_recording("responses_reasoning_tool.sse")
    summary = "**Checking the weather**\n\nThe user wants the weather in Paris, so I'll call "
    summary += "get_weather."
    states = [event for event in events if isinstance(event, ReasoningState)]
    assert [event.text for event in events if isinstance(event, ReasoningDelta)] == [
        "**Checking the weather**\n\nThe user wants",
        " the weather in Paris, so I'll call get_weather.",
    ]
    (state,) = states
    assert state.wire_format == "openai_responses" and state.provider == "test-responses"
    assert state.data() == {
        "id": "rs_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b",
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": summary}],
        "encrypted_content": "gAAAAABoGX3c0Yk9Qm1zT2xvb3Bi-ZXhhbXBsZQ==",
    }
    calls = [event for event in events if isinstance(event, ToolCallDelta)]
    assert calls[0] == ToolCallDelta(index=0, id="call_12345xyz", name="get_weather")
    assert "".join(call.arguments for call in calls) == '{"location":"Paris, France"}'
    assert events[-2:] == [
        Usage(input_tokens=62, output_tokens=218, reasoning_tokens=192),
        Finish(reason="tool_calls", raw_reason="completed"),
    ]


def test_recorded_reply_cut_short_by_the_output_limit() -> None:
    events = translate_recording("responses_incomplete.sse")
    texts = "".join(event.text for event in events if isinstance(event, TextDelta))
    assert texts == "Hi there! How can I help you today"
    assert events[-1] == Finish(reason="length", raw_reason="incomplete:max_output_tokens")


# A refusal.


def _events(provider: runtime.ChatProvider) -> list[runtime.StreamEvent]:
    async def read() -> list[runtime.StreamEvent]:
        return [event async for event in provider.stream("plain-model", [UserMessage("Hi")])]

    return asyncio.run(read())


def test_a_refusal_is_the_reply_text_and_finishes_as_content_filter(
    llm_server: LoopbackServer,
) -> None:
    # Its pieces once each: the refusal.done event and the finished item repeat the whole text.
    events = _events(_provider(llm_server, "refusal"))
    texts = [event.text for event in events if isinstance(event, TextDelta)]
    assert texts == list(REFUSAL_PIECES)
    assert events[-1] == Finish(reason="content_filter", raw_reason="refusal")
    result = _collect(_provider(llm_server, "refusal"), [UserMessage("Hi")])
    assert result.text == REFUSAL and result.finish_reason == "content_filter"


def test_a_refusal_sent_whole_is_still_the_reply_text(llm_server: LoopbackServer) -> None:
    events = _events(_provider(llm_server, "refusal-whole"))
    assert [event for event in events if isinstance(event, TextDelta)] == [TextDelta(REFUSAL)]
    assert events[-1] == Finish(reason="content_filter", raw_reason="refusal")


def test_a_reply_that_is_no_refusal_still_finishes_as_stop(llm_server: LoopbackServer) -> None:
    events = _events(_provider(llm_server, "ok"))
    assert events[-1] == Finish(reason="stop", raw_reason="completed")


# The request.


def test_the_request_in_the_responses_shape(llm_server: LoopbackServer) -> None:
    messages: list[runtime.Message] = [
        UserMessage(
            "What is this?",
            attachments=(
                ImageAttachment(b"png", "image/png"),
                PdfAttachment(b"%PDF", name="a.pdf"),
            ),
        ),
        AssistantMessage("Checking.", tool_calls=(ToolCall("call_1", "get_weather", '{"c": 1}'),)),
        ToolResultMessage("call_1", "sunny"),
    ]
    provider = _provider(llm_server, "ok")
    _collect(provider, messages, system="Be brief.", tools=[WEATHER], max_output_tokens=300)
    body = llm_server.requests[0].json
    assert body["instructions"] == "Be brief."
    assert body["store"] is False and body["stream"] is True
    assert body["max_output_tokens"] == 300
    assert body["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Current weather",
            "parameters": dict(WEATHER.parameters),
            "strict": False,
        }
    ]
    user, assistant, call, result = body["input"]
    assert user["role"] == "user"
    assert [part["type"] for part in user["content"]] == ["input_text", "input_image", "input_file"]
    assert user["content"][1]["image_url"].startswith("data:image/png;base64,")
    assert assistant == {"role": "assistant", "content": "Checking."}
    assert call == {
        "type": "function_call",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": '{"c": 1}',
    }
    assert result == {"type": "function_call_output", "call_id": "call_1", "output": "sunny"}
    assert "include" not in body and "reasoning" not in body  # the model does not reason


def test_a_reasoning_model_asks_for_its_encrypted_reasoning(llm_server: LoopbackServer) -> None:
    body = _sent(llm_server, "thinker", reasoning_effort="high").json
    assert body["reasoning"] == {"effort": "high", "summary": "auto"}
    assert body["include"] == ["reasoning.encrypted_content"]
    llm_server.clear()
    assert _sent(llm_server, "thinker", reasoning=False).json["reasoning"] == {"effort": "none"}
    llm_server.clear()
    body = _sent(llm_server, "thinker").json
    assert "reasoning" not in body and body["include"] == ["reasoning.encrypted_content"]


def test_a_thinking_budget_is_refused_before_sending(llm_server: LoopbackServer) -> None:
    provider = _provider(llm_server, "ok")
    with pytest.raises(BadRequestError, match="takes an effort"):
        _collect(provider, [UserMessage("Hi")], "unlisted", reasoning_budget=2048)
    assert llm_server.requests == []


# One API or the other, per model.


def _mixed_models(implementation: str) -> list[Model]:
    plain = make_descriptor().default_models[0]
    return [
        plain,
        Model(
            id="other-api",
            display_name="Other API",
            context_window=8192,
            max_output_tokens=1024,
            attachments=["text"],
            implementation=implementation,  # type: ignore[arg-type]
        ),
    ]


@pytest.mark.parametrize(
    ("provider_format", "model_format", "paths"),
    [
        ("openai", "openai_responses", ("/chat/completions", "/responses")),
        ("responses", "openai_compatible", ("/responses", "/chat/completions")),
    ],
)
def test_a_model_may_speak_the_other_openai_api(
    llm_server: LoopbackServer, provider_format: str, model_format: str, paths: tuple[str, str]
) -> None:
    provider = _provider(
        llm_server, "ok", provider_format, default_models=_mixed_models(model_format)
    )
    for model in ("plain-model", "other-api"):
        assert _collect(provider, [UserMessage("Hi")], model).text == REPLY
    assert [request.path.removeprefix("/ok/v1") for request in llm_server.requests] == list(paths)


# Reasoning items through a tool loop.


def test_reasoning_items_go_back_verbatim_through_a_tool_loop(llm_server: LoopbackServer) -> None:
    provider = _provider(llm_server, "signed-tool")
    messages: list[runtime.Message] = [UserMessage("Weather in Paris, then London?")]
    for _ in range(2):
        result = _collect(provider, messages, tools=[WEATHER])
        assert result.finish_reason == "tool_calls"
        messages.append(result.assistant_message())
        messages.extend(ToolResultMessage(call.id, "sunny") for call in result.tool_calls)
    final = _collect(provider, messages, tools=[WEATHER])
    assert final.text == REPLY
    third = llm_server.requests[2]
    items = third.json["input"]
    assert [item.get("type", item.get("role")) for item in items] == [
        "user",
        "reasoning",
        "function_call",
        "function_call_output",
        "reasoning",
        "function_call",
        "function_call_output",
    ]
    assert items[1] == responses_reasoning_item(0) and items[4] == responses_reasoning_item(1)
    assert json.dumps(responses_reasoning_item(1)["encrypted_content"]).encode() in third.body


def test_a_tool_loop_without_its_reasoning_items_is_refused(llm_server: LoopbackServer) -> None:
    provider = _provider(llm_server, "signed-tool")
    messages: list[runtime.Message] = [UserMessage("Weather?")]
    first = _collect(provider, messages)
    bare = AssistantMessage(first.text, tool_calls=first.tool_calls)
    results = [ToolResultMessage(call.id, "sunny") for call in first.tool_calls]
    with pytest.raises(BadRequestError, match="required 'reasoning' item"):
        _collect(provider, [*messages, bare, *results])


def test_chat_completions_leave_responses_reasoning_out(llm_server: LoopbackServer) -> None:
    item = responses_reasoning_item(0)
    state = ReasoningState("openai_responses", "test-openai", json.dumps(item))
    turn = AssistantMessage(
        "", tool_calls=(ToolCall("call_0", "get_weather", "{}"),), reasoning_state=(state,)
    )
    provider = _provider(llm_server, "ok", "openai")
    messages: list[runtime.Message] = [
        UserMessage("Hi"),
        turn,
        ToolResultMessage("call_0", "sunny"),
    ]
    _collect(provider, messages)
    assert b"encrypted_content" not in llm_server.requests[0].body
