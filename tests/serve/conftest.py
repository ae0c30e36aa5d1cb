"""Fixtures for the settings page: a registry whose ``wire-openai`` lists its models from a
loopback server (and refuses any key but :data:`GOOD_KEY`), and ``llm-registry serve`` run as
a user runs it, in a process of its own with a file key store in a temporary config folder."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixture_registry import TEST_REGISTRY_DIR
from tests.loopback import LoopbackServer
from tests.loopback._http import Handler, Recorded

GOOD_KEY = "sk-page-good-0123456789abcdef"
WRONG_KEY = "sk-page-wrong-0123456789abcdef"
PACKAGE = "page_registry"
LISTED = ("page-alpha", "page-beta", "page-gamma")
SCENARIO = "ok"  # the loopback server's chat scenario that streams a short reply


def _keyed_listing(handler: Handler, request: Recorded) -> None:
    """An OpenAI-shaped listing for :data:`GOOD_KEY`; the provider's 401 for any other key."""
    if request.headers.get("authorization") != f"Bearer {GOOD_KEY}":
        error = {"message": "Incorrect API key provided.", "type": "invalid_request_error"}
        handler.send_json({"error": error}, status=401)
        return
    data = [{"id": model, "object": "model", "owned_by": "loopback"} for model in LISTED]
    handler.send_json({"object": "list", "data": data})


@pytest.fixture(scope="module")
def listing_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        server.route(f"/{SCENARIO}/v1/models", _keyed_listing)
        yield server


@pytest.fixture(scope="module")
def page_registry(listing_server: LoopbackServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/registry/ with wire-openai's base URL on the loopback server, compiled into
    ``page_registry``; returns the folder to put on the import path."""
    from llm_registry.codegen.pipeline import compile_registry
    from llm_registry.codegen.writer import write_tree

    root = tmp_path_factory.mktemp("page")
    source = root / "registry"
    shutil.copytree(TEST_REGISTRY_DIR, source)
    descriptor = source / "providers" / "wire-openai.yaml"
    text = descriptor.read_text(encoding="utf-8")
    # The scenario is a variable of the base URL, as an Azure resource is: the page shows it.
    url = listing_server.base_url("{scenario}", "openai")
    variables = (
        f"base_url: {url}\nvariables:\n  scenario:\n    label: Scenario\n"
        f"    placeholder: {SCENARIO}\n    pattern: '[a-z-]+'\n    default: {SCENARIO}"
    )
    descriptor.write_text(re.sub(r"(?m)^base_url: .*$", variables, text), "utf-8")
    import_root = root / "import"
    write_tree(import_root / PACKAGE, compile_registry(source))
    return import_root


@dataclass
class Page:
    """A running ``llm-registry serve``: the URL it printed, and the folders it uses."""

    url: str  # with the token, as printed
    origin: str
    token: str
    env: dict[str, str]  # the environment it runs in: the same key store for other commands
    home: Path
    process: subprocess.Popen[str]
    output: list[str]  # every line it printed after the URL, stdout and stderr

    def run_cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Another ``llm-registry`` command in the same environment (key store, database)."""
        return subprocess.run(
            [sys.executable, "-m", "llm_registry.runtime", *args],
            cwd=self.home,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
        )


def page_env(home: Path, import_root: Path) -> dict[str, str]:
    """An environment with no provider key set, a file key store under ``home`` and the page's
    registry importable."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        PYTHONPATH=os.pathsep.join([str(import_root), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        ),
    )
    return env


@pytest.fixture
def page(page_registry: Path, tmp_path: Path) -> Iterator[Page]:
    """``llm-registry serve --package page_registry --no-browser`` on a free port."""
    home = tmp_path / "home"
    home.mkdir()
    env = page_env(home, page_registry)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llm_registry.runtime",
            "serve",
            "--package",
            PACKAGE,
            "--no-browser",
            "--timeout",
            "10",
        ],
        cwd=home,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", first)
    if match is None:
        process.kill()
        rest = process.stdout.read()
        raise AssertionError(f"serve did not print its URL: {first!r}{rest!r}")
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout or ()), daemon=True)
    reader.start()
    try:
        yield Page(
            url=match.group(0),
            origin=match.group(1),
            token=match.group(2),
            env=env,
            home=home,
            process=process,
            output=output,
        )
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        reader.join(timeout=5)


def ndjson(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@contextmanager
def opened_client(page: Page) -> Iterator[httpx.Client]:
    """A client that opened the printed URL: it holds the cookie, and sends the page's CSRF
    token and origin with every request."""
    with httpx.Client(base_url=page.origin, timeout=30) as client:
        opened = client.get(f"/?token={page.token}")
        assert opened.status_code == 303
        assert opened.headers["location"] == "/"
        match = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text)
        assert match is not None
        client.headers.update({"x-csrf-token": match.group(1), "origin": page.origin})
        yield client
