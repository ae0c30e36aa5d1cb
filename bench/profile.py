"""Where a figure's time goes: cProfile (or -X importtime) over the code a benchmark measures.

    python -m bench.profile noop         # a no-op compile of registry/ (generate over an up-to-date tree)
    python -m bench.profile catalogue    # compile_registry + write_tree of the imported catalogue
    python -m bench.profile runtime      # -X importtime of the runtime load-and-lookup, slowest first
    python -m bench.profile discovery    # one concurrent refresh_all over the 20 loopback providers
    python -m bench.profile streaming    # one 5,000-chunk stream through the provider

Prints the functions with the most time of their own and the most cumulative time.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench._measure import PROJECT_ROOT, PYTHON

TOP = 20


def _report(work: Callable[[], object]) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    work()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(TOP)
    stats.sort_stats("cumulative").print_stats(TOP)


def noop() -> None:
    from llm_registry.codegen.pipeline import compile_registry
    from llm_registry.codegen.writer import write_tree

    registry = PROJECT_ROOT / "registry"
    with tempfile.TemporaryDirectory() as temp:
        out = Path(temp) / "generated"
        write_tree(out, compile_registry(registry))
        _report(lambda: write_tree(out, compile_registry(registry)))


def catalogue() -> None:
    from bench.compile_bench import CATALOGUE
    from llm_registry.codegen.importer import import_models_dev
    from llm_registry.codegen.pipeline import compile_registry
    from llm_registry.codegen.writer import write_tree

    with tempfile.TemporaryDirectory() as temp:
        import_models_dev(CATALOGUE, Path(temp) / "registry")
        _report(lambda: write_tree(Path(temp) / "out", compile_registry(Path(temp) / "registry")))


def runtime() -> None:
    from bench.runtime_bench import RUNTIME_CODE

    result = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", RUNTIME_CODE],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = []
    for line in result.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[0].split(":")[1]), int(parts[1]), parts[2].rstrip()))
    print("self µs  cumulative µs  module (slowest 25 by own time)")
    for own, cumulative, name in sorted(rows, reverse=True)[:25]:
        print(f"{own:7d}  {cumulative:13d}  {name}")
    print(f"total: {sum(own for own, _, _ in rows)} µs in {len(rows)} modules")


def discovery() -> None:
    import llm_registry.runtime as rt
    from bench.discovery_bench import DELAY, MODELS_PER_LISTING, _descriptors
    from tests.loopback import own_process

    with (
        tempfile.TemporaryDirectory() as temp,
        own_process(listing_models=MODELS_PER_LISTING, listing_delay=DELAY) as server,
    ):
        descriptors = _descriptors(server.origin)
        keys = {d.id: "sk-bench-discovery-0000" for d in descriptors}
        store = rt.ModelStore(Path(temp) / "models.db")
        store.summary()

        def refresh() -> object:
            return asyncio.run(rt.refresh_all(providers=descriptors, api_keys=keys, store=store))

        refresh()  # warm: imports
        _report(refresh)


def streaming() -> None:
    from bench.stream_bench import SCENARIO, through_provider
    from tests.loopback import own_process

    with own_process() as server:
        base_url = server.base_url(SCENARIO, "openai")
        asyncio.run(through_provider(base_url))  # warm: imports
        _report(lambda: asyncio.run(through_provider(base_url)))


TARGETS: dict[str, Callable[[], None]] = {
    "noop": noop,
    "catalogue": catalogue,
    "runtime": runtime,
    "discovery": discovery,
    "streaming": streaming,
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in TARGETS:
        print(f"usage: python -m bench.profile {{{','.join(TARGETS)}}}", file=sys.stderr)
        sys.exit(2)
    TARGETS[sys.argv[1]]()
