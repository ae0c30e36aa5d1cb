"""The wire formats' translators, fed the recorded streams of tests/loopback/streams/.

No server: each file is split into its server-sent events, each event's data decoded as the
transports decode it (JSON for Anthropic and Gemini, the SDK's chunk objects for OpenAI), fed
to a fresh translator, and the events that come out are compared with the exact sequence the
reply must give. See tests/loopback/streams/README.md for where each recording comes from.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from openai.types.chat import ChatCompletionChunk

from llm_registry.runtime import (
    Finish,
    ReasoningDelta,
    ReasoningState,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from llm_registry.runtime._chat.anthropic_stream import AnthropicTranslator
from llm_registry.runtime._chat.events import ReplyAccumulator
from llm_registry.runtime._chat.gemini_stream import GeminiTranslator
from llm_registry.runtime._chat.openai_responses_stream import ResponsesTranslator
from llm_registry.runtime._chat.openai_stream import OpenAITranslator
from llm_registry.runtime._chat.wire_format import (
    IncompleteStream,
    MalformedPayload,
    ServerReportedError,
    StreamTranslator,
)
from tests.loopback import RECORDED_STREAMS

STREAMS = RECORDED_STREAMS


def sse_events(name: str) -> list[tuple[str, str]]:
    """``(event name, data)`` of each event in a recorded stream (the name "message" when the
    event has none, as the SSE specification says)."""
    events: list[tuple[str, str]] = []
    for block in (STREAMS / name).read_text(encoding="utf-8").split("\n\n"):
        event, data = "message", []
        for line in block.splitlines():
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "event":
                event = value
            elif field == "data":
                data.append(value)
        if data:
            events.append((event, "\n".join(data)))
    return events


def json_payloads(name: str) -> list[Any]:
    return [json.loads(data) for _event, data in sse_events(name)]


def sdk_chunks(name: str) -> list[ChatCompletionChunk]:
    """The chunk objects the openai SDK yields for a recorded stream (it stops at [DONE])."""
    return [
        ChatCompletionChunk.model_validate(json.loads(data))
        for _event, data in sse_events(name)
        if data != "[DONE]"
    ]


def translate(translator: StreamTranslator[Any], payloads: list[Any]) -> list[StreamEvent]:
    """Everything ``translator`` makes of ``payloads``, as the streaming loop would: stopping
    when it says the reply is done, then its closing events."""
    events: list[StreamEvent] = []
    for payload in payloads:
        events.extend(translator.feed(payload))
        if translator.done:
            break
    return events + translator.finish()


def translate_recording(name: str) -> list[StreamEvent]:
    """What a fresh translator of the recording's wire format makes of it."""
    if name.startswith("openai_"):
        return translate(OpenAITranslator(), sdk_chunks(name))
    if name.startswith("anthropic_"):
        return translate(AnthropicTranslator("test-anthropic"), json_payloads(name))
    if name.startswith("responses_"):
        return translate(ResponsesTranslator("test-responses"), json_payloads(name))
    return translate(GeminiTranslator("test-gemini"), json_payloads(name))


# Anthropic Messages.


def test_anthropic_text_with_a_ping() -> None:
    assert translate(AnthropicTranslator(), json_payloads("anthropic_text.sse")) == [
        TextDelta("Hello"),
        TextDelta("!"),
        Usage(input_tokens=25, output_tokens=15),
        Finish(reason="stop", raw_reason="end_turn"),
    ]


def test_anthropic_tool_use_with_input_json_deltas() -> None:
    events = translate(AnthropicTranslator(), json_payloads("anthropic_tool_use.sse"))
    words = ["Okay", ",", " let", "'s", " check", " the", " weather", " for", " San"]
    words += [" Francisco", ",", " CA", ":"]
    pieces = ['{"location":', ' "San', " Francisc", "o,", ' CA"', ", ", '"unit": "fah']
    pieces += ['renheit"}']
    assert events == [
        *(TextDelta(word) for word in words),
        ToolCallDelta(index=0, id="toolu_01T1x1fJ34qAmk2tNTrN7Up6", name="get_weather"),
        *(ToolCallDelta(index=0, arguments=piece) for piece in pieces),
        Usage(input_tokens=472, output_tokens=89),
        Finish(reason="tool_calls", raw_reason="tool_use"),
    ]
    (call,) = _accumulated(events).tool_calls()
    assert json.loads(call.arguments) == {"location": "San Francisco, CA", "unit": "fahrenheit"}


