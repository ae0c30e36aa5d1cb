"""Helpers that two modules once each had a copy of (and that drifted apart) exist once."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

RUNTIME = Path(__file__).resolve().parents[2] / "runtime"

# Each group: the names one helper has had, in any module.
DEFINED_ONCE = {
    "provider's discovery dialect": {"_dialect", "discovery_dialect"},
    "base-URL check": {"_checked_base_url", "checked_base_url"},
    "Retry-After reading": {"_retry_after", "retry_after_seconds"},
    "HTTP status to error class": {"_raise_for_status", "error_from_response"},
    "anthropic-version header value": {"ANTHROPIC_VERSION"},
}


def _definitions() -> Counter[str]:
    """Every function, class and module-level constant defined anywhere in runtime/."""
    names: Counter[str] = Counter()
    for path in RUNTIME.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names[node.name] += 1
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else []
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


@pytest.mark.parametrize("what", DEFINED_ONCE)
def test_each_helper_is_defined_once(what: str) -> None:
    definitions = _definitions()
    count = sum(definitions[name] for name in DEFINED_ONCE[what])
    assert count == 1, f"the {what} is defined {count} times in runtime/"
