"""Streaming figures: cost per chunk of a 5,000-chunk reply read through the runtime's provider
class for each wire format, against the official SDK reading the same bytes from the same
loopback server: `BaseOpenAICompatibleProvider` against the raw openai SDK, `AnthropicProvider`
against the `anthropic` SDK, `GeminiProvider` against `google-genai` (both SDKs are
benchmark-only dependencies: the `bench` extra).

What is judged is the client process's CPU time per chunk (`time.process_time`), wall time is
shown beside it. The server runs in another process, so serving costs neither client anything
and CPU time of the client is exactly what each client spends on a chunk; wall time also holds
whatever else the two shared cores ran meanwhile (other processes, the server), which on a busy
machine moves the ratio by ±10% from run to run. Both are taken over the same span: from the
first piece of text to the end of the stream with the client closed, so that per-stream set-up
(building a client, loading the CA bundle, connecting) is counted on neither side and the
figure is the steady per-chunk cost its name says. Each round reads the reply once each way,
side by side, and the ratio judged is the median of the rounds' ratios. A collection of the
previous read's garbage is run before each read, outside the span."""

from __future__ import annotations

import asyncio
import gc
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bench._measure import BenchError, Row, Section, interleaved, median, ratio, runs_note, secs
from bench.stream_overhead import overhead_row
from tests.loopback import own_process

CHUNKS = 5000
SCENARIO = f"long-{CHUNKS}"
KEY = "sk-bench-stream-0000"
PROMPT = "Count to five thousand."
TIMEOUT = 60.0  # per stream; only there so that a broken run fails instead of hanging


@dataclass(frozen=True)
class Reading:
    """One reply read: what was read, and what reading it cost from the first piece of text to
    the end of the stream (the client closed)."""

    texts: int  # text pieces read
    finished: bool  # whether the reply said it finished
    cpu: float  # seconds of this process's CPU time
    wall: float  # seconds of wall time


class _Span:
    """The costs from :meth:`begin` (at the first piece of text) to :meth:`reading`."""

    __slots__ = ("_cpu", "_wall")

    def __init__(self) -> None:
        self._cpu = 0.0
        self._wall = 0.0

    def begin(self) -> None:
        self._cpu = time.process_time()
        self._wall = time.perf_counter()

    def reading(self, texts: int, finished: bool) -> Reading:
        cpu = time.process_time() - self._cpu
        wall = time.perf_counter() - self._wall
        return Reading(texts, finished, cpu, wall)


# A reader streams one reply from a base URL.
Reader = Callable[[str], Awaitable[Reading]]


@dataclass(frozen=True)
class Comparison:
    """One row: the runtime's provider class against an SDK, on one wire format."""

    figure: str
    wire_format: str  # as tests.loopback names it
    goal: float
    text_chunks: int  # text pieces in the reply (the rest is framing, finish, usage)
    measured_chunks: int  # chunks that follow the first piece of text: what a span covers
    sdk_module: str  # imported to tell whether the SDK is installed
    provider: Reader
    sdk: Reader
    provider_path: str  # what the provider's base URL adds to the server's origin
    sdk_path: str  # the same for the SDK's base URL
    rounds: int  # interleaved rounds at most (fewer if the budget runs out)
    budget: float  # seconds


# The runtime's providers.


def _provider_reader(class_name: str, provider_id: str, model: str) -> Reader:
    async def read(base_url: str) -> Reading:
        from llm_registry import runtime

        provider_class = getattr(runtime, class_name)
        text_delta, finish = runtime.TextDelta, runtime.Finish
        provider = provider_class(runtime.get_provider(provider_id), api_key=KEY, base_url=base_url)
        span = _Span()
        texts = 0
        finished = False
        async for event in provider.stream(model, [runtime.UserMessage(PROMPT)]):
            if isinstance(event, text_delta):
                texts += 1
                if texts == 1:
                    span.begin()
            elif isinstance(event, finish):
                finished = True
        return span.reading(texts, finished)

    return read


# The official SDKs.


async def _openai_sdk(base_url: str) -> Reading:
    from openai import AsyncOpenAI

    span = _Span()
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
                    if texts == 1:
                        span.begin()
                if choice.finish_reason:
                    finished = True
    finally:
        await client.close()
    return span.reading(texts, finished)


async def _anthropic_sdk(base_url: str) -> Reading:
    from anthropic import AsyncAnthropic

    span = _Span()
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
                if texts == 1:
                    span.begin()
            elif event.type == "message_stop":
                finished = True
    finally:
        await client.close()
    return span.reading(texts, finished)


async def _gemini_sdk(base_url: str) -> Reading:
    from google import genai
    from google.genai import types

    span = _Span()
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
                if texts == 0 and any(part.text for part in parts or []):
                    span.begin()
                texts += sum(1 for part in parts or [] if part.text)
                if candidate.finish_reason is not None:
                    finished = True
    finally:
        await client.aio.aclose()
    return span.reading(texts, finished)


