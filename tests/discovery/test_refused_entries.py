"""No listing entry is dropped in silence: what discovery leaves out is counted and said, and a
placeholder key (too short to be a secret) never makes it leave anything out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from llm_registry.runtime import discover_models
from llm_registry.runtime._store.store import ModelStore
from tests.discovery.conftest import KEY, at, run
from tests.fixture_registry import TEST_REGISTRY_PACKAGE, CompiledRegistry
from tests.loopback import LoopbackServer
from tests.loopback.responders import json_body

LISTING = {
    "object": "list",
    "data": [
        {"id": "good-model"},
        "not an object",
        {"id": "has space"},
        {"id": "a::b"},
        {"name": "no id at all"},
        {"id": f"echo-{KEY}"},  # a listing that echoes the key back
    ],
}


def test_what_a_listing_leaves_out_is_counted(server: LoopbackServer, store: ModelStore) -> None:
    server.route("/v1/models", json_body(LISTING))
    result = run(
        discover_models(
            at("wire-openai", f"{server.origin}/v1"), api_keys={"wire-openai": KEY}, store=store
        )
    )
    assert result.source == "api"
    assert "wire-openai::good-model" in {model.id for model in result.models}
    assert result.refused == 5
    assert not any(KEY in model.id for model in store.models())


def test_a_placeholder_key_leaves_nothing_out(server: LoopbackServer, store: ModelStore) -> None:
    # Local servers take any key; "mock" is no secret, and must not hide "mock-large".
    server.route("/v1/models", json_body({"data": [{"id": "mock-large"}, {"id": "mockingbird"}]}))
    result = run(
        discover_models(
            at("wire-openai", f"{server.origin}/v1"), api_keys={"wire-openai": "mock"}, store=store
        )
    )
    assert result.refused == 0
    ids = {model.id for model in result.models}
    assert {"wire-openai::mock-large", "wire-openai::mockingbird"} <= ids


def test_the_models_command_says_what_was_left_out(
    server: LoopbackServer, compiled_registry: CompiledRegistry, tmp_path: Path
) -> None:
    server.route("/v1/models", json_body(LISTING))
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(WIRE_OPENAI_API_KEY=KEY, PYTHONPATH=str(compiled_registry.import_root))
    command = [sys.executable, "-m", "llm_registry.runtime", "models", "wire-openai"]
    options = ["--package", TEST_REGISTRY_PACKAGE, "--db", str(tmp_path / "m.db"), "--refresh"]
    options += ["--base-url", f"{server.origin}/v1"]
    text = subprocess.run(
        [*command, *options], capture_output=True, text=True, env=env, cwd=tmp_path, check=False
    )
    assert text.returncode == 0, text.stderr
    assert "5 listing entries left out" in text.stdout.splitlines()[0]
    as_json = subprocess.run(
        [*command, *options, "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert json.loads(as_json.stdout)["refused"] == 5
    assert KEY not in text.stdout + text.stderr + as_json.stdout + as_json.stderr
