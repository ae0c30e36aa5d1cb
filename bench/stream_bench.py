"""Streaming figures: time per chunk of a 5,000-chunk reply read through the runtime's provider
class for each wire format, against the official SDK reading the same bytes from the same
loopback server (in another process, so that serving costs neither client anything):
`BaseOpenAICompatibleProvider` against the raw openai SDK, `AnthropicProvider` against the
`anthropic` SDK, `GeminiProvider` against `google-genai` (both SDKs are benchmark-only
dependencies: the `bench` extra)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench._measure import BenchError, Row, Section, interleaved, median, ratio, runs_note, secs
from tests.loopback import own_process

CHUNKS = 5000
SCENARIO = f"long-{CHUNKS}"
KEY = "sk-bench-stream-0000"
PROMPT = "Count to five thousand."
TIMEOUT = 60.0  # per stream; only there so that a broken run fails instead of hanging

# A reader streams one reply from a base URL and says how many text pieces it read and whether
# the reply finished.
Reader = Callable[[str], Awaitable[tuple[int, bool]]]


@dataclass(frozen=True)
class Comparison:
    """One row: the runtime's provider class against an SDK, on one wire format."""

    figure: str
    wire_format: str  # as tests.loopback names it
    goal: float
    text_chunks: int  # text pieces in the reply (the rest is framing, finish, usage)
    sdk_module: str  # imported to tell whether the SDK is installed
    provider: Reader
    sdk: Reader
    provider_path: str  # what the provider's base URL adds to the server's origin
    sdk_path: str  # the same for the SDK's base URL


# The runtime's providers.


def _provider_reader(class_name: str, provider_id: str, model: str) -> Reader:
    async def read(base_url: str) -> tuple[int, bool]:
        from llm_registry import runtime

        provider_class = getattr(runtime, class_name)
        provider = provider_class(runtime.get_provider(provider_id), api_key=KEY, base_url=base_url)
        texts = 0
        finished = False
        async for event in provider.stream(model, [runtime.UserMessage(PROMPT)]):
            if isinstance(event, runtime.TextDelta):
                texts += 1
            elif isinstance(event, runtime.Finish):
                finished = True
        return texts, finished

    return read


# The official SDKs.


async def _openai_sdk(base_url: str) -> tuple[int, bool]:
    from openai import AsyncOpenAI

    texts = 0
    finished = False
    client = AsyncOpenAI(base_url=base_url, api_key=KEY, max_retries=0)
    try:
        stream: Any = await client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": PROMPT}], stream=True
        )
        async for chunk in stream:
            for choice in chunk.choices:
                if choice.delta is not None and choice.delta.content:
                    texts += 1
                if choice.finish_reason:
                    finished = True
    finally:
        await client.close()
    return texts, finished


async def _anthropic_sdk(base_url: str) -> tuple[int, bool]:
    from anthropic import AsyncAnthropic

    texts = 0
    finished = False
    client = AsyncAnthropic(base_url=base_url, api_key=KEY, max_retries=0)
    try:
        stream: Any = await client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=4096,
            messages=[{"role": "user", "content": PROMPT}],
            stream=True,
        )
        async for event in stream:
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                texts += 1
            elif event.type == "message_stop":
                finished = True
    finally:
        await client.close()
    return texts, finished


async def _gemini_sdk(base_url: str) -> tuple[int, bool]:
    from google import genai
    from google.genai import types

    texts = 0
    finished = False
    client = genai.Client(
        api_key=KEY, http_options=types.HttpOptions(base_url=base_url, api_version="v1beta")
    )
    try:
        stream = await client.aio.models.generate_content_stream(
            model="gemini-2.5-flash", contents=PROMPT
        )
        async for response in stream:
            for candidate in response.candidates or []:
                parts = candidate.content.parts if candidate.content is not None else None
                texts += sum(1 for part in parts or [] if part.text)
                if candidate.finish_reason is not None:
                    finished = True
    finally:
        await client.aio.aclose()
    return texts, finished