COMPARISONS = (
    Comparison(
        figure="BaseOpenAICompatibleProvider / raw AsyncOpenAI, per chunk",
        wire_format="openai",
        goal=1.05,
        text_chunks=CHUNKS - 3,  # a role chunk, the text, a finish chunk and usage
        measured_chunks=CHUNKS - 2,
        sdk_module="openai",
        provider=_provider_reader("BaseOpenAICompatibleProvider", "openai", "gpt-4o"),
        sdk=_openai_sdk,
        provider_path="/v1",
        sdk_path="/v1",
        # The row whose goal is tight: enough rounds for its median to settle (about 100 s on
        # an idle machine; a loaded one gets fewer within the budget).
        rounds=31,
        budget=180.0,
    ),
    Comparison(
        figure="AnthropicProvider / anthropic SDK, per chunk",
        wire_format="anthropic",
        goal=1.0,
        text_chunks=CHUNKS - 5,  # message_start, block start/stop, message_delta, message_stop
        measured_chunks=CHUNKS - 3,
        sdk_module="anthropic",
        provider=_provider_reader("AnthropicProvider", "anthropic", "claude-sonnet-4-5"),
        sdk=_anthropic_sdk,
        provider_path="/v1",
        sdk_path="",  # the SDK adds /v1 itself
        rounds=7,
        budget=40.0,
    ),
    Comparison(
        figure="GeminiProvider / google-genai, per chunk",
        wire_format="gemini",
        goal=1.0,
        text_chunks=CHUNKS,  # every event carries text; the last also the finish
        measured_chunks=CHUNKS - 1,
        sdk_module="google.genai",
        provider=_provider_reader("GeminiProvider", "google", "gemini-2.5-flash"),
        sdk=_gemini_sdk,
        provider_path="/v1beta",
        sdk_path="",  # the SDK adds its api_version
        rounds=7,
        budget=40.0,
    ),
)


async def through_provider(base_url: str) -> float:
    """Seconds for BaseOpenAICompatibleProvider to read the OpenAI stream (bench.profile's
    streaming target)."""
    comparison = COMPARISONS[0]
    started = time.perf_counter()
    reading = await comparison.provider(base_url)
    if reading.texts != comparison.text_chunks or not reading.finished:
        raise BenchError(f"provider read {reading.texts} text chunks (done: {reading.finished})")
    return time.perf_counter() - started


def _read(reader: Reader, base_url: str, who: str, expected: int) -> Reading:
    # The previous round's garbage is collected now rather than inside the next span.
    gc.collect()
    reading = asyncio.run(asyncio.wait_for(reader(base_url), TIMEOUT))
    if reading.texts != expected or not reading.finished:
        raise BenchError(
            f"{who} read {reading.texts} text chunks (finished: {reading.finished}),"
            f" expected {expected}"
        )
    return reading


def _per_chunk(readings: list[Reading], chunks: int) -> tuple[float, float]:
    """Median CPU and wall seconds per chunk (shown; the ratio judged is that of rounds)."""
    return (
        median([reading.cpu for reading in readings]) / chunks,
        median([reading.wall for reading in readings]) / chunks,
    )


def compare(comparison: Comparison) -> Row:
    goal = f"≤ {comparison.goal:g}× the SDK (client CPU time)"
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
                    "provider": lambda: _read(comparison.provider, ours_url, "provider", expected),
                    "sdk": lambda: _read(comparison.sdk, sdk_url, "SDK", expected),
                },
                runs=comparison.rounds,
                budget=comparison.budget,
            )
        except BenchError as error:
            return Row.not_measured(comparison.figure, goal, str(error))
    ours, sdk = runs["provider"], runs["sdk"]
    ours_cpu, ours_wall = _per_chunk(ours, comparison.measured_chunks)
    sdk_cpu, sdk_wall = _per_chunk(sdk, comparison.measured_chunks)
    # Judged on each round's ratio (the two reads of a round ran side by side, under the same
    # load), the median of them: a burst of load elsewhere moves one round, not the figure.
    # Their quartiles are shown, so that a figure within the noise reads as such.
    cpu_ratios = [a.cpu / b.cpu for a, b in zip(ours, sdk, strict=True)]
    wall_ratio = median([a.wall / b.wall for a, b in zip(ours, sdk, strict=True)])
    cpu_ratio = median(cpu_ratios)
    return Row.check(
        comparison.figure,
        goal,
        f"CPU {secs(ours_cpu)} / {secs(sdk_cpu)}, per round {ratio(cpu_ratio)}"
        f"{_quartiles(cpu_ratios)}; wall {secs(ours_wall)} / {secs(sdk_wall)}, per round"
        f" {ratio(wall_ratio)} ({runs_note(len(sdk))} rounds)",
        cpu_ratio <= comparison.goal,
    )


def _quartiles(values: list[float]) -> str:
    if len(values) < 4:
        return ""
    low, _, high = statistics.quantiles(values, n=4)
    return f" (quartiles {low:.2f}–{high:.2f})"


def stream_section(wire_formats: Sequence[str] = ()) -> Section:
    """The rows of ``wire_formats`` (every row when none is named)."""
    section = Section(f"Streaming a {CHUNKS:,}-chunk reply from a loopback server")
    for comparison in COMPARISONS:
        if not wire_formats or comparison.wire_format in wire_formats:
            section.rows.append(compare(comparison))
            if comparison.wire_format == "openai":
                section.rows.append(overhead_row(CHUNKS))
    return section


if __name__ == "__main__":
    # python -m bench.stream_bench [openai] [anthropic] [gemini]
    import sys

    from bench._measure import format_table

    print(format_table([stream_section(sys.argv[1:])]))
