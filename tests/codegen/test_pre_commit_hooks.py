"""The pre-commit hooks an app's .pre-commit-config.yaml can name: what pre-commit reads."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from typing import Any

import yaml

from tests.codegen.conftest import PROJECT_ROOT


def hooks() -> dict[str, dict[str, Any]]:
    manifest = yaml.safe_load((PROJECT_ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    return {hook["id"]: hook for hook in manifest}


def test_the_hooks_run_the_command_on_the_registry_without_file_names() -> None:
    found = hooks()
    assert sorted(found) == ["llm-registry-check", "llm-registry-validate"]
    for hook_id, hook in found.items():
        assert hook["language"] == "python" and hook["pass_filenames"] is False
        command = shlex.split(hook["entry"])
        assert command == ["llm-registry", hook_id.removeprefix("llm-registry-")]
        files = re.compile(hook["files"])
        assert files.search("registry/providers/acme.yaml")
        assert files.search("pyproject.toml")
        assert not files.search("src/app.py")
        # The command exists as the hook names it.
        help_text = subprocess.run(
            [sys.executable, "-m", "llm_registry.runtime", *command[1:], "--help"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert help_text.returncode == 0, help_text.stderr
    assert re.compile(found["llm-registry-check"]["files"]).search("generated/seed.sql")


def test_the_hooks_install_the_codegen_extra_as_pinned() -> None:
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text("utf-8"))
    extra = pyproject["project"]["optional-dependencies"]["codegen"]
    for hook in hooks().values():
        assert hook["additional_dependencies"] == extra
