"""``llm-registry breaking``: a real git repository in a temporary folder, the CLI run as a
subprocess against a ref of it (or against another registry folder)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.codegen.conftest import ACME
from tests.codegen.test_app_cli import llm_registry

SECOND_MODEL = """\
  - id: acme-small
    display_name: Acme Small
    context_window: 32768
    max_output_tokens: 4096
    attachments: [text]
    pricing:
      input_per_million: 0.2
      output_per_million: 0.8
"""
BASE = ACME + SECOND_MODEL
WITHOUT_SMALL = ACME
SMALL_LINE = BASE.splitlines().index("  - id: acme-small") + 1

GIT_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Registry Test",
    "GIT_AUTHOR_EMAIL": "registry@example.invalid",
    "GIT_COMMITTER_NAME": "Registry Test",
    "GIT_COMMITTER_EMAIL": "registry@example.invalid",
}


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True, check=True
    )
    return result.stdout


def write(repo: Path, descriptors: dict[str, str], extra: dict[str, str] | None = None) -> None:
    providers = repo / "registry" / "providers"
    providers.mkdir(parents=True, exist_ok=True)
    for path in providers.glob("*.yaml"):
        path.unlink()
    for stem, text in descriptors.items():
        (providers / f"{stem}.yaml").write_text(text, encoding="utf-8")
    for name, text in (extra or {}).items():
        (repo / "registry" / name).write_text(text, encoding="utf-8")


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose main branch holds the base registry: acme with two models."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {"acme": BASE})
    commit(root, "base registry")
    return root


def test_a_removed_model_fails_naming_file_line_and_code(repo: Path) -> None:
    write(repo, {"acme": WITHOUT_SMALL})
    commit(repo, "remove acme-small")
    result = llm_registry("breaking", "--against", "main~1", cwd=repo)
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(f"registry/providers/acme.yaml:{SMALL_LINE}:")
    assert "error[B002]" in result.stdout and "'acme-small'" in result.stdout
    assert "at main~1]" in result.stdout  # the line is the old file's, and says so
    annotated = llm_registry(
        "breaking", "--against", "main~1", "--error-format", "github-actions", cwd=repo
    )
    assert annotated.returncode == 1
    assert annotated.stdout.startswith(
        f"::error file=registry/providers/acme.yaml,line={SMALL_LINE},"
    )
    assert "title=B002 model-removed::" in annotated.stdout


def test_the_working_tree_is_compared_and_nothing_is_checked_out(repo: Path) -> None:
    write(repo, {"acme": WITHOUT_SMALL})  # not committed
    result = llm_registry("breaking", "--against", "main", cwd=repo)
    assert result.returncode == 1 and "error[B002]" in result.stdout
    assert (repo / "registry/providers/acme.yaml").read_text() == WITHOUT_SMALL
    assert git(repo, "status", "--porcelain").strip() == "M registry/providers/acme.yaml"


def test_deprecating_then_removing_a_model_passes(repo: Path) -> None:
    deprecated = BASE.replace(
        "      output_per_million: 0.8\n", "      output_per_million: 0.8\n    deprecated: true\n"
    )
    write(repo, {"acme": deprecated})
    first = llm_registry("breaking", "--against", "main", cwd=repo)
    assert first.returncode == 0, first.stdout
    assert "no breaking changes against main" in first.stderr
    commit(repo, "deprecate acme-small")
    write(repo, {"acme": WITHOUT_SMALL})
    commit(repo, "remove acme-small")
    second = llm_registry("breaking", "--against", "main~1", cwd=repo)
    assert second.returncode == 0, second.stdout
    assert second.stdout == ""


def test_a_reduced_context_window_is_reported_where_it_now_is(repo: Path) -> None:
    write(repo, {"acme": BASE.replace("context_window: 32768", "context_window: 16384")})
    result = llm_registry("breaking", "--against", "main", cwd=repo)
    line = BASE.splitlines().index("    context_window: 32768") + 1
    assert result.returncode == 1
    assert result.stdout.startswith(f"registry/providers/acme.yaml:{line}:21: error[B006]:")
    assert "from 32768 to 16384" in result.stdout


ALLOW_LIST = """\
allow:
  - code: B002
    provider: acme
    model: acme-small
    reason: "retired by Acme; apps move to acme-large"
