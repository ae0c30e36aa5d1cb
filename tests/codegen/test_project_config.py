"""runtime/_project.py: the API the runtime's commands call to find an app's configuration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from llm_registry.runtime._project import (
    Project,
    ProjectConfigError,
    default_project,
    find_project,
    find_repository_root,
)
from tests.codegen.conftest import PROJECT_ROOT


def test_the_nearest_configured_pyproject_wins_and_paths_are_relative_to_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.llm-registry]\nregistry = "defs"\nout = "src/app/gen"\npackage = "app.gen"\n'
    )
    inner = tmp_path / "tools"
    (inner / "deep").mkdir(parents=True)
    # A nearer pyproject.toml without the table (a tool's own) does not stop the walk.
    (inner / "pyproject.toml").write_text('[project]\nname = "llm-registry-helper"\n')
    assert find_project(inner / "deep") == Project(
        root=tmp_path,
        registry=tmp_path / "defs",
        out=tmp_path / "src" / "app" / "gen",
        package="app.gen",
        config_file=tmp_path / "pyproject.toml",
    )


def test_without_a_table_there_is_no_project_and_the_defaults_are_the_roots(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "app"\n')
    (tmp_path / "sub").mkdir()
    assert find_project(tmp_path / "sub") is None
    assert default_project(tmp_path / "sub") == Project(
        tmp_path, tmp_path / "registry", tmp_path / "generated", None, None
    )
    bare = tmp_path / "sub"
    (tmp_path / "pyproject.toml").unlink()
    assert default_project(bare).registry == bare / "registry"


def test_a_partial_table_keeps_the_defaults_for_what_it_does_not_say(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.llm-registry]\nout = "gen"\n')
    project = find_project(tmp_path)
    assert project is not None
    assert (project.registry, project.out, project.package) == (
        tmp_path / "registry",
        tmp_path / "gen",
        None,
    )


@pytest.mark.parametrize(
    "text",
    [
        "[tool.llm-registry]\nregistry = [1]\n",
        '[tool.llm-registry]\npackages = "x"\n',
        "[tool]\nllm-registry = 3\n",
        "[tool.llm-registry\n",
    ],
)
def test_a_malformed_table_names_the_file(tmp_path: Path, text: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ProjectConfigError, match=str(tmp_path / "pyproject.toml")):
        find_project(tmp_path)


def test_targets_default_to_python_and_typescript_out_follows_the_output_folder(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.llm-registry]\nout = "gen"\n')
    project = find_project(tmp_path)
    assert project is not None
    assert project.targets == ("python",)
    assert project.typescript_out is None
    assert project.typescript_folder(project.out) == tmp_path / "gen" / "ts"
    assert project.typescript_folder(tmp_path / "other") == tmp_path / "other" / "ts"


def test_configured_targets_come_in_a_fixed_order_and_typescript_out_is_relative(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.llm-registry]\ntargets = ["typescript", "python"]\n'
        'typescript_out = "web/src/../src/registry"\n'
    )
    project = find_project(tmp_path)
    assert project is not None
    assert project.targets == ("python", "typescript")
    assert project.typescript_folder(tmp_path / "anything") == tmp_path / "web/src/registry"


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ('"python"', "non-empty list"),
        ("[]", "non-empty list"),
        ("[1]", "non-empty list"),
        ('["python", ["typescript"]]', "non-empty list"),
        ('["python", "rust"]', "unknown target 'rust'"),
        ('["python", "python"]', "twice"),
    ],
)
def test_malformed_targets_say_what_is_wrong(tmp_path: Path, value: str, complaint: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.llm-registry]\ntargets = {value}\n")
    with pytest.raises(ProjectConfigError, match=complaint):
        find_project(tmp_path)


def test_an_empty_typescript_out_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.llm-registry]\ntypescript_out = " "\n')
    with pytest.raises(ProjectConfigError, match="typescript_out must be a non-empty string"):
        find_project(tmp_path)


def test_the_repository_root_is_the_nearest_git(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert find_repository_root(tmp_path / "a" / "b") not in (tmp_path / "a", tmp_path / "a" / "b")
    (tmp_path / "a" / ".git").write_text("gitdir: elsewhere\n")  # a worktree's .git is a file
    assert find_repository_root(tmp_path / "a" / "b") == tmp_path / "a"


def test_this_repository_configures_its_curated_registry() -> None:
    project = find_project(PROJECT_ROOT / "runtime")
    assert project is not None
    assert (project.registry, project.out, project.package) == (
        PROJECT_ROOT / "registry",
        PROJECT_ROOT / "generated",
        "llm_registry.curated",
    )
    assert project.targets == ("python", "typescript")
    assert project.typescript_folder(project.out) == PROJECT_ROOT / "generated" / "ts"


def test_reading_the_configuration_imports_only_the_standard_library(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.llm-registry]\npackage = "app.gen"\n')
    code = (
        "import sys\n"
        "from llm_registry.runtime._project import find_project\n"
        "assert find_project().package == 'app.gen'\n"
        "heavy = {'yaml', 'jsonschema', 'jinja2', 'black', 'httpx', 'openai', 'platformdirs'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
