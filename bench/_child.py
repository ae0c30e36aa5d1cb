"""What a fresh benchmark child process runs; it prints its figures as one JSON line.

    python -m bench._child compile REGISTRY OUT   # import the compiler, compile_registry + write_tree
    python -m bench._child parse REGISTRY         # import yaml, yaml.load (CSafeLoader) every descriptor, keep them

The timed span starts before the imports, so both include the cost of loading their libraries;
interpreter start-up, the same for both, is left out.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def compile_once(registry: Path, out: Path) -> dict[str, object]:
    started = time.perf_counter()
    from llm_registry.codegen.pipeline import compile_registry
    from llm_registry.codegen.writer import write_tree

    files = compile_registry(registry)
    summary = write_tree(out, files)
    return {
        "seconds": time.perf_counter() - started,
        "files": len(files),
        "written": len(summary.written),
    }


def parse_once(registry: Path) -> dict[str, object]:
    started = time.perf_counter()
    import yaml

    # Kept, not dropped: a compiler needs every descriptor at once (the package index and the
    # seed span them all), so holding them is part of the floor, in memory as in time.
    documents = [
        yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        for path in sorted((registry / "providers").glob("*.yaml"))
    ]
    return {"seconds": time.perf_counter() - started, "documents": len(documents)}


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "compile":
        result = compile_once(Path(argv[1]), Path(argv[2]))
    elif len(argv) == 2 and argv[0] == "parse":
        result = parse_once(Path(argv[1]))
    else:
        print(
            "usage: python -m bench._child compile REGISTRY OUT | parse REGISTRY", file=sys.stderr
        )
        return 2
    print(json.dumps(result))
    # The peak of this process's own address space (see bench._measure.PEAK_SNIPPET).
    status = Path("/proc/self/status")
    if status.exists():
        peak = status.read_text().split("VmHWM:")[1].split()[0]
        print(f"bench-peak-kb: {peak}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