"""


def test_an_allow_list_entry_with_a_reason_allows_the_break_as_a_note(repo: Path) -> None:
    write(repo, {"acme": WITHOUT_SMALL}, {"breaking-allow.yaml": ALLOW_LIST})
    result = llm_registry("breaking", "--against", "main", cwd=repo)
    assert result.returncode == 0, result.stdout
    assert "note[B002]" in result.stdout
    assert "allowed by registry/breaking-allow.yaml:2: retired by Acme" in result.stdout
    as_json = llm_registry("breaking", "--against", "main", "--error-format", "json", cwd=repo)
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert records[0]["severity"] == "note" and records[0]["code"] == "B002"
    assert records[-1] == {
        "summary": True,
        "errors": 0,
        "warnings": 0,
        "files": 1,
        "exit": 0,
        "notes": 1,
    }
    annotated = llm_registry(
        "breaking", "--against", "main", "--error-format", "github-actions", cwd=repo
    )
    assert annotated.stdout.startswith("::notice file=registry/providers/acme.yaml,")


def test_an_allow_list_entry_without_a_reason_allows_nothing(repo: Path) -> None:
    unreasoned = ALLOW_LIST.replace('    reason: "retired by Acme; apps move to acme-large"\n', "")
    write(repo, {"acme": WITHOUT_SMALL}, {"breaking-allow.yaml": unreasoned})
    result = llm_registry("breaking", "--against", "main", cwd=repo)
    assert result.returncode == 1
    assert "registry/breaking-allow.yaml:2:5: error[B090]: reason is required" in result.stdout
    assert "error[B002]" in result.stdout


def test_allow_on_the_command_line(repo: Path) -> None:
    write(repo, {"acme": WITHOUT_SMALL})
    allowed = llm_registry("breaking", "--against", "main", "--allow", "B006,B002", cwd=repo)
    assert allowed.returncode == 0 and "note[B002]" in allowed.stdout
    assert "(--allow B002)" in allowed.stdout
    unknown = llm_registry("breaking", "--against", "main", "--allow", "W001", cwd=repo)
    assert unknown.returncode == 2 and "not a breaking-change code" in unknown.stderr


def test_a_missing_ref_is_a_usage_error_saying_how_to_fetch_it(repo: Path) -> None:
    result = llm_registry("breaking", "--against", "origin/main", cwd=repo)
    assert result.returncode == 2
    assert "'origin/main' is not in this repository" in result.stderr
    assert "git fetch --depth=1 origin main:refs/remotes/origin/main" in result.stderr
    option_like = llm_registry("breaking", "--against=--output=x", cwd=repo)
    assert option_like.returncode == 2


def test_outside_a_git_repository_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, {"acme": BASE})
    result = llm_registry("breaking", "--against", "main", cwd=tmp_path)
    assert result.returncode == 2
    assert "not inside a git repository" in result.stderr and "--against-dir" in result.stderr


def test_a_shallow_clone_works_once_the_ref_is_fetched(repo: Path, tmp_path: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, {"acme": WITHOUT_SMALL})
    commit(repo, "remove acme-small")
    clone = tmp_path / "clone"
    url = f"file://{repo}"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        "--single-branch",
        url,
        "clone",
    )
    missing = llm_registry("breaking", "--against", "origin/main", cwd=clone)
    assert missing.returncode == 2
    assert "is not in this shallow clone" in missing.stderr
    git(clone, "fetch", "-q", "--depth=1", "origin", "main:refs/remotes/origin/main")
    result = llm_registry("breaking", "--against", "origin/main", cwd=clone)
    assert result.returncode == 1
    assert f"registry/providers/acme.yaml:{SMALL_LINE}:" in result.stdout
    assert "error[B002]" in result.stdout


def test_an_invalid_descriptor_at_the_ref_is_reported_not_a_traceback(repo: Path) -> None:
    write(repo, {"acme": BASE, "broken": "id: [unclosed\n"})
    commit(repo, "a broken file")
    write(repo, {"acme": BASE, "broken": ACME.replace("acme", "broken")})
    result = llm_registry("breaking", "--against", "main", cwd=repo)
    assert result.returncode == 0, result.stdout
    assert "registry/providers/broken.yaml: warning[W091]" in result.stdout
    assert "not a valid descriptor (E102" in result.stdout


def test_a_new_registry_has_nothing_to_break(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "README").write_text("no registry yet\n")
    commit(root, "empty")
    write(root, {"acme": BASE})
    result = llm_registry("breaking", "--against", "main", cwd=root)
    assert result.returncode == 0 and result.stdout == ""


KEYLESS = BASE.replace(
    """api_key:
  env: ACME_API_KEY
  placeholder: "acme-..."
  url: https://console.acme.example/keys
