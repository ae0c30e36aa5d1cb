"""`llm-registry serve` as a command: a key saved on the page is the key every other command
uses, with no environment variable; and the options it refuses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from tests import loopback
from tests.loopback import LoopbackServer
from tests.serve.conftest import GOOD_KEY, LISTED, PACKAGE, Page, opened_client, page_env


def test_a_key_saved_on_the_page_is_used_by_chat_and_models(
    page: Page, listing_server: LoopbackServer
) -> None:
    with opened_client(page) as client:
        assert client.put("/api/keys/wire-openai", json={"key": GOOD_KEY}).is_success
    assert "WIRE_OPENAI_API_KEY" not in page.env

    models = page.run_cli("models", "wire-openai", "--refresh", "--json", "--package", PACKAGE)
    assert models.returncode == 0, models.stderr
    listed = json.loads(models.stdout)
    assert listed["source"] == "api"
    assert {f"wire-openai::{m}" for m in LISTED} <= {m["id"] for m in listed["models"]}

    listing_server.clear()
    chat = page.run_cli("chat", "wire-openai::plain-model", "hello", "--package", PACKAGE)
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout.strip() == loopback.REPLY
    [request] = [r for r in listing_server.requests if r.method == "POST"]
    assert request.headers["authorization"] == f"Bearer {GOOD_KEY}"
    assert GOOD_KEY not in chat.stdout + chat.stderr + models.stdout + models.stderr


def _serve(home: Path, import_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llm_registry.runtime", "serve", "--no-browser", *args],
        cwd=home,
        env=page_env(home, import_root),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_every_address_is_refused(page_registry: Path, tmp_path: Path) -> None:
    refused = _serve(tmp_path, page_registry, "--host", "0.0.0.0")
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: config: --host 0.0.0.0 listens on every address")
    assert refused.stdout == ""


def test_a_port_that_is_no_port_or_taken_is_one_clear_line(
    page: Page, page_registry: Path, tmp_path: Path
) -> None:
    wrong = _serve(tmp_path, page_registry, "--port", "70000")
    assert wrong.returncode == 1
    assert "is not a TCP port" in wrong.stderr
    taken_port = httpx.URL(page.origin).port
    assert taken_port is not None
    taken = _serve(tmp_path, page_registry, "--port", str(taken_port), "--package", PACKAGE)
    assert taken.returncode == 1
    assert taken.stderr.startswith(f"error: config: cannot listen on 127.0.0.1:{taken_port}")
    assert "Traceback" not in wrong.stderr + taken.stderr
