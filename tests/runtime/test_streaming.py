"""Streaming replies from a real loopback server in all three wire formats, and every way a
reply can fail. Nothing is mocked: the openai SDK, httpx and httpx-sse talk to real sockets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from llm_registry import runtime
from llm_registry.runtime import (
    AuthenticationError,
    BadRequestError,
    ConfigError,
    ContextLimitError,
    Finish,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    Usage,
    UserMessage,
)
from llm_registry.runtime._chat.wire_format import ServerReportedError
from tests import loopback
from tests.loopback import LoopbackServer
from tests.runtime.conftest import TEST_KEY, make_descriptor

FORMATS = ["openai", "anthropic", "gemini", "responses"]
PROVIDER_CLASSES = {
    "openai": runtime.BaseOpenAICompatibleProvider,
    "anthropic": runtime.AnthropicProvider,
    "gemini": runtime.GeminiProvider,
    "responses": runtime.OpenAIResponsesProvider,
}


def _provider(server: LoopbackServer, wire_format: str, scenario: str) -> runtime.ChatProvider:
    return runtime.create_provider(
        make_descriptor(wire_format),
        api_key=TEST_KEY,
        base_url=server.base_url(scenario, wire_format),  # type: ignore[arg-type]
        timeout=10,
    )


def _events(
    provider: runtime.ChatProvider, messages: Sequence[runtime.Message] | None = None
) -> list[StreamEvent]:
    async def read() -> list[StreamEvent]:
        return [
            event async for event in provider.stream("plain-model", messages or [UserMessage("Hi")])
        ]

    return asyncio.run(read())


def _failure(server: LoopbackServer, wire_format: str, scenario: str) -> ProviderError:
    provider = _provider(server, wire_format, scenario)
    with pytest.raises(ProviderError) as caught:
        _events(provider)
    error = caught.value
    # Whatever went wrong: one line, no key, not chained to the SDK's exception (whose
    # request object holds the key), the right provider named.
    assert TEST_KEY not in str(error) and TEST_KEY not in repr(error)
    assert "\n" not in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    assert error.provider_id == f"test-{wire_format}"
    return error


@pytest.mark.parametrize("wire_format", FORMATS)
def test_factory_picks_the_class_from_the_implementation(wire_format: str) -> None:
    provider = runtime.create_provider(make_descriptor(wire_format), api_key="k")
    assert type(provider) is PROVIDER_CLASSES[wire_format]


@pytest.mark.parametrize("wire_format", FORMATS)
def test_a_normal_reply_streams_as_typed_events(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    events = _events(_provider(llm_server, wire_format, "ok"))
    texts = [e.text for e in events if isinstance(e, TextDelta)]
    assert texts == list(loopback.REPLY_PIECES)  # piece by piece, as sent
    assert events[-1] == Finish(
        reason="stop",
        raw_reason={
            "openai": "stop",
            "anthropic": "end_turn",
            "gemini": "STOP",
            "responses": "completed",
        }[wire_format],
    )
    usage = [e for e in events if isinstance(e, Usage)]
    assert usage == [
        Usage(input_tokens=loopback.INPUT_TOKENS, output_tokens=loopback.OUTPUT_TOKENS)
    ]
    assert len(llm_server.requests) == 1


@pytest.mark.parametrize("wire_format", FORMATS)
def test_tool_calls_stream_and_add_up(llm_server: LoopbackServer, wire_format: str) -> None:
    events = _events(_provider(llm_server, wire_format, "tool"))
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert deltas and all(d.index == 0 for d in deltas)
    assert deltas[0].name == "get_weather"
    assert isinstance(events[-1], Finish) and events[-1].reason == "tool_calls"

    async def collect() -> runtime.ChatResult:
        return await runtime.collect(
            _provider(llm_server, wire_format, "tool").stream(
                "plain-model", [UserMessage("Weather?")]
            )
        )

    result = asyncio.run(collect())
    assert len(result.tool_calls) == 1
    call = result.tool_calls[0]
    assert call.name == "get_weather"
    import json

    assert json.loads(call.arguments) == {"city": "Paris"}
    assert call.id  # every call has an id to answer with a tool result


def test_tool_call_deltas_without_an_index_keep_calls_apart(llm_server: LoopbackServer) -> None:
    events = _events(_provider(llm_server, "openai", "tool-noindex"))
    deltas = [e for e in events if isinstance(e, ToolCallDelta)]
    assert deltas and all(isinstance(d.index, int) for d in deltas)
    result = asyncio.run(runtime.collect(_replay(events)))
    assert result.tool_calls == (
        ToolCall(id="a", name="first", arguments="{}"),
        ToolCall(id="b", name="second", arguments='{"n": 2}'),
    )
    assert result.finish_reason == "tool_calls"


async def _replay(events: list[StreamEvent]) -> AsyncIterator[StreamEvent]:
    for event in events:
        yield event


@pytest.mark.parametrize("wire_format", FORMATS)
def test_reasoning_arrives_apart_from_the_text(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    events = _events(_provider(llm_server, wire_format, "reasoning"))
    assert [e.text for e in events if isinstance(e, ReasoningDelta)] == list(
        loopback.REASONING_PIECES
    )
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == loopback.REPLY


@pytest.mark.parametrize("wire_format", ["openai", "responses"])
def test_a_refusal_is_the_reply_text_and_finishes_as_content_filter(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    # Chat completions sends it as delta.refusal pieces in a reply that finishes "stop".
    events = _events(_provider(llm_server, wire_format, "refusal"))
    assert [e.text for e in events if isinstance(e, TextDelta)] == list(loopback.REFUSAL_PIECES)
    assert events[-1] == Finish(reason="content_filter", raw_reason="refusal")


@pytest.mark.parametrize("wire_format", FORMATS)
def test_callback_form(llm_server: LoopbackServer, wire_format: str) -> None:
    chunks: list[str] = []
    completed: list[tuple[str, tuple[ToolCall, ...], Usage | None]] = []
    errors: list[str] = []
    provider = _provider(llm_server, wire_format, "ok")
    result = asyncio.run(
        provider.chat(
            "plain-model",
            [UserMessage("Hi")],
            on_chunk=chunks.append,
            on_complete=lambda text, calls, usage: completed.append((text, calls, usage)),
            on_error=errors.append,
        )
    )
    assert chunks == list(loopback.REPLY_PIECES)
    assert completed == [(loopback.REPLY, (), Usage(input_tokens=12, output_tokens=7))]
    assert errors == []
    assert result is not None and result.text == loopback.REPLY and result.finish_reason == "stop"


@pytest.mark.parametrize("wire_format", FORMATS)
def test_callback_form_reports_errors_through_on_error(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    chunks: list[str] = []
    errors: list[str] = []
    completed: list[object] = []
    provider = _provider(llm_server, wire_format, "midstream-error")
    result = asyncio.run(
        provider.chat(
            "plain-model",
            [UserMessage("Hi")],
            on_chunk=chunks.append,
            on_complete=lambda *args: completed.append(args),
            on_error=errors.append,
        )
    )
    assert result is None
    assert chunks == list(loopback.REPLY_PIECES[:2])  # what arrived before the error
    assert completed == []
    assert len(errors) == 1 and "unavailable" in errors[0]
    # Without on_error the error is raised.
    with pytest.raises(ProviderUnavailableError):
        asyncio.run(provider.chat("plain-model", [UserMessage("Hi")]))


@pytest.mark.parametrize("wire_format", FORMATS)
def test_an_error_event_mid_stream(llm_server: LoopbackServer, wire_format: str) -> None:
    error = _failure(llm_server, wire_format, "midstream-error")
    assert isinstance(error, ProviderUnavailableError)
    assert "overloaded" in str(error).lower() or "error while processing" in str(error)


@pytest.mark.parametrize("wire_format", FORMATS)
def test_an_overflow_reported_mid_stream(llm_server: LoopbackServer, wire_format: str) -> None:
    error = _failure(llm_server, wire_format, "midstream-overflow")
    assert isinstance(error, ContextLimitError)
    assert loopback.OVERFLOW_MESSAGES[wire_format] in str(error)  # type: ignore[index]


@pytest.mark.parametrize("wire_format", FORMATS)
def test_a_dropped_connection(llm_server: LoopbackServer, wire_format: str) -> None:
    error = _failure(llm_server, wire_format, "drop")
    assert isinstance(error, ProviderUnavailableError)
    assert "dropped" in str(error)
    assert f"127.0.0.1:{llm_server.port}" in str(error)


@pytest.mark.parametrize("wire_format", FORMATS)
def test_a_stream_that_ends_without_finishing(llm_server: LoopbackServer, wire_format: str) -> None:
    error = _failure(llm_server, wire_format, "truncated")
    assert isinstance(error, ProviderUnavailableError)
    assert "before the reply was complete" in str(error)


@pytest.mark.parametrize("wire_format", FORMATS)
@pytest.mark.parametrize("scenario", ["garbage", "not-sse"])
def test_a_reply_that_is_not_an_event_stream(
    llm_server: LoopbackServer, wire_format: str, scenario: str
) -> None:
    error = _failure(llm_server, wire_format, scenario)
    assert isinstance(error, ProviderUnavailableError)
    assert "not a readable event stream" in str(error)


@pytest.mark.parametrize("wire_format", FORMATS)
def test_an_event_nested_too_deep_to_decode_is_a_malformed_stream(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    error = _failure(llm_server, wire_format, "deep")
    assert isinstance(error, ProviderUnavailableError)
    assert "not a readable event stream" in str(error)


@pytest.mark.parametrize("wire_format", FORMATS)
def test_an_error_body_nested_too_deep_to_decode_still_maps_by_status(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    error = _failure(llm_server, wire_format, "deep-error")
    assert isinstance(error, BadRequestError)
    assert error.status_code == 400


@pytest.mark.parametrize("wire_format", FORMATS)
def test_401_is_an_auth_error_and_the_echoed_key_is_scrubbed(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    error = _failure(llm_server, wire_format, "401")
    assert isinstance(error, AuthenticationError)
    assert error.status_code == 401
    assert "[REDACTED]" in str(error)  # the server did echo it
    assert "TEST_LOOPBACK_API_KEY" in str(error)
    # The key did reach the server, in the format's own header.
    headers = llm_server.requests[-1].headers
    sent = {
        "openai": headers.get("authorization"),
        "anthropic": headers.get("x-api-key"),
        "gemini": headers.get("x-goog-api-key"),
        "responses": headers.get("authorization"),
    }
    assert sent[wire_format] in (TEST_KEY, f"Bearer {TEST_KEY}")


# A key with characters a URL encodes, so that its percent-encoded echo differs from it.
ENCODABLE_KEY = "sk-loopback/SECRET+7f3a9c2e=41d8b6"


@pytest.mark.parametrize("wire_format", FORMATS)
@pytest.mark.parametrize("scenario", sorted(set(loopback.KEY_ECHOES) - {"401"}))
def test_a_key_echoed_upper_cased_cut_or_percent_encoded_is_scrubbed_too(
    llm_server: LoopbackServer, wire_format: str, scenario: str
) -> None:
    provider = runtime.create_provider(
        make_descriptor(wire_format),
        api_key=ENCODABLE_KEY,
        base_url=llm_server.base_url(scenario, wire_format),  # type: ignore[arg-type]
        timeout=10,
    )
    with pytest.raises(AuthenticationError) as caught:
        _events(provider)
    message = str(caught.value)
    assert "[REDACTED]" in message  # the server did echo it, in its own way
    echoed = loopback.KEY_ECHOES[scenario](ENCODABLE_KEY)
    assert echoed.lower() not in message.lower()
    # Not even a long piece of it is left: no 12 characters in a row of the key or its echo.
    for text in (ENCODABLE_KEY, echoed):
        for start in range(len(text) - 11):
            assert text[start : start + 12].lower() not in message.lower()


@pytest.mark.parametrize("wire_format", FORMATS)
def test_a_keyless_provider_refused_by_its_server_is_not_told_to_check_a_key(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    provider = runtime.create_provider(
        make_descriptor(wire_format, api_key=None),
        base_url=llm_server.base_url("401", wire_format),  # type: ignore[arg-type]
        timeout=10,
    )
    with pytest.raises(AuthenticationError) as caught:
        _events(provider)
    message = str(caught.value)
    assert "refused the request (HTTP 401)" in message
    # (What the server itself says, quoted after the colon, may well mention a key.)
    assert "refused the API key" not in message and "Check the key" not in message


@pytest.mark.parametrize("wire_format", FORMATS)
def test_an_error_body_longer_than_is_read_still_gives_its_message(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    from llm_registry.runtime._error_body import MAX_ERROR_BODY_BYTES

    assert len(loopback.LONG_ERROR_MESSAGE) > MAX_ERROR_BODY_BYTES  # the body is cut, then
    error = _failure(llm_server, wire_format, "long-error")
    assert isinstance(error, BadRequestError) and error.status_code == 400
    detail = str(error).split("(HTTP 400): ", 1)[1]
    assert detail.startswith("The request is invalid: much too long much too long")
    assert "{" not in str(error) and '"message"' not in str(error)


def test_gemini_wrong_key_400_is_an_auth_error(llm_server: LoopbackServer) -> None:
    error = _failure(llm_server, "gemini", "bad-key-400")
    assert isinstance(error, AuthenticationError)
    assert error.status_code == 400


@pytest.mark.parametrize("wire_format", FORMATS)
def test_429_is_a_rate_limit_with_retry_after(llm_server: LoopbackServer, wire_format: str) -> None:
    error = _failure(llm_server, wire_format, "429")
    assert isinstance(error, RateLimitError)
    assert error.retry_after == loopback.RETRY_AFTER_SECONDS
    assert error.status_code == 429
    # No retries: the SDK's own retry loop is off, so the error surfaces after one request.
    assert len(llm_server.requests) == 1


@pytest.mark.parametrize("wire_format", FORMATS)
def test_500_is_unavailable(llm_server: LoopbackServer, wire_format: str) -> None:
    error = _failure(llm_server, wire_format, "500")
    assert isinstance(error, ProviderUnavailableError)
    assert error.status_code == 500
    assert len(llm_server.requests) == 1


@pytest.mark.parametrize("wire_format", FORMATS)
@pytest.mark.parametrize("scenario", ["overflow", "overflow-500", "overflow-moonshot"])
def test_context_overflow_in_each_wording_whatever_the_status(
    llm_server: LoopbackServer, wire_format: str, scenario: str
) -> None:
    error = _failure(llm_server, wire_format, scenario)
    assert isinstance(error, ContextLimitError)
    assert f"test-{wire_format}::plain-model" in str(error)


@pytest.mark.parametrize("wire_format", FORMATS)
def test_a_redirect_is_reported_not_followed(llm_server: LoopbackServer, wire_format: str) -> None:
    error = _failure(llm_server, wire_format, "redirect")
    assert isinstance(error, ConfigError)
    assert "redirect" in str(error)
    assert len(llm_server.requests) == 1


@pytest.mark.parametrize("wire_format", FORMATS)
def test_nothing_listening_is_unavailable(wire_format: str) -> None:
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    provider = runtime.create_provider(
        make_descriptor(wire_format),
        api_key=TEST_KEY,
        base_url=f"http://127.0.0.1:{port}/v1",
        timeout=5,
    )
    with pytest.raises(ProviderUnavailableError, match="could not connect"):
        _events(provider)


@pytest.mark.parametrize("wire_format", FORMATS)
def test_an_unknown_endpoint_is_a_bad_request(llm_server: LoopbackServer, wire_format: str) -> None:
    error = _failure(llm_server, wire_format, "no-such-scenario")
    assert isinstance(error, BadRequestError)
    assert error.status_code == 404


@pytest.mark.parametrize("wire_format", FORMATS)
def test_a_closed_stream_frees_its_connection(llm_server: LoopbackServer, wire_format: str) -> None:
    """Stopping early (the user pressed stop) closes the stream without an error."""

    async def first_text() -> str:
        stream = _provider(llm_server, wire_format, "ok").stream("plain-model", [UserMessage("Hi")])
        async for event in stream:
            if isinstance(event, TextDelta):
                await stream.aclose()  # type: ignore[attr-defined]
                return event.text
        raise AssertionError("no text")

    assert asyncio.run(first_text()) == loopback.REPLY_PIECES[0]


def test_a_local_failure_before_the_request_goes_out_is_not_blamed_on_the_server(
    llm_server: LoopbackServer,
) -> None:
    # NaN cannot be written as JSON: the SDK refuses it while building the request. That is
    # the caller's mistake, not "a reply that is not a readable event stream".
    provider = _provider(llm_server, "openai", "ok")

    async def read() -> None:
        await runtime.collect(
            provider.stream("plain-model", [UserMessage("Hi")], temperature=float("nan"))
        )

    with pytest.raises(ValueError) as caught:
        asyncio.run(read())
    assert not isinstance(caught.value, ProviderError)
    assert llm_server.requests == []


def test_an_anthropic_reply_ends_at_message_stop_even_if_the_connection_stays_open(
    llm_server: LoopbackServer,
) -> None:
    provider = runtime.create_provider(
        make_descriptor("anthropic"),
        api_key=TEST_KEY,
        base_url=llm_server.base_url("done-then-stall", "anthropic"),
        timeout=3,  # shorter than the stall: waiting for the end of the body would time out
    )
    result = asyncio.run(runtime.collect(provider.stream("plain-model", [UserMessage("Hi")])))
    assert (result.text, result.finish_reason) == (loopback.REPLY, "stop")


@pytest.mark.parametrize("scenario", ["huge-line", "huge-event"])
@pytest.mark.parametrize("wire_format", FORMATS)
def test_an_event_that_never_ends_is_cut_off_at_the_cap(
    llm_server: LoopbackServer, wire_format: str, scenario: str
) -> None:
    error = _failure(llm_server, wire_format, scenario)
    assert isinstance(error, ProviderUnavailableError)
    assert "8 MiB" in str(error)


# Below the reply's total time in the slow-events scenario, above its longest gap.
IDLE_TIMEOUT = 0.5
HANG_GUARD = 30.0


def _stream_with_timeout(
    server: LoopbackServer, wire_format: str, scenario: str
) -> tuple[list[StreamEvent], ProviderError | None]:
    provider = runtime.create_provider(
        make_descriptor(wire_format),
        api_key=TEST_KEY,
        base_url=server.base_url(scenario, wire_format),  # type: ignore[arg-type]
        timeout=IDLE_TIMEOUT,
    )
    received: list[StreamEvent] = []

    async def read() -> None:
        async for event in provider.stream("plain-model", [UserMessage("Hi")]):
            received.append(event)

    try:
        asyncio.run(asyncio.wait_for(read(), HANG_GUARD))
    except ProviderError as error:
        return received, error
    return received, None


@pytest.mark.parametrize("wire_format", FORMATS)
def test_keep_alive_pings_alone_do_not_hold_a_stream_past_its_timeout(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    # The server pings every 50 ms for 10 s: each read gets bytes well within the timeout, so
    # only a deadline on the reply's events (which pings do not reset) can end it sooner.
    received, error = _stream_with_timeout(llm_server, wire_format, "pings")
    assert isinstance(error, ProviderUnavailableError), error
    assert "timed out" in str(error) and "0.5" in str(error)
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    texts = [event.text for event in received if isinstance(event, TextDelta)]
    assert texts == list(loopback.REPLY_PIECES[:2])


@pytest.mark.parametrize("wire_format", FORMATS)
def test_a_slow_reply_that_keeps_sending_events_is_not_cut(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    # Five gaps of 150 ms, pings in each: longer in all than the timeout, never idle that long.
    assert 5 * loopback.SLOW_EVENT_GAP > IDLE_TIMEOUT > 3 * loopback.SLOW_EVENT_GAP
    received, error = _stream_with_timeout(llm_server, wire_format, "slow-events")
    assert error is None
    assert "".join(e.text for e in received if isinstance(e, TextDelta)) == loopback.REPLY
    assert isinstance(received[-1], Finish) and received[-1].reason == "stop"


# The two ways streams are read: the SDK's, and httpx-sse's (shared by the native formats).
@pytest.mark.parametrize("wire_format", ["openai", "gemini"])
def test_time_the_caller_takes_between_events_is_not_held_against_the_server(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    provider = _provider(llm_server, wire_format, "ok")
    provider.timeout = IDLE_TIMEOUT

    async def read() -> list[StreamEvent]:
        received: list[StreamEvent] = []
        async for event in provider.stream("plain-model", [UserMessage("Hi")]):
            received.append(event)
            if len(received) == 1:
                await asyncio.sleep(IDLE_TIMEOUT + 0.2)  # a slow caller, not a slow server
        return received

    received = asyncio.run(asyncio.wait_for(read(), HANG_GUARD))
    assert "".join(e.text for e in received if isinstance(e, TextDelta)) == loopback.REPLY


# The two ways streams are read: the SDK's, and httpx-sse's (shared by the native formats).
@pytest.mark.parametrize("wire_format", ["openai", "gemini"])
def test_cancelling_a_stream_that_waits_among_pings_is_a_plain_cancellation(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    provider = _provider(llm_server, wire_format, "pings")  # a timeout of 10 s

    async def main() -> None:
        first_text = asyncio.Event()

        async def read() -> None:
            async for event in provider.stream("plain-model", [UserMessage("Hi")]):
                if isinstance(event, TextDelta):
                    first_text.set()

        task = asyncio.create_task(read())
        await asyncio.wait_for(first_text.wait(), HANG_GUARD)
        await asyncio.sleep(0.2)  # now waiting among the pings
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())


RECORDED = sorted(path.name for path in loopback.RECORDED_STREAMS.glob("*.sse"))
_RECORDED_FORMATS: dict[str, loopback.Format] = {
    "openai": "openai",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "responses": "responses",
}


@pytest.mark.parametrize("name", RECORDED)
def test_a_recorded_stream_reads_through_the_provider_as_through_its_translator(
    llm_server: LoopbackServer, name: str
) -> None:
    """The whole path (socket, SSE decoding, the loop) adds nothing to and loses nothing of
    what the translator makes of the recording (tests/runtime/test_translators.py)."""
    from tests.runtime import test_translators as recorded

    wire_format = _RECORDED_FORMATS[name.split("_", 1)[0]]
    provider = runtime.create_provider(
        make_descriptor(wire_format),
        api_key=TEST_KEY,
        base_url=llm_server.base_url(loopback.REPLAY_PREFIX + name, wire_format),
        timeout=10,
    )
    try:
        expected = recorded.translate_recording(name)
    except ServerReportedError:
        # Both recorded error events say the model is overloaded.
        with pytest.raises(ProviderUnavailableError, match=r"(?i)overloaded"):
            _events(provider)
        return
    assert _events(provider) == expected
