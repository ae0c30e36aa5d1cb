"""`llm-registry` as an app developer runs it: in their own project, from any folder of it."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from llm_registry.codegen.cli import main as compiler_main
from llm_registry.codegen.schema import SCHEMA_PATH
from tests.codegen.conftest import ACME, PROJECT_ROOT, RegistryFactory, cache_home

TOOL_REGISTRY = str(PROJECT_ROOT / "registry")


def llm_registry(
    *args: str, cwd: Path, python: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed command's entry point, run in cwd (python: a -c program standing in)."""
    command = (
        [sys.executable, "-c", python, *args]
        if python
        else [sys.executable, "-m", "llm_registry.runtime", *args]
    )
    result = subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": cache_home()},
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository (.git at its root) holding an app in app/, initialised by llm-registry."""
    (tmp_path / ".git").mkdir()
    app = tmp_path / "app"
    (app / "src").mkdir(parents=True)
    result = llm_registry("init", cwd=app)
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_init_then_generate_then_check_with_no_flags(tmp_path: Path) -> None:
    result = llm_registry("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "llm-registry generate" in result.stdout and "llm-registry check" in result.stdout
    example = tmp_path / "registry" / "providers" / "example.yaml"
    modeline = example.read_text(encoding="utf-8").splitlines()[0]
    assert modeline == "# yaml-language-server: $schema=../provider.schema.json"
    # The modeline resolves, offline, to the schema init wrote: the shipped one.
    assert (example.parent / "../provider.schema.json").read_bytes() == SCHEMA_PATH.read_bytes()
    table = tomllib.loads((tmp_path / "pyproject.toml").read_text())["tool"]["llm-registry"]
    assert table == {"registry": "registry", "out": "generated", "package": "generated"}

    generated = llm_registry("generate", cwd=tmp_path)
    assert generated.returncode == 0, generated.stderr
    assert b"example" in (tmp_path / "generated" / "providers" / "example.py").read_bytes()
    assert llm_registry("check", cwd=tmp_path).returncode == 0


def test_errors_in_ci_are_annotated_from_the_repository_root(repo: Path) -> None:
    app, subfolder = repo / "app", repo / "app" / "src"
    assert llm_registry("generate", cwd=subfolder).returncode == 0
    example = app / "registry" / "providers" / "example.yaml"
    example.write_text(example.read_text().replace("Example Large", "Example XL"))
    stale = llm_registry("check", "--error-format", "github-actions", cwd=subfolder)
    assert stale.returncode == 1
    annotations = [line for line in stale.stdout.splitlines() if line.startswith("::")]
    # A file, not a folder: the first that differs.
    assert annotations == [next(line for line in annotations if "E401" in line)] and annotations[
        0
    ].startswith("::error file=app/generated/providers/example.py,")
    assert "llm-registry generate" in annotations[0] and "make generate" not in stale.stdout

    example.write_text(example.read_text().replace("context_window: 131072", "context_window: -1"))
    invalid = llm_registry("check", "--error-format", "github-actions", cwd=subfolder)
    assert invalid.returncode == 1
    assert invalid.stdout.startswith("::error file=app/registry/providers/example.yaml,line=")
    text = llm_registry("validate", cwd=subfolder)
    assert text.returncode == 1 and "error[E2" in text.stdout and "example.yaml:" in text.stdout


def test_stale_output_names_the_first_file_and_lists_the_others(repo: Path) -> None:
    app = repo / "app"
    assert llm_registry("generate", cwd=app).returncode == 0
    for name in ("seed.sql", "key_forms.json"):
        (app / "generated" / name).write_text("edited\n")
    result = llm_registry("check", "--error-format", "json", cwd=app)
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["code"] for record in records[:-1]] == ["E401"]
    assert records[0]["path"] == "generated/key_forms.json"
    assert "other file(s) differ too: generated/seed.sql" in records[0]["message"]
    assert "-edited" in result.stderr  # the diff, kept off the JSON Lines


def test_configuration_is_found_from_a_subfolder_and_flags_override_it(
    tmp_path: Path, make_registry: RegistryFactory
) -> None:
    registry = make_registry({"acme": ACME}, name="defs")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "myapp"\n\n[tool.llm-registry]\nregistry = "defs"\nout = "pkg/gen"\n'
    )
    deep = tmp_path / "pkg" / "deep"
    deep.mkdir(parents=True)
    assert llm_registry("generate", cwd=deep).returncode == 0
    assert (tmp_path / "pkg" / "gen" / "providers" / "acme.py").is_file()

    other = make_registry({"acme": ACME.replace("Acme AI", "Other AI")}, name="other")
    flagged = llm_registry("generate", "--registry", str(other), "--out", "elsewhere", cwd=deep)
    assert flagged.returncode == 0, flagged.stderr
    assert b"Other AI" in (deep / "elsewhere" / "providers" / "acme.py").read_bytes()
    assert b"Acme AI" in (tmp_path / "pkg" / "gen" / "providers" / "acme.py").read_bytes()
    assert registry.is_dir()


def test_without_configuration_the_registry_is_the_project_roots(
    tmp_path: Path, make_registry: RegistryFactory
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "myapp"\n')
    (tmp_path / "sub").mkdir()
    absent = llm_registry("validate", cwd=tmp_path / "sub")
    assert absent.returncode == 2
    assert "error[E001]" in absent.stderr and str(tmp_path / "registry") in absent.stderr
    assert TOOL_REGISTRY not in absent.stderr + absent.stdout
    make_registry({"acme": ACME})  # tmp_path/registry
    present = llm_registry("validate", cwd=tmp_path / "sub")
    assert present.returncode == 0 and "1 providers" in present.stderr
    assert llm_registry("generate", cwd=tmp_path / "sub").returncode == 0
    assert (tmp_path / "generated" / "providers" / "acme.py").is_file()


@pytest.mark.parametrize(
    ("table", "complaint"),
    [
        ('registry = "r"\nouts = "g"\n', "unknown key(s) outs"),
        ("registry = 3\n", "registry must be a non-empty string"),
        ('package = "my-app.gen"\n', "package must be an import name"),
    ],
)
def test_a_bad_table_is_a_usage_error_naming_the_file(
    tmp_path: Path, table: str, complaint: str
) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.llm-registry]\n{table}")
    for command in ("validate", "generate", "check"):
        result = llm_registry(command, cwd=tmp_path)
        assert result.returncode == 2
        assert str(tmp_path / "pyproject.toml") in result.stderr and complaint in result.stderr


def test_init_refuses_to_overwrite_anything(tmp_path: Path) -> None:
    example = tmp_path / "registry" / "providers" / "example.yaml"
    example.parent.mkdir(parents=True)
    example.write_text("mine\n")
    result = llm_registry("init", cwd=tmp_path)
    assert result.returncode == 2 and str(example) in result.stderr
    assert example.read_text() == "mine\n" and not (tmp_path / "pyproject.toml").exists()
    assert not (tmp_path / "registry" / "provider.schema.json").exists()

    configured = tmp_path / "configured"
    configured.mkdir()
    (configured / "pyproject.toml").write_text('[tool.llm-registry]\nregistry = "r"\n')
    again = llm_registry("init", cwd=configured)
    assert again.returncode == 2 and "already has a [tool.llm-registry]" in again.stderr
    assert not (configured / "registry").exists()


def test_init_appends_to_an_existing_pyproject_and_keeps_its_bytes(tmp_path: Path) -> None:
    original = b'[project]\nname = "myapp"\n# no newline at the end'
    (tmp_path / "pyproject.toml").write_bytes(original)
    assert llm_registry("init", "--out", "myapp/gen", cwd=tmp_path).returncode == 0
    written = (tmp_path / "pyproject.toml").read_bytes()
    assert written.startswith(original)
    document = tomllib.loads(written.decode())
    assert document["project"] == {"name": "myapp"}
    assert document["tool"]["llm-registry"]["package"] == "myapp.gen"
    assert llm_registry("generate", cwd=tmp_path).returncode == 0
    assert (tmp_path / "myapp" / "gen" / "__init__.py").is_file()


def test_schema_prints_the_shipped_schema_and_check_warns_on_a_stale_copy(tmp_path: Path) -> None:
    printed = llm_registry("schema", cwd=tmp_path)
    assert printed.returncode == 0 and printed.stdout == SCHEMA_PATH.read_text(encoding="utf-8")
    assert llm_registry("schema", "--out", "copy.json", cwd=tmp_path).returncode == 0
    assert (tmp_path / "copy.json").read_bytes() == SCHEMA_PATH.read_bytes()

    assert llm_registry("init", cwd=tmp_path).returncode == 0
    assert llm_registry("generate", cwd=tmp_path).returncode == 0
    copy = tmp_path / "registry" / "provider.schema.json"
    copy.write_text(copy.read_text().replace('"id"', '"ident"', 1))
    warned = llm_registry("check", cwd=tmp_path)
    assert warned.returncode == 0
    assert "registry/provider.schema.json: warning[W402]" in warned.stdout
    assert "llm-registry schema --out" in warned.stdout


def test_json_lines_parse_line_by_line_and_end_with_a_summary(
    tmp_path: Path, make_registry: RegistryFactory
) -> None:
    registry = make_registry({"acme": ACME})
    valid = llm_registry(
        "validate", "--registry", str(registry), "--error-format", "json", cwd=tmp_path
    )
    assert valid.returncode == 0
    assert [json.loads(line) for line in valid.stdout.splitlines()] == [
        {"summary": True, "errors": 0, "warnings": 0, "files": 0, "exit": 0}
    ]
    (registry / "providers" / "acme.yaml").write_text(
        ACME.replace("context_window: 131072", "context_window: 4096")
    )
    invalid = llm_registry(
        "validate", "--registry", str(registry), "--error-format", "json", cwd=tmp_path
    )
    records = [json.loads(line) for line in invalid.stdout.splitlines()]
    assert invalid.returncode == 1 and records[-1]["exit"] == 1 and records[-1]["errors"] >= 1
    assert {record["code"] for record in records[:-1]} == {"E305"}
    assert all(record["severity"] == "error" for record in records[:-1])
    missing = llm_registry(
        "validate", "--registry", "nowhere", "--error-format", "json", cwd=tmp_path
    )
    records = [json.loads(line) for line in missing.stdout.splitlines()]
    assert missing.returncode == 2 and [r.get("code") for r in records] == ["E001", None]
    assert records[-1]["exit"] == 2


BLOCK_JINJA2 = """\
import sys


