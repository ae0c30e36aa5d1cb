"""Streaming figure: time per chunk of a 5,000-chunk chat-completions reply read through
`runtime.BaseOpenAICompatibleProvider`, against the raw openai SDK reading the same bytes from the
same loopback server (in another process, so that serving costs neither client anything)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench._measure import BenchError, Row, Section, interleaved, median, ratio, runs_note, secs
from bench._servers import server_process

CHUNKS = 5000
GOAL = 1.05
KEY = "sk-bench-stream-0000"
MODEL = "gpt-4o"
PROMPT = "Count to five thousand."
TIMEOUT = 60.0  # per stream; only there so that a broken run fails instead of hanging
TEXT_CHUNKS = CHUNKS - 3  # the server sends a role chunk, the text, a finish chunk and usage


async def through_provider(base_url: str) -> float:
    from llm_registry import runtime

    provider = runtime.BaseOpenAICompatibleProvider(
        runtime.get_provider("openai"), api_key=KEY, base_url=base_url
    )
    texts = 0
    finished = False
    started = time.perf_counter()
    async for event in provider.stream(MODEL, [runtime.UserMessage(PROMPT)]):
        if isinstance(event, runtime.TextDelta):
            texts += 1
        elif isinstance(event, runtime.Finish):
            finished = True
    elapsed = time.perf_counter() - started
    if texts != TEXT_CHUNKS or not finished:
        raise BenchError(
            f"provider read {texts} text chunks (finished: {finished}), expected {TEXT_CHUNKS}"
        )
    return elapsed


async def through_sdk(base_url: str) -> float:
    from openai import AsyncOpenAI

    texts = 0
    finished = False
    started = time.perf_counter()
    client = AsyncOpenAI(base_url=base_url, api_key=KEY, max_retries=0)
    try:
        stream: Any = await client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": PROMPT}], stream=True
        )
        async for chunk in stream:
            for choice in chunk.choices:
                if choice.delta is not None and choice.delta.content:
                    texts += 1
                if choice.finish_reason:
                    finished = True
    finally:
        await client.close()
    elapsed = time.perf_counter() - started
    if texts != TEXT_CHUNKS or not finished:
        raise BenchError(
            f"SDK read {texts} text chunks (finished: {finished}), expected {TEXT_CHUNKS}"
        )
    return elapsed


def stream_section() -> Section:
    section = Section(f"Streaming a {CHUNKS:,}-chunk reply from a loopback server")
    goal = f"≤ {GOAL:g}× raw SDK"
    figure = "BaseOpenAICompatibleProvider / raw AsyncOpenAI, per chunk"
    try:
        import openai  # noqa: F401

        from llm_registry import runtime

        runtime.BaseOpenAICompatibleProvider  # noqa: B018 - present?
    except (ImportError, AttributeError) as error:
        section.rows.append(Row.not_measured(figure, goal, f"not importable ({error})"))
        return section

    with server_process("stream", "--chunks", str(CHUNKS)) as base:
        url = f"{base}/v1"

        def provider_run() -> float:
            return asyncio.run(asyncio.wait_for(through_provider(url), TIMEOUT))

        def sdk_run() -> float:
            return asyncio.run(asyncio.wait_for(through_sdk(url), TIMEOUT))

        try:
            runs = interleaved({"provider": provider_run, "sdk": sdk_run}, runs=7, budget=40.0)
        except BenchError as error:
            section.rows.append(Row.not_measured(figure, goal, str(error)))
            return section
    sdk = median(runs["sdk"]) / CHUNKS
    ours = median(runs["provider"]) / CHUNKS
    section.rows.append(
        Row.check(
            figure,
            goal,
            f"{secs(ours)} / {secs(sdk)} = {ratio(ours / sdk)} ({runs_note(len(runs['sdk']))})",
            ours <= GOAL * sdk,
        )
    )
    return section


if __name__ == "__main__":
    from bench._measure import format_table

    print(format_table([stream_section()]))