def test_anthropic_thinking_is_reasoning_and_the_signature_is_not_text() -> None:
    thinking = "Let me solve this step by step:\n\n1. First break down 27 * 453"
    more = "\n2. 453 = 400 + 50 + 3"
    signature = "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds..."
    block = {"type": "thinking", "thinking": thinking + more, "signature": signature}
    assert translate(AnthropicTranslator("acme"), json_payloads("anthropic_thinking.sse")) == [
        ReasoningDelta(thinking),
        ReasoningDelta(more),
        # The whole block, signed, once it stops: what the next request must carry back.
        ReasoningState("anthropic", "acme", json.dumps(block)),
        TextDelta("27 * 453 = 12,231"),
        Finish(reason="stop", raw_reason="end_turn"),
    ]


def test_anthropic_error_event_is_reported_with_its_body() -> None:
    translator = AnthropicTranslator()
    payloads = json_payloads("anthropic_error.sse")
    events = [event for payload in payloads[:-1] for event in translator.feed(payload)]
    assert events == [TextDelta("Hello")]
    with pytest.raises(ServerReportedError) as caught:
        translator.feed(payloads[-1])
    assert caught.value.body == payloads[-1]
    assert caught.value.status is None


def test_anthropic_reading_stops_at_message_stop() -> None:
    translator = AnthropicTranslator()
    for payload in json_payloads("anthropic_text.sse")[:-1]:
        translator.feed(payload)
        assert not translator.done
    translator.feed({"type": "message_stop"})
    assert translator.done


def test_anthropic_stream_without_message_stop_is_incomplete() -> None:
    translator = AnthropicTranslator()
    for payload in json_payloads("anthropic_text.sse")[:-1]:
        translator.feed(payload)
    with pytest.raises(IncompleteStream):
        translator.finish()


def test_anthropic_delta_of_the_wrong_shape_is_malformed() -> None:
    with pytest.raises(MalformedPayload) as caught:
        AnthropicTranslator().feed({"type": "content_block_delta", "delta": None})
    assert isinstance(caught.value.cause, AttributeError)


# OpenAI chat completions (through the SDK's chunk objects).


def test_openai_text_and_the_usage_chunk() -> None:
    assert translate(OpenAITranslator(), sdk_chunks("openai_text.sse")) == [
        TextDelta("Hello"),
        TextDelta("!"),
        Usage(input_tokens=9, output_tokens=2, reasoning_tokens=0),
        Finish(reason="stop", raw_reason="stop"),
    ]


def test_openai_parallel_tool_calls_by_index() -> None:
    events = translate(OpenAITranslator(), sdk_chunks("openai_tool_calls.sse"))
    assert events == [
        ToolCallDelta(index=0, id="call_DdmO9pD3xa9XTPNJ32zg2hcA", name="get_weather"),
        ToolCallDelta(index=0, arguments='{"'),
        ToolCallDelta(index=0, arguments="location"),
        ToolCallDelta(index=0, arguments='":"'),
        ToolCallDelta(index=0, arguments="Paris, France"),
        ToolCallDelta(index=0, arguments='"}'),
        ToolCallDelta(index=1, id="call_Q8bM3aT9ZrNcXw7Lk2yVp4Hs", name="get_weather"),
        ToolCallDelta(index=1, arguments='{"location":"Bogotá, Colombia"}'),
        Usage(input_tokens=82, output_tokens=51, reasoning_tokens=0, cache_read_tokens=0),
        Finish(reason="tool_calls", raw_reason="tool_calls"),
    ]
    calls = _accumulated(events).tool_calls()
    assert [json.loads(call.arguments)["location"] for call in calls] == [
        "Paris, France",
        "Bogotá, Colombia",
    ]


