"""`make bench`: measure the compiler and the runtime against their goals; print one table.

Every goal is a ratio to something measured in the same run (these machines are shared and
noisy), every figure the median of several runs taken side by side with what it is compared to.
A figure whose subject is missing (no catalogue, a module not written yet) reads "not measured"
with the reason; nothing here fails for being slow.

    python -m bench                       # everything (a few minutes on 2 cores)
    python -m bench curated runtime       # some sections: curated catalogue runtime registry discovery
                                          # streaming
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable

from bench._measure import Row, Section, format_table, secs
from bench.compile_bench import catalogue_section, curated_section
from bench.discovery_bench import discovery_section
from bench.registry_bench import registry_section
from bench.runtime_bench import runtime_section
from bench.stream_bench import stream_section

SECTIONS: dict[str, Callable[[], Section]] = {
    "curated": curated_section,
    "catalogue": catalogue_section,
    "runtime": runtime_section,
    "registry": registry_section,
    "discovery": discovery_section,
    "streaming": stream_section,
}


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "sections",
        nargs="*",
        metavar="SECTION",
        help=f"sections to run (default: all): {', '.join(SECTIONS)}",
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r}; choose from {', '.join(SECTIONS)}")
    chosen = args.sections or list(SECTIONS)
    print(f"Machine: {machine()}", flush=True)
    started = time.perf_counter()
    sections: list[Section] = []
    for name in chosen:
        print(f"… {name}", file=sys.stderr, flush=True)
        try:
            sections.append(SECTIONS[name]())
        except Exception as error:
            sections.append(
                Section(name, [Row.not_measured(name, "—", f"{type(error).__name__}: {error}")])
            )
    print(format_table(sections))
    missed = sum(row.verdict == "MISSED" for section in sections for row in section.rows)
    print(f"\n{missed} goal(s) missed; took {secs(time.perf_counter() - started)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
