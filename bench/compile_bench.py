"""Compiler figures: the curated registry cold and no-op; the imported models.dev catalogue
against the floor of merely parsing its YAML, at 1×, 2× and 4× its size."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from bench._measure import (
    PROJECT_ROOT,
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

CURATED_REGISTRY = PROJECT_ROOT / "registry"
# Beside the project, or wherever MODELS_DEV_CATALOGUE points.
CATALOGUE = Path(
    os.environ.get("MODELS_DEV_CATALOGUE")
    or PROJECT_ROOT.parent / "shared" / "corpus" / "models.dev"
)

NOOP_GOAL = 1 / 3
FLOOR_GOAL = 3.0
# Per-model time at 4× over per-model time at 1×: what "grows linearly" is allowed to drift.
LINEAR_TOLERANCE = 1.25
SCALES = (1, 2, 4)


def _compiler_missing() -> str | None:
    try:
        from llm_registry.codegen.pipeline import compile_registry  # noqa: F401
        from llm_registry.codegen.writer import write_tree  # noqa: F401
    except ImportError as error:
        return f"the compiler is not importable ({error})"
    return None


# --- 1. the curated registry ------------------------------------------------------------------------


def _mtimes(root: Path) -> dict[str, int]:
    return {
        str(path.relative_to(root)): path.stat().st_mtime_ns
        for path in root.rglob("*")
        if path.is_file()
    }


def curated_section() -> Section:
    section = Section("Compile the curated registry (registry/, `llm-registry generate`)")
    goal = f"≤ {ratio(NOOP_GOAL)} cold, nothing rewritten"
    missing = _compiler_missing()
    if missing:
        section.rows.append(Row.not_measured("no-op / cold", goal, missing))
        return section
    with tempfile.TemporaryDirectory(prefix="bench-curated-") as temp:
        out = Path(temp) / "generated"
        command = [
            "-m",
            "llm_registry.codegen",
            "generate",
            "--registry",
            str(CURATED_REGISTRY),
            "--out",
            str(out),
        ]
        problems: list[str] = []

        def cold() -> ChildRun:
            shutil.rmtree(out, ignore_errors=True)
            return run_child(command)

        def noop() -> ChildRun:
            if not out.is_dir():
                cold()
            before = _mtimes(out)
            run = run_child(command)
            after = _mtimes(out)
            if before != after:
                touched = sorted(
                    k for k in before.keys() | after.keys() if before.get(k) != after.get(k)
                )
                problems.append(f"{len(touched)} file(s) rewritten, e.g. {touched[0]}")
            if not re.search(r"\b0 written, 0 removed\b", run.stderr):
                problems.append(f"generate said: {run.stderr.strip().splitlines()[-1:]}")
            return run

        runs = interleaved({"cold": cold, "noop": noop}, runs=5, budget=40.0)
        cold_s = median([r.wall for r in runs["cold"]])
        noop_s = median([r.wall for r in runs["noop"]])
        files = len(_mtimes(out))
    n = runs_note(len(runs["cold"]))
    section.rows.append(
        Row.info("cold (fresh process, empty out dir)", f"{secs(cold_s)} ({files} files, {n})")
    )
    measured = f"{secs(noop_s)} = {ratio(noop_s / cold_s)} cold; " + (
        "; ".join(sorted(set(problems))) if problems else "0 files rewritten, mtimes kept"
    )
    section.rows.append(
        Row.check(
            "no-op (nothing changed) / cold",
            goal,
            measured,
            noop_s <= NOOP_GOAL * cold_s and not problems,
        )
    )
    return section


# --- 2. the whole catalogue ---------------------------------------------------------------------------


_ID_LINE = re.compile(r"^id: *(\S+) *$", re.M)
_ENV_LINE = re.compile(r"^  env: *(\S+) *$", re.M)


def scaled_registry(source: Path, target: Path, factor: int) -> None:
    """``source`` with every provider present ``factor`` times: copy k under id ``<id>-copy<k>``
    and key variable ``<ENV>_COPY<k>``, everything else (models, logo) the same."""
    shutil.copytree(source / "logos", target / "logos")
    (target / "providers").mkdir(parents=True)
    for path in sorted((source / "providers").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        provider_id = _ID_LINE.search(text)
        if provider_id is None:
            raise BenchError(f"{path.name}: no top-level `id:` line to rename")
        (target / "providers" / path.name).write_text(text, encoding="utf-8")
        for k in range(2, factor + 1):
            new_id = f"{provider_id.group(1)}-copy{k}"
            copy = _ID_LINE.sub(f"id: {new_id}", text, count=1)
            copy = _ENV_LINE.sub(lambda m: f"  env: {m.group(1)}_COPY{k}", copy, count=1)
            (target / "providers" / f"{new_id}.yaml").write_text(copy, encoding="utf-8")


def catalogue_section() -> Section:
    section = Section(
        "Compile the whole models.dev catalogue (compile_registry + write_tree, fresh process) vs the parse floor"
    )
    goal = f"≤ {FLOOR_GOAL:g}× floor"
    figures = ("time / parse floor", "peak memory / parse floor", "time per model 1× → 4×")
    missing = _compiler_missing()
    if missing is None and not CATALOGUE.is_dir():
        missing = f"no catalogue at {CATALOGUE}"
    if missing is None:
        try:
            from llm_registry.codegen.importer import import_models_dev
        except ImportError as error:
            missing = f"the importer is not importable ({error})"
    if missing:
        section.rows.extend(Row.not_measured(f, goal, missing) for f in figures)
        return section

    from llm_registry.codegen.importer import import_models_dev

    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as temp:
        root = Path(temp)
        report = import_models_dev(CATALOGUE, root / "x1")
        providers, models = len(report.providers), len(report.models)
        left_out = sum(1 for d in report.diagnostics if d.code in ("W521", "W522", "W523"))
        section.rows.append(
            Row.info(
                "imported catalogue",
                f"{providers} providers, {models} models, {left_out} exclusions",
            )
        )
        for factor in SCALES[1:]:
            scaled_registry(root / "x1", root / f"x{factor}", factor)

        per_model: dict[int, float] = {}
        for factor in SCALES:
            registry = root / f"x{factor}"
            counter = iter(range(1_000_000))

            def compile_run(registry: Path = registry) -> ChildRun:
                out = root / f"out-{next(counter)}"
                try:
                    run = run_child(["-m", "bench._child", "compile", str(registry), str(out)])
                finally:
                    shutil.rmtree(out, ignore_errors=True)
                return run

            def parse_run(registry: Path = registry) -> ChildRun:
                return run_child(["-m", "bench._child", "parse", str(registry)])

            measures: dict[str, Callable[[], ChildRun]] = {
                "parse": parse_run,
                "compile": compile_run,
            }
            # The 1× figure gets the most runs; the big synthetic ones fewer.
            runs = interleaved(measures, runs=5 if factor == 1 else 3, budget=40.0, warmup=False)
            compile_s = median([r.json()["seconds"] for r in runs["compile"]])
            parse_s = median([r.json()["seconds"] for r in runs["parse"]])
            compile_kb = median([r.peak_kb for r in runs["compile"]])
            parse_kb = median([r.peak_kb for r in runs["parse"]])
            per_model[factor] = compile_s / (models * factor)
            n = runs_note(len(runs["compile"]))
            label = f"{factor}× ({providers * factor} providers, {models * factor} models)"
            section.rows.append(
                Row.check(
                    f"{label}: time / parse floor",
                    goal,
                    f"{secs(compile_s)} / {secs(parse_s)} = {ratio(compile_s / parse_s)} ({n})",
                    compile_s <= FLOOR_GOAL * parse_s,
                )
            )
            section.rows.append(
                Row.check(
                    f"{label}: peak memory / parse floor",
                    goal,
                    f"{mib(compile_kb)} / {mib(parse_kb)} = {ratio(compile_kb / parse_kb)}",
                    compile_kb <= FLOOR_GOAL * parse_kb,
                )
            )
    growth = per_model[SCALES[-1]] / per_model[1]
    section.rows.append(
        Row.check(
            "time per model 1× / 2× / 4×",
            f"linear: 4× ≤ {LINEAR_TOLERANCE:g}× the 1× per-model time",
            " / ".join(secs(per_model[f]) for f in SCALES) + f" (4×/1× = {ratio(growth)})",
            growth <= LINEAR_TOLERANCE,
        )
    )
    return section


if __name__ == "__main__":  # a single section, for the owner iterating on a fix
    import sys

    from bench._measure import format_table

    which = sys.argv[1:] or ["curated", "catalogue"]
    sections = [curated_section() if w == "curated" else catalogue_section() for w in which]
    print(format_table(sections))