COMPARISONS = (
    Comparison(
        figure="BaseOpenAICompatibleProvider / raw AsyncOpenAI, per chunk",
        wire_format="openai",
        goal=1.05,
        text_chunks=CHUNKS - 3,  # a role chunk, the text, a finish chunk and usage
        sdk_module="openai",
        provider=_provider_reader("BaseOpenAICompatibleProvider", "openai", "gpt-4o"),
        sdk=_openai_sdk,
        provider_path="/v1",
        sdk_path="/v1",
    ),
    Comparison(
        figure="AnthropicProvider / anthropic SDK, per chunk",
        wire_format="anthropic",
        goal=1.0,
        text_chunks=CHUNKS - 5,  # message_start, block start/stop, message_delta, message_stop
        sdk_module="anthropic",
        provider=_provider_reader("AnthropicProvider", "anthropic", "claude-sonnet-4-5"),
        sdk=_anthropic_sdk,
        provider_path="/v1",
        sdk_path="",  # the SDK adds /v1 itself
    ),
    Comparison(
        figure="GeminiProvider / google-genai, per chunk",
        wire_format="gemini",
        goal=1.0,
        text_chunks=CHUNKS,  # every event carries text; the last also the finish
        sdk_module="google.genai",
        provider=_provider_reader("GeminiProvider", "google", "gemini-2.5-flash"),
        sdk=_gemini_sdk,
        provider_path="/v1beta",
        sdk_path="",  # the SDK adds its api_version
    ),
)


async def through_provider(base_url: str) -> float:
    """Seconds for BaseOpenAICompatibleProvider to read the OpenAI stream (bench.profile's
    streaming target)."""
    comparison = COMPARISONS[0]
    started = time.perf_counter()
    texts, finished = await comparison.provider(base_url)
    if texts != comparison.text_chunks or not finished:
        raise BenchError(f"provider read {texts} text chunks (finished: {finished})")
    return time.perf_counter() - started


def _timed(reader: Reader, base_url: str, who: str, expected: int) -> float:
    async def run() -> float:
        started = time.perf_counter()
        texts, finished = await asyncio.wait_for(reader(base_url), TIMEOUT)
        elapsed = time.perf_counter() - started
        if texts != expected or not finished:
            raise BenchError(
                f"{who} read {texts} text chunks (finished: {finished}), expected {expected}"
            )
        return elapsed

    return asyncio.run(run())


def compare(comparison: Comparison) -> Row:
    goal = f"≤ {comparison.goal:g}× the SDK"
    try:
        __import__(comparison.sdk_module)
    except ImportError as error:
        return Row.not_measured(comparison.figure, goal, f"SDK not installed ({error})")
    with own_process() as server:
        # The scenario long-<CHUNKS> (tests.loopback.chat) is the same reply in every format.
        root = f"{server.origin}/{SCENARIO}"
        ours_url = root + comparison.provider_path
        sdk_url = root + comparison.sdk_path
        expected = comparison.text_chunks
        try:
            runs = interleaved(
                {
                    "provider": lambda: _timed(comparison.provider, ours_url, "provider", expected),
                    "sdk": lambda: _timed(comparison.sdk, sdk_url, "SDK", expected),
                },
                runs=7,
                budget=40.0,
            )
        except BenchError as error:
            return Row.not_measured(comparison.figure, goal, str(error))
    sdk = median(runs["sdk"]) / CHUNKS
    ours = median(runs["provider"]) / CHUNKS
    return Row.check(
        comparison.figure,
        goal,
        f"{secs(ours)} / {secs(sdk)} = {ratio(ours / sdk)} ({runs_note(len(runs['sdk']))})",
        ours <= comparison.goal * sdk,
    )


def stream_section() -> Section:
    section = Section(f"Streaming a {CHUNKS:,}-chunk reply from a loopback server")
    for comparison in COMPARISONS:
        section.rows.append(compare(comparison))
    return section


if __name__ == "__main__":
    from bench._measure import format_table

    print(format_table([stream_section()]))
