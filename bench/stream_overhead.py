"""The runtime's own work per chunk of an OpenAI-compatible stream, apart from the SDK's.

The streaming rows compare whole clients, and the SDK's share of a chunk (building its chunk
model, ~260 µs here) is so much larger than the runtime's that the runtime's part is lost in
the noise of a shared machine. This figure isolates it: the chunk objects of the long reply are
built once (as the SDK builds them), then read by ``BaseOpenAICompatibleProvider.stream`` from
an in-memory transport (the streaming loop, the idle deadline, the translator, the events), and
by a bare ``async for`` over the same objects that looks at each as the SDK row's reader does.
The difference is what the runtime adds per chunk. The caps on an event's bytes work on the
network's bytes, so they are not in it (a fraction of a microsecond per event, see
docs/performance.md).
"""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any

from bench._measure import Row, interleaved, median, runs_note, secs

KEY = "sk-bench-overhead-0000"

# Reads the payloads given; returns the CPU seconds it took.
Read = Callable[[Sequence[Any]], Coroutine[Any, Any, float]]


def _chunks(chunks: int) -> list[Any]:
    """The long reply's chunks as the SDK's model objects."""
    from openai.types.chat import ChatCompletionChunk

    from tests.loopback.long_streams import openai_stream_body

    events = openai_stream_body(chunks).split(b"\n\n")
    datas = [event.removeprefix(b"data: ") for event in events if event.startswith(b"data: {")]
    return [ChatCompletionChunk.model_validate(json.loads(data)) for data in datas]


class _InMemory:
    """A transport whose reply is the given payloads, already decoded."""

    def __init__(self, payloads: Sequence[Any]) -> None:
        self._payloads = payloads

    async def start(self) -> AsyncIterator[Any]:
        return _iterate(self._payloads)

    async def aclose(self) -> None:
        pass


async def _iterate(payloads: Sequence[Any]) -> AsyncIterator[Any]:
    for payload in payloads:
        yield payload


async def _through_provider(payloads: Sequence[Any]) -> float:
    from llm_registry import runtime

    class InMemoryProvider(runtime.BaseOpenAICompatibleProvider):
        def open_stream(self, model: str, request: dict[str, Any]) -> Any:
            return _InMemory(payloads)

    provider = InMemoryProvider(runtime.get_provider("openai"), api_key=KEY)
    text_delta = runtime.TextDelta
    texts = 0
    started = time.process_time()
    async for event in provider.stream("gpt-4o", [runtime.UserMessage("Count.")]):
        if isinstance(event, text_delta):
            texts += 1
    return time.process_time() - started


async def _bare(payloads: Sequence[Any]) -> float:
    texts = 0
    started = time.process_time()
    async for chunk in _iterate(payloads):
        for choice in chunk.choices:
            if choice.delta is not None and choice.delta.content:
                texts += 1
    return time.process_time() - started


def _timed(read: Read, payloads: Sequence[Any]) -> float:
    gc.collect()
    return asyncio.run(read(payloads))


def overhead_row(chunks: int) -> Row:
    """The info row: the provider's CPU time per chunk less a bare loop's, over ``chunks``."""
    figure = "the same: the runtime's own work per chunk (in process, chunks prebuilt)"
    try:
        payloads = _chunks(chunks)
    except ImportError as error:
        return Row.not_measured(figure, "—", f"SDK not installed ({error})")
    runs = interleaved(
        {
            "provider": lambda: _timed(_through_provider, payloads),
            "bare": lambda: _timed(_bare, payloads),
        },
        runs=21,
        budget=20.0,
    )
    count = len(payloads)
    ours = median(runs["provider"]) / count
    bare = median(runs["bare"]) / count
    return Row.info(
        figure,
        f"CPU {secs(ours - bare)} (the provider's loop {secs(ours)}, a bare async for"
        f" {secs(bare)}; {runs_note(len(runs['bare']))})",
    )
