"""``llm-registry sync``, run as a real subprocess against a loopback listing and a copy of the
curated registry: the diff adds and deprecates, a listing that shrank by more than half is
refused unless --force, --write keeps comments and key order and writes only what validates,
and the key never shows."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from llm_registry.codegen.validate import validate_registry
from tests.codegen.conftest import PROJECT_ROOT, codegen_env
from tests.loopback import LoopbackServer
from tests.loopback.responders import json_body

KEY = "sk-sync-SECRET-4c1e9b7a"
LISTED = ("gpt-5.5", "gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano", "gpt-6")


@pytest.fixture(scope="module")
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as running:
        yield running


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    copy = tmp_path / "registry"
    shutil.copytree(PROJECT_ROOT / "registry", copy)
    return copy


def listing(server: LoopbackServer, scenario: str, ids: tuple[str, ...]) -> str:
    root = server.base_url(scenario, "openai")
    models = [{"id": model_id, "object": "model", "owned_by": "openai"} for model_id in ids]
    server.route(root.removeprefix(server.origin) + "/models", json_body({"data": models}))
    return root


def run_sync(registry: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llm_registry.codegen", "sync", "--registry", str(registry), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=codegen_env(OPENAI_API_KEY=KEY),
    )


def test_the_diff_adds_and_deprecates(server: LoopbackServer, registry: Path) -> None:
    before = (registry / "providers" / "openai.yaml").read_text()
    root = listing(server, "sync-diff", LISTED)

    result = run_sync(registry, "openai", "--base-url", root)

    assert result.returncode == 0, result.stderr
    added = [
        line for line in result.stdout.splitlines() if line.startswith("+") and "+++" not in line
    ]
    assert "+  - id: gpt-6" in added
    assert any("context_window: 128000  # review:" in line for line in added)
    assert "+    deprecated: true" in added  # gpt-4.1, absent from the listing
    assert not [
        line for line in result.stdout.splitlines() if line.startswith("-") and "---" not in line
    ]
    assert "1 added, 1 deprecated" in result.stderr
    assert (registry / "providers" / "openai.yaml").read_text() == before  # a proposal only
    assert server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in result.stdout + result.stderr


def test_a_listing_that_shrank_by_more_than_half_is_refused(
    server: LoopbackServer, registry: Path
) -> None:
    root = listing(server, "sync-shrunk", ("gpt-5.5", "gpt-6"))

    refused = run_sync(registry, "openai", "--base-url", root)
    assert refused.returncode == 1
    assert refused.stdout == ""
    assert "fewer than half" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr

    forced = run_sync(registry, "openai", "--base-url", root, "--force")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.count("+    deprecated: true") == 4
    assert "1 added, 4 deprecated" in forced.stderr


def test_write_keeps_comments_and_validates(server: LoopbackServer, registry: Path) -> None:
    path = registry / "providers" / "openai.yaml"
    before = path.read_text()
    root = listing(server, "sync-write", LISTED)

    result = run_sync(registry, "openai", "--base-url", root, "--write")

    assert result.returncode == 0, result.stderr
    after = path.read_text()
    assert after != before
    # Every line of the old file is still there, in order (comments and key order kept).
    remaining = iter(after.splitlines())
    assert all(line in remaining for line in before.splitlines())
    assert "  - id: gpt-6" in after and "# review:" in after
    assert not validate_registry(registry).diagnostics
    again = run_sync(registry, "openai", "--base-url", root)
    assert again.returncode == 0 and again.stdout == ""  # now up to date


def test_a_write_that_would_not_validate_is_refused(server: LoopbackServer, registry: Path) -> None:
    path = registry / "providers" / "openai.yaml"
    # A descriptor the rules refuse (a plain-http docs page, E308): the result would not
    # validate either, so nothing is written.
    broken = path.read_text().replace("docs_url: https://", "docs_url: http://")
    path.write_text(broken)
    root = listing(server, "sync-invalid", LISTED)

    result = run_sync(registry, "openai", "--base-url", root, "--write")

    assert result.returncode == 1
    assert "E308" in result.stderr and "not written" in result.stderr
    assert path.read_text() == broken


def test_an_unreachable_listing_is_one_line(registry: Path) -> None:
    with LoopbackServer() as closed:
        root = closed.base_url("gone", "openai")
    result = run_sync(registry, "openai", "--base-url", root)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and KEY not in result.stderr
    assert result.stderr.strip().startswith("error: openai:")
