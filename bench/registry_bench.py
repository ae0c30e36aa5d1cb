"""Registry figure: importing a generated package and looking one provider up, for the curated
registry and for a package compiled from the whole models.dev catalogue.

A generated package imports a provider's module on its first lookup only, so the size of the
registry should barely show: the goal is the catalogue's package within 1.2× of the curated one
in wall time and in peak memory.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench._measure import (
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
from bench.compile_bench import CATALOGUE

GOAL = 1.2
CATALOGUE_PACKAGE = "catalogue_registry"
# Looked up in both packages: a provider the curated registry and models.dev both have.
LOOKED_UP = "openai"


def _lookup_code(package: str, provider_id: str) -> str:
    return (
        f"import {package} as registry\n"
        f"assert registry.PROVIDERS[{provider_id!r}].id == {provider_id!r}\n"
    )


def _compile_catalogue(root: Path) -> tuple[str, int, int]:
    """Import models.dev into root/registry and compile it into root/CATALOGUE_PACKAGE; return
    the provider looked up and the counts of providers and models."""
    from llm_registry.codegen.importer import import_models_dev
    from llm_registry.codegen.pipeline import compile_registry
    from llm_registry.codegen.writer import write_tree

    report = import_models_dev(CATALOGUE, root / "registry")
    write_tree(root / CATALOGUE_PACKAGE, compile_registry(root / "registry"))
    ids = sorted(path.stem for path in (root / "registry" / "providers").glob("*.yaml"))
    if LOOKED_UP not in ids:
        raise BenchError(f"the catalogue has no {LOOKED_UP!r} provider to look up")
    return LOOKED_UP, len(report.providers), len(report.models)


def registry_section() -> Section:
    section = Section("Generated package: import + one lookup (fresh interpreter), lazy providers")
    figures = ("catalogue / curated: time", "catalogue / curated: peak memory")
    goal = f"≤ {GOAL:g}× curated"
    if not (CATALOGUE / "providers").is_dir():
        why = f"no models.dev checkout at {CATALOGUE} (set MODELS_DEV_CATALOGUE)"
        section.rows.extend(Row.not_measured(figure, goal, why) for figure in figures)
        return section
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as temp:
        root = Path(temp)
        try:
            provider_id, providers, models = _compile_catalogue(root)
        except Exception as error:
            why = f"the catalogue did not compile ({type(error).__name__}: {error})"
            section.rows.extend(Row.not_measured(figure, goal, why) for figure in figures)
            return section
        section.rows.append(
            Row.info("catalogue package", f"{providers} providers, {models} models")
        )
        env = {**os.environ, "PYTHONPATH": str(root)}

        def case(code: str) -> Callable[[], ChildRun]:
            from bench._measure import PEAK_SNIPPET

            return lambda: run_child(["-c", code + PEAK_SNIPPET], env=env)

        cases = {
            "curated": case(_lookup_code("llm_registry.curated", provider_id)),
            "catalogue": case(_lookup_code(CATALOGUE_PACKAGE, provider_id)),
            "bare": case("pass"),
        }
        try:
            runs = interleaved(cases, runs=11, budget=40.0)
        except BenchError as error:
            section.rows.extend(Row.not_measured(figure, goal, str(error)) for figure in figures)
            return section
    wall = {name: median([r.wall for r in results]) for name, results in runs.items()}
    rss = {name: median([r.peak_kb for r in results]) for name, results in runs.items()}
    n = runs_note(len(runs["curated"]))
    for name in ("bare", "curated", "catalogue"):
        section.rows.append(
            Row.info(
                f"{name}: import + PROVIDERS[{provider_id!r}]"
                if name != "bare"
                else "bare interpreter",
                f"{secs(wall[name])}, {mib(rss[name])} ({n})",
            )
        )
    section.rows.append(
        Row.check(
            figures[0],
            goal,
            f"{secs(wall['catalogue'])} / {secs(wall['curated'])} = "
            f"{ratio(wall['catalogue'] / wall['curated'])}",
            wall["catalogue"] <= GOAL * wall["curated"],
        )
    )
    section.rows.append(
        Row.check(
            figures[1],
            goal,
            f"{mib(rss['catalogue'])} / {mib(rss['curated'])} = "
            f"{ratio(rss['catalogue'] / rss['curated'])}",
            rss["catalogue"] <= GOAL * rss["curated"],
        )
    )
    return section


if __name__ == "__main__":
    from bench._measure import format_table

    print(format_table([registry_section()]))
