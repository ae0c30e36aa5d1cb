"""The CLI as a new user runs it: `python -m llm_registry.runtime seed|models|refresh` in a
subprocess, serving the test registry (``--package``).

Live server → source api; server stopped → cache; fresh database and no server → fallback with
the registry's defaults. The key never appears in any output or in the database files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from llm_registry.runtime import load_registry, providers
from tests.discovery.conftest import (
    KEY,
    PROJECT_ROOT,
    database_bytes,
    registry_provider,
    scrubbed_environment,
)
from tests.discovery.listings import openai_listing
from tests.fixture_registry import TEST_REGISTRY_PACKAGE, CompiledRegistry
from tests.loopback import LoopbackServer
from tests.loopback.responders import json_body, raw_body, redirect


@pytest.fixture(autouse=True)
def _importable_test_registry(
    compiled_registry: CompiledRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test registry's package importable by the commands run here."""
    paths = [str(PROJECT_ROOT), str(compiled_registry.import_root)]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))


def command(*args: str) -> list[str]:
    """The command line of ``llm-registry args…`` serving the test registry."""
    return [sys.executable, "-m", "llm_registry.runtime", *args, "--package", TEST_REGISTRY_PACKAGE]


def cli(*args: str, key: bool = True, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = scrubbed_environment(**({"WIRE_OPENAI_API_KEY": KEY} if key else {}))
    completed = subprocess.run(
        command(*args),
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    # Whatever happened: no key, no traceback.
    assert KEY not in completed.stdout and KEY not in completed.stderr
    assert "Traceback" not in completed.stderr
    return completed


def models_json(*args: str, key: bool = True) -> dict[str, object]:
    completed = cli("models", *args, "--json", key=key)
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.strip().splitlines()
    assert len(lines) == 1, "exactly one JSON object"
    data = json.loads(lines[0])
    assert isinstance(data, dict)
    return data


def ids(data: dict[str, object]) -> list[str]:
    return [str(m["id"]) for m in model_list(data)]


def model_list(data: dict[str, object]) -> list[dict[str, object]]:
    models = data["models"]
    assert isinstance(models, list)
    return models


def hidden_flags(data: dict[str, object]) -> dict[object, object]:
    return {m["id"]: m["is_hidden"] for m in model_list(data)}


def test_live_then_cache_then_fallback(tmp_path: Path) -> None:
    db = tmp_path / "tmp.db"
    with LoopbackServer() as server:
        server.route("/v1/models", json_body(openai_listing(["plain-model", "gpt-cli-new"])))
        base_url = f"{server.origin}/v1"
        live = models_json("wire-openai", "--refresh", "--base-url", base_url, "--db", str(db))
        assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"

    assert (live["provider"], live["source"], live["error"]) == ("wire-openai", "api", None)
    assert ids(live) == ["wire-openai::plain-model", "wire-openai::gpt-cli-new"]
    first = model_list(live)[0]
    assert {"id", "display_name", "context_window", "attachments", "is_hidden"} <= set(first)

    # The server is gone: the cache answers, fresh without a request, stale with the reason.
    cached = models_json("wire-openai", "--base-url", base_url, "--db", str(db))
    assert (cached["source"], cached["error"]) == ("cache", None)
    assert ids(cached) == ids(live)
    stale = models_json(
        "wire-openai", "--refresh", "--base-url", base_url, "--db", str(db), "--timeout", "1"
    )
    assert stale["source"] == "cache"
    assert isinstance(stale["error"], dict) and stale["error"]["kind"] == "unavailable"
    assert ids(stale) == ids(live)

    # A fresh database and no server: the registry's defaults, within the timeout.
    fresh = models_json(
        "wire-openai",
        "--refresh",
        "--base-url",
        base_url,
        "--db",
        str(tmp_path / "fresh.db"),
        "--timeout",
        "1",
    )
    assert fresh["source"] == "fallback"
    assert ids(fresh) == [
        f"wire-openai::{m.id}" for m in registry_provider("wire-openai").default_models
    ]
    assert isinstance(fresh["error"], dict) and "could not connect" in fresh["error"]["message"]

    for path in (db, tmp_path / "fresh.db"):
        assert KEY.encode() not in database_bytes(path)


def test_table_output(tmp_path: Path) -> None:
    with LoopbackServer() as server:
        server.route("/v1/models", json_body(openai_listing(["plain-model", "gpt-cli-new"])))
        completed = cli(
            "models",
            "wire-openai",
            "--base-url",
            f"{server.origin}/v1",
            "--db",
            str(tmp_path / "t.db"),
        )
    assert completed.returncode == 0, completed.stderr
    header, *lines = completed.stdout.splitlines()
    assert header == "wire-openai: 2 models from api"
    assert lines[0].split()[0] == "wire-openai::plain-model"
    assert "gpt-cli-new" in lines[1]


def test_one_model_is_one_model(tmp_path: Path) -> None:
    with LoopbackServer() as server:
        server.route("/v1/models", json_body(openai_listing(["gpt-cli-only"])))
        completed = cli(
            "models",
            "wire-openai",
            "--base-url",
            f"{server.origin}/v1",
            "--db",
            str(tmp_path / "o.db"),
        )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines()[0] == "wire-openai: 1 model from api"


def test_hostile_listing_still_exits_zero_with_the_reason(tmp_path: Path) -> None:
    with LoopbackServer() as server, LoopbackServer("127.0.0.2") as elsewhere:
        server.route("/v1/models", redirect(f"{elsewhere.origin}/v1/models"))
        elsewhere.route("/v1/models", json_body(openai_listing(["plain-model"])))
        data = models_json(
            "wire-openai",
            "--base-url",
            f"{server.origin}/v1",
            "--db",
            str(tmp_path / "h.db"),
            "--timeout",
            "1",
        )
        assert elsewhere.requests == []
    assert data["source"] == "fallback"
    assert isinstance(data["error"], dict) and "another host" in data["error"]["message"]

    with LoopbackServer() as server:
        server.route("/v1/models", raw_body(b"<html>login</html>"))
        completed = cli(
            "models",
            "wire-openai",
            "--base-url",
            f"{server.origin}/v1",
            "--db",
            str(tmp_path / "h.db"),
            "--timeout",
            "1",
        )
    assert completed.returncode == 0
    assert "fallback (unavailable:" in completed.stdout and "not JSON" in completed.stdout


def test_auth_failure_names_the_key_without_showing_it(tmp_path: Path) -> None:
    with LoopbackServer() as server:
        server.route(
            "/v1/models",
            json_body({"error": {"message": f"Incorrect API key provided: {KEY}"}}, status=401),
        )
        data = models_json(
            "wire-openai", "--base-url", f"{server.origin}/v1", "--db", str(tmp_path / "a.db")
        )
    assert data["source"] == "fallback"
    assert isinstance(data["error"], dict)
    assert data["error"]["kind"] == "auth" and "WIRE_OPENAI_API_KEY" in data["error"]["message"]


def test_seed_hide_show(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    seeded = cli("seed", "--db", db)
    assert seeded.returncode == 0, seeded.stderr
    registered = providers(registry=load_registry(TEST_REGISTRY_PACKAGE))
    total = sum(len(p.default_models) for p in registered)
    assert seeded.stdout.strip().endswith(f"{len(registered)} providers, {total} models")
    assert cli("seed", "--db", db).stdout == seeded.stdout  # idempotent

    hidden = cli("models", "hide", "wire-openai::plain-model", "--db", db)
    assert (hidden.returncode, hidden.stdout.strip()) == (0, "hidden: wire-openai::plain-model")
    listing = models_json("wire-openai", "--db", db, key=False)
    flags = hidden_flags(listing)
    assert flags["wire-openai::plain-model"] is True and flags["wire-openai::effort-model"] is False

    assert cli("seed", "--db", db).returncode == 0
    listing = models_json("wire-openai", "--db", db, key=False)
    assert hidden_flags(listing)["wire-openai::plain-model"] is True

    shown = cli("models", "show", "wire-openai::plain-model", "--db", db)
    assert (shown.returncode, shown.stdout.strip()) == (0, "shown: wire-openai::plain-model")
    listing = models_json("wire-openai", "--db", db, key=False)
    assert hidden_flags(listing)["wire-openai::plain-model"] is False


@pytest.mark.parametrize(
    ("args", "status", "stderr_start"),
    [
        (["models", "hide", "wire-openai::no-such-model"], 1, "error: config: the model database"),
        (["models", "hide", "not-a-model-id"], 1, "error: config: invalid model id"),
        (["models", "hide", "nope::model"], 1, "error: config: unknown provider"),
        (["models", "nope"], 1, "error: config: unknown provider 'nope'"),
        (
            ["models", "wire-openai", "--base-url", "ftp://127.0.0.1/v1"],
            1,
            "error: config: invalid base URL",
        ),
        (
            ["models", "wire-openai", "--base-url", "http://[::1/v1"],
            1,
            "error: config: invalid base URL",
        ),
        (
            ["models", "wire-openai", "--base-url", "http://127.0.0.1:99999/v1"],
            1,
            "error: config: invalid base URL",
        ),
        (
            ["models", "wire-openai", "--base-url", "http://someone:hunter2@127.0.0.1:9/v1"],
            1,
            "error: config: invalid base URL",
        ),
        (["models", "wire-openai", "extra"], 2, "usage:"),
        (["models", "hide"], 2, "usage:"),
        (["models", "wire-openai", "--timeout", "-1"], 2, "usage:"),
        (["models", "wire-openai", "--timeout", "soon"], 2, "usage:"),
        (["models"], 2, "usage:"),
    ],
)
def test_errors_are_one_clear_line(
    tmp_path: Path, args: list[str], status: int, stderr_start: str
) -> None:
    completed = cli(*args, "--db", str(tmp_path / "e.db"))
    assert completed.returncode == status
    assert completed.stderr.startswith(stderr_start), completed.stderr
    assert "hunter2" not in completed.stderr
    if status == 1:
        assert len(completed.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("suffix", ["?x=1", "?", "#part", "?key=QUERY-SECRET"])
def test_a_base_url_with_a_query_or_fragment_is_refused_before_any_request(
    server: LoopbackServer, tmp_path: Path, suffix: str
) -> None:
    # httpx would put the listing's path before the query and send the key to …/v1?x=1
    # without /models; a query may also carry a credential, which must not be echoed.
    server.route("/v1/models", json_body(openai_listing(["plain-model"])))
    for json_flag in ((), ("--json",)):
        completed = cli(
            "models",
            "wire-openai",
            "--refresh",
            "--base-url",
            f"{server.origin}/v1{suffix}",
            "--db",
            str(tmp_path / "q.db"),
            *json_flag,
        )
        assert completed.returncode == 1 and completed.stdout == ""
        assert completed.stderr.startswith("error: config: invalid base URL")
        assert len(completed.stderr.strip().splitlines()) == 1
        assert "QUERY-SECRET" not in completed.stderr
    assert server.requests == []


def test_a_url_that_is_not_one_is_named_as_given_also_with_json(tmp_path: Path) -> None:
    completed = cli(
        "models", "wire-openai", "--base-url", "notaurl", "--json", "--db", str(tmp_path / "n.db")
    )
    assert completed.returncode == 1 and completed.stdout == ""
    assert completed.stderr.startswith("error: config: invalid base URL 'notaurl':")
    assert len(completed.stderr.strip().splitlines()) == 1


def test_unusable_database_path_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "dir.db").mkdir()
    completed = cli("models", "wire-openai", "--db", str(tmp_path / "dir.db"))
    assert completed.returncode == 1
    assert completed.stderr.startswith("error: config: cannot open the model database")


def test_refresh_prints_a_line_per_provider(tmp_path: Path) -> None:
    # No keys in the environment: only the keyless local servers are refreshed (on loopback;
    # nothing listens there in the test, so each falls back quickly).
    completed = cli("refresh", "--db", str(tmp_path / "r.db"), "--timeout", "1", key=False)
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    keyless = [
        p.id
        for p in providers(registry=load_registry(TEST_REGISTRY_PACKAGE))
        if p.api_key is None and p.discovery.dialect != "none"
    ]
    noun = "provider" if len(keyless) == 1 else "providers"
    assert lines[0].startswith(f"refreshing {len(keyless)} {noun} into")
    progress = {line.split()[0]: line.split() for line in lines[1:-1]}
    assert set(progress) == set(keyless)
    for words in progress.values():
        assert words[1] in ("api", "cache", "fallback")
        assert words[3] == ("model" if words[2] == "1" else "models") and words[5] == "s"
    assert lines[-1].startswith("skipped (no API key): ")
    assert "wire-openai" in lines[-1]


@pytest.mark.parametrize("command", ["seed", "models", "refresh"])
def test_help(command: str) -> None:
    completed = cli(command, "--help", key=False)
    assert completed.returncode == 0
    assert "--db" in completed.stdout


@pytest.mark.parametrize("bad_key", ["sk-part1\nsk-part2", "sk-part1-caf\u00e9-part2"], ids=repr)
def test_a_key_no_header_can_carry_is_reported_without_showing_it(
    tmp_path: Path, bad_key: str
) -> None:
    with LoopbackServer() as server:
        server.route("/v1/models", json_body(openai_listing(["plain-model"])))
        completed = subprocess.run(
            command(
                "models",
                "wire-openai",
                "--refresh",
                "--base-url",
                f"{server.origin}/v1",
                "--db",
                str(tmp_path / "k.db"),
                "--json",
            ),
            cwd=PROJECT_ROOT,
            env=scrubbed_environment(WIRE_OPENAI_API_KEY=bad_key),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert server.requests == []
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stderr
    for output in (completed.stdout, completed.stderr):
        assert "sk-part1" not in output and "part2" not in output
    data = json.loads(completed.stdout)
    assert data["source"] == "fallback"
    assert data["error"]["kind"] == "config"
    assert "WIRE_OPENAI_API_KEY" in data["error"]["message"]
