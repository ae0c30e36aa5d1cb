"""Runtime figure: load the runtime and look a provider up in a fresh interpreter, beside a bare
interpreter, `import openai` and (where installed) `import litellm`."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

from bench._measure import (
    PEAK_SNIPPET,
    BenchError,
    ChildRun,
    Row,
    Section,
    interleaved,
    median,
    mib,
    ratio,
    run_child,
    runs_note,
    secs,
)

BARE_GOAL = 3.0
LITELLM_GOAL = 1 / 30

RUNTIME_CODE = (
    "from llm_registry import runtime\n"
    "runtime.get_provider('openai')\n"
    "assert runtime.detect_context_limit_error("
    "\"This model's maximum context length is 128000 tokens.\", 'openai::gpt-4o')\n"
)

CASES = {
    "bare interpreter (`python -c pass`)": "pass",
    "runtime: import + get_provider + detect_context_limit_error": RUNTIME_CODE,
    "`import openai`": "import openai",
    # The registry alone, which the runtime loads on the first lookup: the share of the
    # runtime's figure that belongs to the generated code.
    "`import llm_registry.curated` (the registry alone)": "import llm_registry.curated",
    "`import litellm`": "import litellm",
    # What typed frozen dataclasses cost before any of our code runs: the floor under the
    # generated descriptor types, measured so that a missed goal shows its cause.
    "`import dataclasses, typing` (what the descriptor types need)": "import dataclasses, typing",
}


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def runtime_section() -> Section:
    section = Section("Runtime load and lookup (fresh interpreter, wall time and peak memory)")
    names = list(CASES)
    bare, ours, openai, registry, litellm, stdlib_floor = names
    time_goal = f"≤ {BARE_GOAL:g}× bare"
    litellm_goal = "≤ 1/30 of import litellm"
    if not _installed("llm_registry.runtime"):
        section.rows.append(Row.not_measured(ours, time_goal, "the runtime package is missing"))
        return section
    present = {
        name: code for name, code in CASES.items() if name != litellm or _installed("litellm")
    }
    if openai in present and not _installed("openai"):
        del present[openai]

    def case(code: str) -> Callable[[], ChildRun]:
        return lambda: run_child(["-c", code + PEAK_SNIPPET])

    try:
        runs = interleaved(
            {name: case(code) for name, code in present.items()}, runs=11, budget=40.0
        )
    except BenchError as error:
        section.rows.append(Row.not_measured(ours, time_goal, str(error)))
        return section
    wall = {name: median([r.wall for r in results]) for name, results in runs.items()}
    rss = {name: median([r.peak_kb for r in results]) for name, results in runs.items()}
    n = runs_note(len(runs[bare]))

    for name in (bare, openai, registry, stdlib_floor):
        if name in wall:
            section.rows.append(Row.info(name, f"{secs(wall[name])}, {mib(rss[name])} ({n})"))
    section.rows.append(
        Row.check(
            "runtime load+lookup: time / bare",
            time_goal,
            f"{secs(wall[ours])} / {secs(wall[bare])} = {ratio(wall[ours] / wall[bare])} ({n})",
            wall[ours] <= BARE_GOAL * wall[bare],
        )
    )
    if wall[ours] > BARE_GOAL * wall[bare] and stdlib_floor in wall:
        section.rows.append(
            Row.info(
                "why missed (profile: `python -m bench.profile runtime`)",
                f"`import dataclasses, typing` alone is {ratio(wall[stdlib_floor] / wall[bare])} bare: "
                "the generated descriptor types are frozen dataclasses, and on this Python dataclasses "
                "imports inspect, ast, dis, enum and re",
            )
        )
    section.rows.append(
        Row.check(
            "runtime load+lookup: peak memory / bare",
            f"≤ {BARE_GOAL:g}× bare",
            f"{mib(rss[ours])} / {mib(rss[bare])} = {ratio(rss[ours] / rss[bare])}",
            rss[ours] <= BARE_GOAL * rss[bare],
        )
    )
    if openai in wall:
        section.rows.append(
            Row.info(
                "runtime load+lookup / import openai",
                f"time {ratio(wall[ours] / wall[openai])}, memory {ratio(rss[ours] / rss[openai])}",
            )
        )
    if litellm in wall:
        section.rows.append(
            Row.check(
                "runtime load+lookup / import litellm",
                litellm_goal,
                f"time {ratio(wall[ours] / wall[litellm])} (litellm {secs(wall[litellm])}), "
                f"memory {ratio(rss[ours] / rss[litellm])}",
                wall[ours] <= LITELLM_GOAL * wall[litellm],
            )
        )
    else:
        section.rows.append(
            Row.check(
                "runtime load+lookup / import litellm", litellm_goal, "litellm: not installed", None
            )
        )
    return section


if __name__ == "__main__":
    from bench._measure import format_table

    print(format_table([runtime_section()]))
