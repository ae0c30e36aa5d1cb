"""Discovery figure: `runtime.refresh_all()` over 20 providers whose listings each take 200 ms,
against the same 20 refreshed one after another.

The 20 providers are the registry's OpenAI descriptor under 20 ids, each pointed (through the
descriptor's own base_url, which is what `refresh_all(providers=…)` accepts) at its own path on
one loopback server in another process; the model store is a temporary SQLite file.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._measure import BenchError, Row, Section, interleaved, median, ratio, runs_note, secs
from tests.loopback import own_process

PROVIDERS = 20
DELAY = 0.2
MODELS_PER_LISTING = 50
GOAL = 1.3
# Far above the expected 0.2 s: only there so that a broken server fails the run instead of hanging.
TIMEOUT = 20.0


def _descriptors(base: str) -> list[Any]:
    from llm_registry import runtime

    # The curated descriptors are frozen dataclasses; the runtime types them structurally.
    template: Any = runtime.get_provider("openai")
    return [
        dataclasses.replace(template, id=f"bench-{i:02d}", base_url=f"{base}/p{i:02d}/v1")
        for i in range(PROVIDERS)
    ]


def discovery_section() -> Section:
    section = Section(
        f"Discovery: refresh_all() over {PROVIDERS} providers, each listing answered after {DELAY * 1000:.0f} ms"
    )
    goal = f"≤ {GOAL:g}× slowest single"
    figure = "concurrent refresh / slowest single provider"
    try:
        from llm_registry import runtime

        refresh_all = runtime.refresh_all
        model_store = runtime.ModelStore
    except (ImportError, AttributeError) as error:
        section.rows.append(
            Row.not_measured(figure, goal, f"discovery is not importable ({error})")
        )
        return section

    with (
        tempfile.TemporaryDirectory(prefix="bench-discovery-") as temp,
        own_process(listing_models=MODELS_PER_LISTING, listing_delay=DELAY) as server,
    ):
        descriptors = _descriptors(server.origin)
        keys = {d.id: "sk-bench-discovery-0000" for d in descriptors}
        store = model_store(Path(temp) / "models.db")
        store.summary()  # create and seed the database outside the timed runs

        async def refresh(providers: list[Any]) -> float:
            started = time.perf_counter()
            results = await asyncio.wait_for(
                refresh_all(providers=providers, api_keys=keys, store=store, timeout=TIMEOUT),
                TIMEOUT * 2,
            )
            elapsed = time.perf_counter() - started
            failed = [r for r in results if r.source != "api"]
            if failed:
                raise BenchError(f"{failed[0].provider_id}: {failed[0].source}: {failed[0].error}")
            return elapsed

        def concurrent() -> list[float]:
            return [asyncio.run(refresh(descriptors))]

        def one_after_another() -> list[float]:
            async def each() -> list[float]:
                return [await refresh([d]) for d in descriptors]

            return asyncio.run(each())

        try:
            runs = interleaved(
                {"concurrent": concurrent, "sequential": one_after_another}, runs=3, budget=40.0
            )
        except BenchError as error:
            section.rows.append(Row.not_measured(figure, goal, str(error)))
            return section

    together = median([times[0] for times in runs["concurrent"]])
    total = median([sum(times) for times in runs["sequential"]])
    slowest = median([max(times) for times in runs["sequential"]])
    n = runs_note(len(runs["concurrent"]))
    section.rows.append(
        Row.info(
            f"{PROVIDERS} one after another (sum) / slowest single",
            f"{secs(total)} / {secs(slowest)} ({n})",
        )
    )
    section.rows.append(
        Row.check(
            figure,
            goal,
            f"{secs(together)} / {secs(slowest)} = {ratio(together / slowest)}; "
            f"{ratio(total / together)} faster than one after another",
            together <= GOAL * slowest,
        )
    )
    return section


if __name__ == "__main__":
    from bench._measure import format_table

    print(format_table([discovery_section()]))
