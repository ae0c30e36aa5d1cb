"""mypy --strict accepts an app's own generated package wherever the runtime takes a registry
or a descriptor, and still rejects what is neither.

The app package is the one compiled from tests/registry/ for this session; two small
modules use it with the runtime, one correctly and one with a mistake on each marked line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.fixture_registry import CompiledRegistry

PROJECT_ROOT = Path(__file__).resolve().parents[2]

ACCEPTED = """\
from __future__ import annotations

from llm_registry.runtime import (
    Registry,
    can_proceed,
    create_provider,
    detect_context_limit_error,
    get_provider,
    parse_model_id,
    provider_label,
    providers,
    resolve_api_key,
)
from llm_registry.runtime._descriptor import ProviderDescriptor as RuntimeDescriptor
from wire_registry import DISPLAY_NAMES, IDS, PROVIDERS, REGISTRY, ProviderId
from wire_registry.descriptor import ProviderDescriptor

registry: Registry = REGISTRY
own: ProviderDescriptor = PROVIDERS["wire-openai"]
as_runtime_reads_it: RuntimeDescriptor = own
first: ProviderId = IDS[0]
name: str = DISPLAY_NAMES[first]
looked_up: RuntimeDescriptor = get_provider("wire-openai", registry=REGISTRY)
listed: list[RuntimeDescriptor] = providers(registry=REGISTRY)
ok: bool = can_proceed(own).ok and can_proceed("wire-local", registry=REGISTRY).ok
key: str | None = resolve_api_key(own, {"wire-openai": "k"})
overflow: bool = detect_context_limit_error("full", "wire-openai::m", registry=REGISTRY)
label: str = provider_label("wire-aggregator::vendor/m", registry=REGISTRY)
model: str = parse_model_id("wire-openai::plain-model", registry=REGISTRY).model
chat = create_provider(own, api_key="k")
chat_by_id = create_provider("wire-openai", api_key="k", registry=REGISTRY)
"""

REJECTED = """\
from __future__ import annotations

from dataclasses import dataclass

from llm_registry.runtime import Registry, can_proceed, create_provider, get_provider
from wire_registry import PROVIDERS, REGISTRY


@dataclass(frozen=True)
class NotADescriptor:
    id: str
    display_name: str


can_proceed(NotADescriptor("x", "X"))  # expected-error
create_provider(NotADescriptor("x", "X"), api_key="k")  # expected-error
get_provider("wire-openai", registry=PROVIDERS)  # expected-error
PROVIDERS["no-such-provider"]  # expected-error
registry: Registry = REGISTRY
registry.ids.append("x")  # expected-error
"""


def _typecheck_root(tmp_path: Path) -> Path:
    """The folders named as installed (llm_registry.runtime, …), as the Makefile lays them out."""
    made = PROJECT_ROOT / ".venv" / "typecheck"
    if made.is_dir():
        return made
    root = tmp_path / "typecheck" / "llm_registry"
    root.mkdir(parents=True)
    for name, folder in (("runtime", "runtime"), ("curated", "generated")):
        (root / name).symlink_to(PROJECT_ROOT / folder)
    return root.parent


def test_mypy_accepts_an_app_package_and_rejects_what_is_not_one(
    compiled_registry: CompiledRegistry, tmp_path: Path
) -> None:
    checks = tmp_path / "checks"
    checks.mkdir()
    (checks / "accepted_use.py").write_text(ACCEPTED, encoding="utf-8")
    (checks / "rejected_use.py").write_text(REJECTED, encoding="utf-8")
    search_path = os.pathsep.join(
        [str(compiled_registry.import_root), str(_typecheck_root(tmp_path))]
    )
    mypy = [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--show-error-codes"]
    result = subprocess.run(
        [*mypy, str(checks / "accepted_use.py"), str(checks / "rejected_use.py")],
        cwd=PROJECT_ROOT,
        env={**os.environ, "MYPYPATH": search_path},
        capture_output=True,
        text=True,
        timeout=600,
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert not [line for line in errors if "accepted_use.py" in line], result.stdout
    expected_lines = {
        number
        for number, line in enumerate(REJECTED.splitlines(), start=1)
        if line.endswith("# expected-error")
    }
    found_lines = {
        int(match.group(1))
        for line in errors
        if (match := re.search(r"rejected_use\.py:(\d+): error:", line))
    }
    assert found_lines == expected_lines, result.stdout
    assert result.returncode == 1
