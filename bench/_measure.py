"""Measuring: fresh child processes (wall time and peak memory), medians, the result table."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

T = TypeVar("T")

# A child that runs longer than this is killed: a benchmark must never hang `make bench`.
CHILD_TIMEOUT = 600.0


class BenchError(Exception):
    """A measurement could not be taken (a child failed, an invariant did not hold)."""


# Appended to a child's code (or printed by bench._child): the peak resident set of the child's
# own address space, VmHWM. Why not ru_maxrss alone: Linux records the high-water mark of the
# address space a process leaves at exec into its ru_maxrss, and subprocess starts children
# with vfork, whose address space is the parent's: every child's ru_maxrss is then at least the
# benchmark process's own peak (verified: a bare `python -c pass` read 11 MiB by ru_maxrss from
# a small parent, 211 MiB from a parent that had touched 200 MiB; VmHWM 8.5 MiB both times).
PEAK_MARK = "bench-peak-kb:"
PEAK_SNIPPET = (
    "\nprint('" + PEAK_MARK + "', open('/proc/self/status').read().split('VmHWM:')[1].split()[0],"
    " file=__import__('sys').stderr)\n"
)


def own_peak_kb() -> int | None:
    """This process's VmHWM in KiB (Linux), or None where /proc does not say."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


@dataclass(frozen=True)
class ChildRun:
    """One finished child process."""

    wall: float  # seconds from spawn to exit, as seen by the parent
    max_rss_kb: int  # wait4's ru_maxrss (see PEAK_SNIPPET for why it is only an upper bound)
    stdout: str
    stderr: str

    @property
    def peak_kb(self) -> int:
        """The child's own peak memory: what it reported as VmHWM, else ru_maxrss."""
        for line in reversed(self.stderr.splitlines()):
            if line.startswith(PEAK_MARK):
                return int(line.split()[1])
        return self.max_rss_kb

    def json(self) -> Any:
        """The last stdout line, parsed: children report their in-process figures that way."""
        lines = self.stdout.strip().splitlines()
        if not lines:
            raise BenchError(f"child printed nothing; stderr: {self.stderr.strip()[-500:]}")
        return json.loads(lines[-1])


def run_child(
    args: Sequence[str],
    *,
    cwd: Path = PROJECT_ROOT,
    env: dict[str, str] | None = None,
    timeout: float = CHILD_TIMEOUT,
) -> ChildRun:
    """Run ``python args…`` in a fresh interpreter; fail on a non-zero exit.

    The child is reaped with os.wait4 so that the peak memory is this child's alone
    (RUSAGE_CHILDREN would report the largest of every child so far).
    """
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            [PYTHON, *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        watchdog = threading.Timer(timeout, process.kill)
        watchdog.start()
        try:
            assert process.stdout is not None
            out = process.stdout.read()
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - started
        finally:
            watchdog.cancel()
            if process.stdout is not None:
                process.stdout.close()
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        err = errors.read().decode("utf-8", "replace")
    if process.returncode != 0:
        last = err.strip().splitlines()[-1:] or ["(no output)"]
        raise BenchError(
            f"`python {' '.join(args)}` exited with {process.returncode}: {last[0][:300]}"
        )
    # Linux reports ru_maxrss in KiB.
    return ChildRun(wall, int(usage.ru_maxrss), out.decode("utf-8", "replace"), err)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def interleaved(
    measures: dict[str, Callable[[], T]], *, runs: int, budget: float, warmup: bool = True
) -> dict[str, list[T]]:
    """Run several measurements side by side (A, B, B, A, A, B, …) so that drift in the
    machine's load touches them alike; up to ``runs`` rounds, fewer
    when the next round would overrun ``budget`` seconds (at least one): expensive figures get
    fewer runs rather than a longer bench."""
    if warmup:
        for measure in measures.values():
            measure()
    results: dict[str, list[T]] = {name: [] for name in measures}
    started = time.perf_counter()
    for index in range(runs):
        begun = time.perf_counter()
        # Alternate the order too, so that neither always runs right after the other.
        names = list(measures) if index % 2 == 0 else list(reversed(measures))
        for name in names:
            results[name].append(measures[name]())
        last = time.perf_counter() - begun
        if time.perf_counter() - started + last > budget:
            break
    return results


# --- the table ---------------------------------------------------------------------------------------

MET, MISSED, INFO, NOT_MEASURED = "met", "MISSED", "", "not measured"


@dataclass
class Row:
    figure: str
    goal: str
    measured: str
    verdict: str

    @classmethod
    def check(cls, figure: str, goal: str, measured: str, ok: bool | None) -> Row:
        verdict = "n/a" if ok is None else (MET if ok else MISSED)
        return cls(figure, goal, measured, verdict)

    @classmethod
    def info(cls, figure: str, measured: str) -> Row:
        return cls(figure, "—", measured, INFO)

    @classmethod
    def not_measured(cls, figure: str, goal: str, why: str) -> Row:
        why = " ".join(why.split())
        if len(why) > 160:
            why = why[:159] + "…"
        return cls(figure, goal, f"not measured: {why}", NOT_MEASURED)


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)


def format_table(sections: Sequence[Section]) -> str:
    header = Row("Figure", "Goal", "Measured (median)", "Result")
    rows = [row for section in sections for row in section.rows]
    widths = [
        max(len(getattr(row, name)) for row in [header, *rows])
        for name in ("figure", "goal", "measured", "verdict")
    ]

    def line(row: Row) -> str:
        cells = (row.figure, row.goal, row.measured, row.verdict)
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"

    out = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for section in sections:
        out.append(line(Row(f"**{section.title}**", "", "", "")))
        out.extend(line(row) for row in section.rows)
    return "\n".join(out)


# --- number formatting ---------------------------------------------------------------------------------


def secs(value: float) -> str:
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.1f} µs"


def mib(kb: float) -> str:
    return f"{kb / 1024:.1f} MiB"


def ratio(value: float) -> str:
    return f"{value:.2f}×"


def runs_note(count: int) -> str:
    return f"n={count}"