""",
    "api_key: null\n",
)


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (BASE, BASE.replace("ACME_API_KEY", "ACME_KEY"), "B003"),
        (KEYLESS, BASE, "B003"),
        (BASE, BASE.replace("openai_compatible", "anthropic"), "B004"),
        (BASE, BASE.replace("dialect: openai", "dialect: none"), "B005"),
        (BASE, BASE.replace("max_output_tokens: 8192", "max_output_tokens: 4096"), "B007"),
        (BASE, BASE.replace("api.acme.example", "api.acme-ai.example"), "B008"),
        (BASE, BASE + "provider_class: acme-fast\n", "B009"),
        (BASE, BASE.replace("[text, image, webpage]", "[text, webpage]"), "B010"),
        (BASE + "    tools: true\n", BASE, "B011"),
        (BASE + "    reasoning:\n      mode: always\n", BASE, "B012"),
    ],
)
def test_each_break_against_another_folder(tmp_path: Path, old: str, new: str, code: str) -> None:
    write(tmp_path / "old", {"acme": old})
    write(tmp_path / "new", {"acme": new})
    result = llm_registry(
        "breaking", "--registry", "new/registry", "--against-dir", "old/registry", cwd=tmp_path
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert [line.split(": ")[1] for line in result.stdout.splitlines()] == [f"error[{code}]"]


def test_changes_that_break_nothing_pass(tmp_path: Path) -> None:
    grown = BASE.replace("context_window: 32768", "context_window: 65536").replace(
        "api.acme.example/v1", "api.acme.example/v2"
    )
    write(tmp_path / "old", {"acme": KEYLESS})
    write(tmp_path / "new", {"acme": grown.replace("display_name: Acme AI", "display_name: Acme")})
    result = llm_registry(
        "breaking", "--registry", "new/registry", "--against-dir", "old/registry", cwd=tmp_path
    )
    assert result.returncode == 1  # keyless -> key required
    write(tmp_path / "old", {"acme": BASE})
    result = llm_registry(
        "breaking", "--registry", "new/registry", "--against-dir", "old/registry", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout


def test_a_removed_provider_is_reported_at_its_old_line(tmp_path: Path) -> None:
    write(tmp_path / "old", {"acme": BASE, "other": ACME.replace("acme", "other")})
    write(tmp_path / "new", {"acme": BASE})
    result = llm_registry(
        "breaking", "--registry", "new/registry", "--against-dir", "old/registry", cwd=tmp_path
    )
    assert result.returncode == 1
    assert result.stdout.startswith("new/registry/providers/other.yaml:1:1: error[B001]")