def test_openai_reasoning_content_comes_apart_from_the_text() -> None:
    assert translate(OpenAITranslator(), sdk_chunks("openai_reasoning_content.sse")) == [
        ReasoningDelta("Comparing 9.11"),
        ReasoningDelta(" and 9.8: 0.8 > 0.11."),
        TextDelta("9.8 is greater."),
        Usage(input_tokens=15, output_tokens=40, reasoning_tokens=33, cache_read_tokens=0),
        Finish(reason="stop", raw_reason="stop"),
    ]


def test_openai_stream_without_a_finish_reason_is_incomplete() -> None:
    translator = OpenAITranslator()
    for chunk in sdk_chunks("openai_text.sse")[:3]:
        translator.feed(chunk)
    with pytest.raises(IncompleteStream):
        translator.finish()


def test_openai_chunk_of_the_wrong_shape_is_malformed() -> None:
    chunk = ChatCompletionChunk.model_construct(choices=None, usage=None)
    with pytest.raises(MalformedPayload) as caught:
        OpenAITranslator().feed(chunk)
    assert isinstance(caught.value.cause, TypeError)


# Gemini streamGenerateContent.


def test_gemini_text_and_the_last_usage() -> None:
    assert translate(GeminiTranslator(), json_payloads("gemini_text.sse")) == [
        TextDelta("The"),
        TextDelta(" capital of France is Paris."),
        Usage(input_tokens=11, output_tokens=7),
        Finish(reason="stop", raw_reason="STOP"),
    ]


def test_gemini_function_call_is_a_whole_tool_call() -> None:
    assert translate(GeminiTranslator("acme"), json_payloads("gemini_function_call.sse")) == [
        ToolCallDelta(
            index=0,
            id="call_0",
            name="get_current_temperature",
            arguments='{"location": "London"}',
        ),
        # The part's thoughtSignature, for this call: it goes back on the functionCall part.
        ReasoningState(
            "google", "acme", '{"thoughtSignature": "CiQB0e2Kb7Fh9Ohz0tDBHcMCYPsm"}', tool_call=0
        ),
        # Thinking tokens are output tokens too.
        Usage(input_tokens=70, output_tokens=70, reasoning_tokens=53),
        Finish(reason="tool_calls", raw_reason="STOP"),
    ]


def test_gemini_thought_parts_are_reasoning() -> None:
    assert translate(GeminiTranslator(), json_payloads("gemini_thinking.sse")) == [
        ReasoningDelta("**Weighing the two numbers**\n\nComparing 9.11 and 9.8 digit by digit."),
        TextDelta("9.8 is larger"),
        TextDelta(" than 9.11."),
        Usage(input_tokens=12, output_tokens=73, reasoning_tokens=64),
        Finish(reason="stop", raw_reason="STOP"),
    ]


def test_gemini_error_event_is_reported_with_its_body() -> None:
    translator = GeminiTranslator()
    first, error = json_payloads("gemini_error.sse")
    assert translator.feed(first) == [TextDelta("The")]
    with pytest.raises(ServerReportedError) as caught:
        translator.feed(error)
    assert caught.value.body == error


def test_gemini_event_wrapped_in_a_list_reads_the_same() -> None:
    payloads = [[payload] for payload in json_payloads("gemini_text.sse")]
    assert translate(GeminiTranslator(), payloads)[:2] == [
        TextDelta("The"),
        TextDelta(" capital of France is Paris."),
    ]


def test_gemini_blocked_prompt_finishes_as_content_filter() -> None:
    blocked = {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {}}
    assert translate(GeminiTranslator(), [blocked]) == [
        Finish(reason="content_filter", raw_reason="SAFETY")
    ]


def test_gemini_stream_without_a_finish_reason_is_incomplete() -> None:
    translator = GeminiTranslator()
    for payload in json_payloads("gemini_text.sse")[:2]:
        translator.feed(payload)
    with pytest.raises(IncompleteStream):
        translator.finish()


def test_gemini_candidate_of_the_wrong_shape_is_malformed() -> None:
    with pytest.raises(MalformedPayload):
        GeminiTranslator().feed({"candidates": ["not an object"]})


def _accumulated(events: list[StreamEvent]) -> ReplyAccumulator:
    accumulator = ReplyAccumulator()
    for event in events:
        accumulator.add(event)
    return accumulator