class NoJinja2:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "jinja2":
            raise ImportError("jinja2 is not installed")
        return None


sys.meta_path.insert(0, NoJinja2())
import llm_registry.runtime
from llm_registry.runtime._cli import main

sys.exit(main(sys.argv[1:]))
"""


def test_compiler_commands_without_the_codegen_extra_say_how_to_install_it(
    tmp_path: Path, make_registry: RegistryFactory
) -> None:
    registry = make_registry({"acme": ACME})
    for command in ("generate", "check", "validate", "import-models-dev"):
        args = (
            [command, "--registry", str(registry)]
            if command != "import-models-dev"
            else [command, str(tmp_path), "--out", str(tmp_path / "out")]
        )
        result = llm_registry(*args, cwd=tmp_path, python=BLOCK_JINJA2)
        assert result.returncode == 2, (command, result.stderr)
        assert "pip install 'llm-provider-registry[codegen]'" in result.stderr
    assert not (tmp_path / "generated").exists()
    # What needs no compiler still works: help, the schema, the runtime's commands.
    assert llm_registry("--help", cwd=tmp_path, python=BLOCK_JINJA2).returncode == 0
    assert llm_registry("schema", cwd=tmp_path, python=BLOCK_JINJA2).returncode == 0
    assert llm_registry("chat", "--help", cwd=tmp_path, python=BLOCK_JINJA2).returncode == 0


def test_help_lists_every_command_and_each_has_help_and_version() -> None:
    listed = llm_registry("--help", cwd=PROJECT_ROOT)
    commands = ("init", "validate", "generate", "check", "schema", "import-models-dev")
    runtime = ("chat", "models", "seed", "refresh")
    assert listed.returncode == 0
    for command in commands + runtime:
        assert f"    {command} " in listed.stdout or f"    {command}\n" in listed.stdout, command
        assert llm_registry(command, "--help", cwd=PROJECT_ROOT).returncode == 0, command
    assert "exit status:" in listed.stdout and "  3    internal compiler error" in listed.stdout
    version = llm_registry("--version", cwd=PROJECT_ROOT)
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    assert version.returncode == 0
    assert version.stdout.strip() == f"llm-registry {pyproject['project']['version']}"


def test_the_garbage_collector_is_back_on_after_a_command(make_registry: RegistryFactory) -> None:
    registry = make_registry({"acme": ACME})
    assert gc.isenabled()
    assert compiler_main(["validate", "--registry", str(registry)]) == 0
    assert gc.isenabled()
    assert compiler_main(["validate", "--registry", str(registry / "nowhere")]) == 2
    assert gc.isenabled()
