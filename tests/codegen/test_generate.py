"""llm-registry generate / check / validate on given folders, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from llm_registry.codegen.pipeline import compile_targets
from llm_registry.codegen.targets import plan_trees
from llm_registry.codegen.writer import read_tree, write_tree
from tests.codegen.conftest import (
    ACME,
    PROJECT_ROOT,
    SAFE_SVG,
    RegistryFactory,
    codegen_env,
    run_codegen,
)

LOCAL = """\
id: local-llm
display_name: Local LLM
base_url: http://127.0.0.1:8080/v1
implementation: openai_compatible
api_key: null
context_limit_patterns: ["exceeds the available context size"]
discovery: {dialect: ollama}
default_models: []
logo: {svg: logos/local.svg, invert_in_dark_mode: true}
"""


def mtimes(root: Path) -> dict[str, int]:
    return {
        str(path.relative_to(root)): path.stat().st_mtime_ns
        for path in root.rglob("*")
        if path.is_file()
    }


def test_generate_writes_every_artifact_then_rewrites_nothing(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry({"acme": ACME, "local-llm": LOCAL}, {"local.svg": SAFE_SVG})
    out = tmp_path / "out"
    first = run_codegen("generate", "--registry", str(registry), "--out", str(out))
    assert first.returncode == 0, first.stderr
    # This repository configures the TypeScript target too: it goes to <out>/ts, in the same
    # tree (one atomic write).
    assert sorted(read_tree(out)) == [
        "__init__.py",
        "descriptor.py",
        "key_forms.json",
        "logos.json",
        "logos/acme.svg",
        "logos/local-llm.svg",
        "providers/__init__.py",
        "providers/acme.py",
        "providers/local_llm.py",
        "py.typed",
        "seed.sql",
        "ts/logos/acme.svg",
        "ts/logos/local-llm.svg",
        "ts/registry.ts",
    ]
    assert (out / "logos/local-llm.svg").read_text() == SAFE_SVG
    before = mtimes(out)
    second = run_codegen("generate", "--registry", str(registry), "--out", str(out))
    assert second.returncode == 0
    assert "0 written, 0 removed" in second.stderr
    assert mtimes(out) == before


def test_a_no_op_generate_loads_neither_asyncio_nor_the_http_stack(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    # Only `sync` and the runtime's commands talk to servers; every other command starts
    # without paying for their imports (most of a no-op generate's time is its start).
    registry = make_registry({"acme": ACME})
    out = tmp_path / "out"
    assert run_codegen("generate", "--registry", str(registry), "--out", str(out)).returncode == 0
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['llm-registry', 'generate', '--registry', {str(registry)!r},"
        f" '--out', {str(out)!r}]\n"
        "try:\n"
        "    runpy.run_module('llm_registry.codegen', run_name='__main__')\n"
        "except SystemExit as stop:\n"
        "    assert not stop.code, stop.code\n"
        "heavy = {'asyncio', 'ssl', 'socket', 'httpx', 'openai', 'sqlite3'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    # Run as run_codegen runs it: the same configuration (its TypeScript target too) and the
    # same cache folder, where the first run left its stamp.
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=codegen_env(),
    )
    assert result.returncode == 0, result.stderr
    assert "(inputs unchanged)" in result.stderr
    assert result.stdout.strip() == "[]"


def test_a_no_op_generate_still_notices_any_change(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry({"acme": ACME})
    out = tmp_path / "out"
    assert run_codegen("generate", "--registry", str(registry), "--out", str(out)).returncode == 0
    assert (
        "inputs unchanged"
        in run_codegen("generate", "--registry", str(registry), "--out", str(out)).stderr
    )
    expected = read_tree(out)

    # A hand edit of an output is undone.
    (out / "providers" / "acme.py").write_text("# hand edit\n")
    again = run_codegen("generate", "--registry", str(registry), "--out", str(out))
    assert "1 written" in again.stderr and read_tree(out) == expected

    # A changed descriptor is compiled, even when it keeps its size.
    descriptor = registry / "providers" / "acme.yaml"
    descriptor.write_text(descriptor.read_text().replace("Acme AI", "Acme IA"))
    changed = run_codegen("generate", "--registry", str(registry), "--out", str(out))
    assert "inputs unchanged" not in changed.stderr
    assert b"Acme IA" in read_tree(out)["providers/acme.py"]


def test_invalid_registry_leaves_output_untouched(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry({"acme": ACME})
    out = tmp_path / "out"
    assert run_codegen("generate", "--registry", str(registry), "--out", str(out)).returncode == 0
    before_bytes, before_times = read_tree(out), mtimes(out)
    (registry / "providers" / "acme.yaml").write_text(
        ACME.replace("context_window: 131072", "context_window: 1")
    )
    (registry / "providers" / "new.yaml").write_text(ACME.replace("id: acme", "id: new"))
    result = run_codegen("generate", "--registry", str(registry), "--out", str(out))
    assert result.returncode == 1
    assert "error[E305]" in result.stdout and "error[E301]" not in result.stdout
    assert "error[E303]" in result.stdout  # new.yaml reuses ACME_API_KEY
    assert read_tree(out) == before_bytes
    assert mtimes(out) == before_times


def test_a_removed_provider_disappears_and_an_added_one_reaches_every_artifact(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry({"acme": ACME, "local-llm": LOCAL}, {"local.svg": SAFE_SVG})
    out = tmp_path / "out"
    assert run_codegen("generate", "--registry", str(registry), "--out", str(out)).returncode == 0
    (registry / "providers" / "local-llm.yaml").unlink()
    zeta = ACME.replace("acme", "zeta").replace("Acme", "Zeta").replace("ACME", "ZETA")
    (registry / "providers" / "zeta.yaml").write_text(zeta)
    assert run_codegen("generate", "--registry", str(registry), "--out", str(out)).returncode == 0
    files = read_tree(out)
    assert "providers/local_llm.py" not in files and "logos/local-llm.svg" not in files
    assert b"zeta" in files["providers/zeta.py"]
    for artifact in ("__init__.py", "key_forms.json", "logos.json", "seed.sql"):
        assert b"zeta" in files[artifact], artifact
        assert b"local-llm" not in files[artifact], artifact


def test_check_fails_with_a_diff_when_output_is_stale(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry({"acme": ACME})
    out = tmp_path / "out"
    assert run_codegen("generate", "--registry", str(registry), "--out", str(out)).returncode == 0
    assert run_codegen("check", "--registry", str(registry), "--out", str(out)).returncode == 0
    (out / "providers" / "acme.py").write_text("# hand edit\n")
    result = run_codegen("check", "--registry", str(registry), "--out", str(out))
    assert result.returncode == 1
    assert "-# hand edit" in result.stdout and "+PROVIDER = ProviderDescriptor(" in result.stdout
    assert "error[E401]" in result.stdout


def test_usage_errors_exit_2_and_help_exits_0(tmp_path: Path) -> None:
    missing = run_codegen("validate", "--registry", str(tmp_path / "nowhere"))
    assert (
        missing.returncode == 2
        and "error[E001]" in missing.stderr
        and "no providers/ folder" in missing.stderr
    )
    assert run_codegen("frobnicate").returncode == 2
    help_text = run_codegen("--help")
    assert help_text.returncode == 0 and "generate" in help_text.stdout
    for command in ("generate", "validate", "check", "import-models-dev"):
        assert run_codegen(command, "--help").returncode == 0


def test_empty_registry_is_an_error(make_registry: RegistryFactory) -> None:
    result = run_codegen("validate", "--registry", str(make_registry({})))
    assert result.returncode == 1 and "error[E004]" in result.stdout


def test_unreadable_descriptor_is_reported(make_registry: RegistryFactory) -> None:
    registry = make_registry({"acme": ACME})
    (registry / "providers" / "broken.yaml").symlink_to(registry / "missing-target.yaml")
    result = run_codegen("validate", "--registry", str(registry))
    assert result.returncode == 1 and "broken.yaml: error[E002]" in result.stdout


def test_interrupted_swap_is_recovered(make_registry: RegistryFactory, tmp_path: Path) -> None:
    registry = make_registry({"acme": ACME})
    out = tmp_path / "out"
    assert run_codegen("generate", "--registry", str(registry), "--out", str(out)).returncode == 0
    complete = read_tree(out)
    # A run killed between its two renames leaves only the previous tree, under its backup name.
    os.rename(out, tmp_path / ".out.previous-12345")
    (tmp_path / ".out.staging-12345").mkdir()
    (tmp_path / ".out.staging-12345" / "half.py").write_text("")
    assert run_codegen("generate", "--registry", str(registry), "--out", str(out)).returncode == 0
    assert read_tree(out) == complete
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".out")) == []


def test_write_tree_keeps_unchanged_files_and_removes_strays(tmp_path: Path) -> None:
    out = tmp_path / "gen"
    write_tree(out, {"a.txt": b"a", "sub/b.txt": b"b"})
    before = (out / "a.txt").stat().st_mtime_ns
    summary = write_tree(out, {"a.txt": b"a", "c.txt": b"c"})
    assert (
        summary.written == ["c.txt"] and summary.removed == ["sub/b.txt"] and summary.unchanged == 1
    )
    assert read_tree(out) == {"a.txt": b"a", "c.txt": b"c"}
    assert (out / "a.txt").stat().st_mtime_ns == before


def test_committed_generated_is_what_the_compiler_writes() -> None:
    result = run_codegen("check")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "up to date" in result.stderr
    assert (PROJECT_ROOT / "generated" / "seed.sql").exists()


def test_generate_refuses_to_replace_a_folder_it_did_not_write(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry({"acme": ACME})
    precious = tmp_path / "precious"
    (precious / "sub").mkdir(parents=True)
    (precious / "notes.txt").write_text("mine")
    result = run_codegen("generate", "--registry", str(registry), "--out", str(precious))
    assert result.returncode == 2 and "refusing to write" in result.stderr
    assert (precious / "notes.txt").read_text() == "mine" and (precious / "sub").is_dir()
    # An empty folder is fine.
    (tmp_path / "empty").mkdir()
    assert (
        run_codegen(
            "generate", "--registry", str(registry), "--out", str(tmp_path / "empty")
        ).returncode
        == 0
    )


def test_a_dangling_file_no_descriptor_uses_does_not_break_generate(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry({"acme": ACME})
    (registry / "logos" / "gone.svg").symlink_to(tmp_path / "nowhere.svg")
    result = run_codegen("generate", "--registry", str(registry), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr


def test_concurrent_generates_all_succeed_and_leave_a_complete_tree(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry({"acme": ACME, "local-llm": LOCAL}, {"local.svg": SAFE_SVG})
    out = tmp_path / "out"
    # This repository's configuration: both targets, the TypeScript one in <out>/ts.
    compiled = compile_targets(registry, ("python", "typescript"))
    [tree] = plan_trees(compiled, {"python": out, "typescript": out / "ts"})
    expected = tree.files
    command = [
        sys.executable,
        "-m",
        "llm_registry.codegen",
        "generate",
        "--registry",
        str(registry),
        "--out",
        str(out),
    ]
    environment = {
        "PYTHONPATH": str(PROJECT_ROOT),
        "PATH": "/usr/bin:/bin",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    runs = [subprocess.Popen(command, env=environment, stderr=subprocess.PIPE) for _ in range(4)]
    assert [run.wait(timeout=120) for run in runs] == [0, 0, 0, 0]
    assert read_tree(out) == expected
    assert [path.name for path in tmp_path.iterdir() if path.name.startswith(".out")] == []


def test_github_actions_format_cannot_be_broken_by_descriptor_text(
    make_registry: RegistryFactory,
) -> None:
    registry = make_registry({"acme": ACME + '"weird\\nkey%0A::warning::x": 1\n'})
    result = run_codegen(
        "validate", "--registry", str(registry), "--error-format", "github-actions"
    )
    lines = result.stdout.splitlines()
    assert result.returncode == 1 and len(lines) == 1
    assert lines[0].startswith("::error file=") and "%250A::warning::" in lines[0]
