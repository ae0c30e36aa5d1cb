"""generate and check over the configured targets, as an app runs them from its own project."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from llm_registry.codegen.writer import read_tree
from tests.codegen.conftest import ACME, RegistryFactory, run_codegen


def _project(root: Path, table: str) -> None:
    (root / "pyproject.toml").write_text(f"[tool.llm-registry]\n{table}", encoding="utf-8")


def test_a_typescript_folder_of_its_own_is_written_checked_and_left_alone_when_unchanged(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    make_registry({"acme": ACME})
    _project(
        tmp_path,
        'out = "app/gen"\ntargets = ["python", "typescript"]\ntypescript_out = "web/registry"\n',
    )
    first = run_codegen("generate", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    web = tmp_path / "web" / "registry"
    assert sorted(read_tree(web)) == ["logos/acme.svg", "registry.ts"]
    assert "ts/registry.ts" not in read_tree(tmp_path / "app" / "gen")
    assert "web/registry: 2 written" in first.stderr and "app/gen: 9 written" in first.stderr

    again = run_codegen("generate", cwd=tmp_path)
    assert again.returncode == 0
    assert "web/registry: 0 written, 0 removed, 2 unchanged" in again.stderr
    assert run_codegen("check", cwd=tmp_path).returncode == 0

    registry_ts = web / "registry.ts"
    registry_ts.write_text(registry_ts.read_text().replace("Acme AI", "Acme IA"))
    stale = run_codegen("check", cwd=tmp_path)
    assert stale.returncode == 1
    assert "web/registry/registry.ts" in stale.stdout + stale.stderr
    assert "E401" in stale.stdout + stale.stderr
    assert run_codegen("generate", cwd=tmp_path).returncode == 0
    assert "Acme AI" in registry_ts.read_text()


def test_a_typescript_only_project_writes_no_python_package(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    make_registry({"acme": ACME})
    _project(tmp_path, 'targets = ["typescript"]\n')
    result = run_codegen("generate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(read_tree(tmp_path / "generated")) == ["ts/logos/acme.svg", "ts/registry.ts"]


def test_changing_the_targets_regenerates_even_when_the_registry_did_not_change(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    make_registry({"acme": ACME})
    _project(tmp_path, "")
    assert run_codegen("generate", cwd=tmp_path).returncode == 0
    assert "ts/registry.ts" not in read_tree(tmp_path / "generated")
    _project(tmp_path, 'targets = ["python", "typescript"]\n')
    assert run_codegen("generate", cwd=tmp_path).returncode == 0
    assert "ts/registry.ts" in read_tree(tmp_path / "generated")
    _project(tmp_path, 'targets = ["python"]\n')
    assert run_codegen("generate", cwd=tmp_path).returncode == 0
    assert "ts/registry.ts" not in read_tree(tmp_path / "generated")


def test_a_typescript_folder_of_the_users_is_never_replaced(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    make_registry({"acme": ACME})
    _project(tmp_path, 'targets = ["python", "typescript"]\ntypescript_out = "src"\n')
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.ts").write_text("export const mine = 1;\n")
    result = run_codegen("generate", cwd=tmp_path)
    assert result.returncode == 2
    assert "refusing to write src" in result.stderr and "Traceback" not in result.stderr
    assert read_tree(tmp_path / "src") == {"app.ts": b"export const mine = 1;\n"}
    assert not (tmp_path / "generated").exists()


def test_a_typescript_folder_holding_the_python_package_is_a_usage_error(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    make_registry({"acme": ACME})
    _project(tmp_path, 'targets = ["python", "typescript"]\ntypescript_out = "."\n')
    result = run_codegen("generate", cwd=tmp_path)
    assert result.returncode == 2
    assert "must not hold the output folder" in result.stderr


def test_the_python_only_path_loads_nothing_of_the_typescript_target(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry({"acme": ACME})
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from llm_registry.codegen.pipeline import compile_targets\n"
        f"files = compile_targets(Path({str(registry)!r}), ('python',))\n"
        "assert list(files) == ['python']\n"
        "print(sorted(m for m in sys.modules if m.startswith('llm_registry.codegen.ts')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
