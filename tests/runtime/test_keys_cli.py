"""``llm-registry keys set|list|delete`` in real subprocesses, on the test registry, with the
file key store (keyring has no backend in tests: see tests/conftest.py), and the stored key
then used by ``chat`` and ``models --refresh`` against the loopback server, with no variable
set; then ``--var``: a base-URL variable stored, listed, used by ``chat`` and removed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llm_registry.runtime._keystore import default_key_file
from tests.discovery.listings import openai_listing
from tests.fixture_registry import TEST_REGISTRY_DIR, TEST_REGISTRY_PACKAGE, CompiledRegistry
from tests.loopback import LoopbackServer
from tests.loopback.hostile import ECHO_PREFIX
from tests.loopback.responders import json_body

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-wire-STORED-8e2f6a1c9d3b"
ENV_KEY = "sk-ant-ENV-SECRET-41f0c2d9e8"
MASK = "\u2022" * 4
MASKED = MASK + KEY[-4:]


@pytest.fixture(autouse=True)
def _child_environment(
    compiled_registry: CompiledRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Children see the test registry, and no key but the ones a test sets."""
    for name in [name for name in os.environ if name.endswith("_API_KEY")]:
        monkeypatch.delenv(name)
    paths = [str(PROJECT_ROOT), str(compiled_registry.import_root)]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))


def _run(
    *args: str, stdin: str | None = None, package: str = TEST_REGISTRY_PACKAGE, **env: str
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "llm_registry.runtime", *args, "--package", package],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    for secret in (KEY, ENV_KEY):
        assert secret not in result.stdout and secret not in result.stderr
    assert "Traceback" not in result.stderr
    return result


def _set(provider: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return _run("keys", "set", provider, stdin=stdin)


def test_set_reads_stdin_stores_0600_and_says_where_masked() -> None:
    result = _set("wire-openai", f"{KEY}\nignored second line\n")
    assert result.returncode == 0, result.stderr
    key_file = default_key_file()
    assert result.stdout == f"stored the Wire OpenAI key {MASKED} in the file {key_file}\n"
    assert json.loads(key_file.read_text())["keys"] == {"wire-openai": KEY}
    assert key_file.stat().st_mode & 0o777 == 0o600


def test_list_says_the_store_then_where_each_key_comes_from() -> None:
    assert _set("wire-openai", KEY).returncode == 0
    result = _run("keys", "list", WIRE_ANTHROPIC_API_KEY=ENV_KEY)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"key store: the file {default_key_file()}"
    keys_table = lines[: lines.index("")]
    rows = {line.split()[0]: line.split()[1:] for line in keys_table[2:]}
    assert lines[1].split() == ["PROVIDER", "KEY", "FROM", "KEY"]
    assert rows == {
        "wire-openai": ["key", "store", MASKED],
        "wire-anthropic": ["env", "WIRE_ANTHROPIC_API_KEY", MASK + ENV_KEY[-4:]],
        "wire-gemini": ["missing", "-"],
        "wire-aggregator": ["missing", "-"],
        "wire-custom": ["missing", "-"],
        "wire-templated": ["missing", "-"],
    }  # the keyless wire-local is not listed


def test_delete_removes_the_stored_key_and_says_so_when_there_is_none() -> None:
    assert _set("wire-openai", KEY).returncode == 0
    removed = _run("keys", "delete", "wire-openai")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout == f"removed the Wire OpenAI key from the file {default_key_file()}\n"
    assert json.loads(default_key_file().read_text())["keys"] == {}
    again = _run("keys", "delete", "wire-openai")
    assert again.returncode == 0
    assert again.stdout.startswith("no Wire OpenAI key in the file ")


@pytest.mark.parametrize(
    ("args", "stdin", "phrase"),
    [
        (("set", "no-such-provider"), KEY, "unknown provider 'no-such-provider'"),
        (("delete", "no-such-provider"), "", "unknown provider 'no-such-provider'"),
        (("set", "wire-local"), KEY, "takes no API key"),
        (("set", "wire-openai"), "\n", "is empty"),
        (("set", "wire-openai"), "sk-wire-STORED-\u00e9-8e2f6a1c9d3b\n", "non-ASCII"),
    ],
)
def test_bad_input_is_one_error_line_and_stores_nothing(
    args: tuple[str, ...], stdin: str, phrase: str
) -> None:
    result = _run("keys", *args, stdin=stdin)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: config: ") and phrase in lines[0]
    assert "STORED" not in result.stderr
    assert not default_key_file().exists()


def test_a_key_on_the_command_line_is_refused_unquoted() -> None:
    result = _run("keys", "set", "wire-openai", KEY)
    assert result.returncode == 2
    assert "never taken from the command line" in result.stderr
    assert not default_key_file().exists()


def test_a_key_after_an_option_is_not_echoed_by_the_usage_error() -> None:
    # After an option, the key is an argument argparse does not know, which it would quote.
    result = _run("keys", "set", "wire-openai", "--package", "wire_registry", KEY, "--bogus")
    assert result.returncode == 2
    assert KEY not in result.stderr and KEY[:8] not in result.stderr
    assert "--bogus" in result.stderr
    assert "1 more not shown in case one is a key" in result.stderr
    assert not default_key_file().exists()


def test_a_loose_key_file_is_reported_by_list_and_used_by_nothing() -> None:
    assert _set("wire-openai", KEY).returncode == 0
    default_key_file().chmod(0o644)
    result = _run("keys", "list")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and f"chmod 600 {default_key_file()}" in lines[0]  # said once
    rows = [line.split() for line in result.stdout.splitlines()[2:]]
    assert ["wire-openai", "unusable", "-"] in rows
    chat = _run("chat", "wire-openai::plain-model", "hi")
    assert chat.returncode == 1 and "chmod 600" in chat.stderr


def test_chat_uses_the_stored_key_and_never_prints_it(llm_server: LoopbackServer) -> None:
    assert _set("wire-openai", KEY).returncode == 0
    chat = ("chat", "wire-openai::plain-model", "hi")
    result = _run(*chat, "--base-url", llm_server.base_url("echo-key", "openai"))
    assert result.returncode == 0, result.stderr
    assert llm_server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    # The server echoed it: scrubbed like a key from the environment.
    assert result.stdout == f"{ECHO_PREFIX}[REDACTED].\n"


def test_chat_without_any_key_points_to_keys_set(llm_server: LoopbackServer) -> None:
    result = _run(
        "chat", "wire-openai::plain-model", "hi", "--base-url", llm_server.base_url("ok", "openai")
    )
    assert result.returncode == 1
    assert "llm-registry keys set wire-openai" in result.stderr
    assert llm_server.requests == []


def test_models_refresh_lists_with_the_stored_key(tmp_path: Path) -> None:
    assert _set("wire-openai", KEY).returncode == 0
    with LoopbackServer() as server:
        server.route("/v1/models", json_body(openai_listing(["stored-key-model"])))
        result = _run(
            "models",
            "wire-openai",
            "--refresh",
            "--base-url",
            f"{server.origin}/v1",
            "--db",
            str(tmp_path / "models.db"),
            "--json",
        )
        sent = server.requests[-1]
    assert result.returncode == 0, result.stderr
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    answer = json.loads(result.stdout)
    assert answer["source"] == "api"
    assert "wire-openai::stored-key-model" in [model["id"] for model in answer["models"]]


# --- base-URL variables ---------------------------------------------------------------------

VARS_PACKAGE = "vars_registry"
TEMPLATED = "wire-templated"
SCENARIO = "ok"  # the loopback server's chat scenario that streams a short reply
# A key pasted where a value goes: it must not be echoed by any error.
PASTED_KEY = "sk-Pasted/KEY-0f3c9e1d7b2a"


@pytest.fixture(scope="module")
def vars_registry(
    _session_server: LoopbackServer, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """tests/registry/ with wire-templated's base URL on the loopback server, its {resource}
    the chat scenario's path segment, compiled into ``vars_registry``; returns the folder to
    put on the import path."""
    from llm_registry.codegen.pipeline import compile_registry
    from llm_registry.codegen.writer import write_tree

    root = tmp_path_factory.mktemp("vars")
    source = root / "registry"
    shutil.copytree(TEST_REGISTRY_DIR, source)
    descriptor = source / "providers" / f"{TEMPLATED}.yaml"
    url = _session_server.base_url("{resource}", "openai")
    text = re.sub(r"(?m)^base_url: .*$", f"base_url: {url}", descriptor.read_text("utf-8"))
    descriptor.write_text(text, "utf-8")
    import_root = root / "import"
    write_tree(import_root / VARS_PACKAGE, compile_registry(source))
    return import_root


@pytest.fixture
def templated(
    vars_registry: Path, llm_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> LoopbackServer:
    """The loopback server, with ``vars_registry`` (pointing at it) importable by children."""
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(vars_registry), os.environ["PYTHONPATH"]])
    )
    monkeypatch.delenv("WIRE_TEMPLATED_RESOURCE", raising=False)
    return llm_server


def _vars(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    result = _run(*args, package=VARS_PACKAGE, **env)
    assert PASTED_KEY not in result.stdout + result.stderr
    assert PASTED_KEY.split("/")[0] not in result.stdout + result.stderr
    return result


def _stored() -> dict[str, str]:
    if not default_key_file().exists():
        return {}
    keys: dict[str, str] = json.loads(default_key_file().read_text())["keys"]
    return keys


def _variable_rows(stdout: str) -> dict[tuple[str, str], list[str]]:
    lines = stdout.splitlines()
    table = lines[lines.index("") + 1 :]
    assert table[0].split() == ["PROVIDER", "VARIABLE", "FROM", "VALUE"]
    return {(row.split()[0], row.split()[1]): row.split()[2:] for row in table[1:]}


def test_a_stored_variable_is_listed_and_builds_the_url_chat_uses(
    templated: LoopbackServer,
) -> None:
    stored = _vars("keys", "set", TEMPLATED, "--var", f"resource={SCENARIO}")
    assert stored.returncode == 0, stored.stderr
    assert stored.stdout == (
        f"stored the Wire Templated variable resource (Resource name) in the file "
        f"{default_key_file()}\n"
    )
    assert _stored() == {f"{TEMPLATED}:resource": SCENARIO}
    listed = _vars("keys", "list")
    assert listed.returncode == 0, listed.stderr
    assert _variable_rows(listed.stdout) == {(TEMPLATED, "resource"): ["key", "store", SCENARIO]}

    chat = _vars("chat", f"{TEMPLATED}::templated-model", "hi", WIRE_TEMPLATED_API_KEY=ENV_KEY)
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout.strip()
    sent = templated.requests[-1]
    assert sent.path == f"/{SCENARIO}/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {ENV_KEY}"


def test_the_environment_comes_before_the_store_and_list_says_so(
    templated: LoopbackServer,
) -> None:
    assert _vars("keys", "set", TEMPLATED, "--var", "resource=elsewhere").returncode == 0
    env = {"WIRE_TEMPLATED_RESOURCE": SCENARIO}
    listed = _vars("keys", "list", **env)
    assert _variable_rows(listed.stdout) == {
        (TEMPLATED, "resource"): ["env", "WIRE_TEMPLATED_RESOURCE", SCENARIO]
    }
    again = _vars("keys", "set", TEMPLATED, "--var", "resource=other", **env)
    assert "note: WIRE_TEMPLATED_RESOURCE is set here" in again.stdout
    chat = _vars(
        "chat", f"{TEMPLATED}::templated-model", "hi", WIRE_TEMPLATED_API_KEY=ENV_KEY, **env
    )
    assert chat.returncode == 0, chat.stderr
    assert templated.requests[-1].path == f"/{SCENARIO}/v1/chat/completions"


def test_delete_removes_the_value_and_chat_then_names_the_variable(
    templated: LoopbackServer,
) -> None:
    assert _vars("keys", "set", TEMPLATED, "--var", f"resource={SCENARIO}").returncode == 0
    removed = _vars("keys", "delete", TEMPLATED, "--var", "resource")
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.startswith("removed the Wire Templated variable resource ")
    assert _stored() == {}
    again = _vars("keys", "delete", TEMPLATED, "--var", "resource")
    assert again.returncode == 0 and "nothing removed" in again.stdout
    listed = _vars("keys", "list")
    assert _variable_rows(listed.stdout) == {(TEMPLATED, "resource"): ["missing", "-"]}
    chat = _vars("chat", f"{TEMPLATED}::templated-model", "hi", WIRE_TEMPLATED_API_KEY=ENV_KEY)
    assert chat.returncode == 1
    assert "{resource}" in chat.stderr and "WIRE_TEMPLATED_RESOURCE" in chat.stderr
    assert templated.requests == []


@pytest.mark.parametrize(
    ("assignment", "phrase"),
    [
        (f"resource={PASTED_KEY}", "variable 'resource' holds a character"),
        ("resource=Upper-Case", "variable 'resource' does not match its pattern"),
        ("resource=", "the value for 'resource' is empty"),
        (PASTED_KEY, "--var takes NAME=VALUE"),
        (f"{PASTED_KEY}=x", "has no such variable; its variables: resource (Resource name)"),
        ("region=x", "has no such variable; its variables: resource (Resource name)"),
    ],
)
def test_a_bad_variable_is_a_usage_error_that_never_echoes_the_value(
    templated: LoopbackServer, assignment: str, phrase: str
) -> None:
    result = _vars("keys", "set", TEMPLATED, "--var", assignment)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and phrase in errors[0]
    assert result.stderr.startswith("usage: ")
    assert _stored() == {}


def test_a_provider_without_variables_says_so(templated: LoopbackServer) -> None:
    result = _vars("keys", "set", "wire-openai", "--var", "resource=x")
    assert result.returncode == 2
    assert "Wire OpenAI (wire-openai) has no base-URL variables" in result.stderr
    deleted = _vars("keys", "delete", "wire-openai", "--var", "resource")
    assert deleted.returncode == 2 and "has no base-URL variables" in deleted.stderr


def test_list_shows_an_unusable_value_as_unusable_without_the_value(
    templated: LoopbackServer,
) -> None:
    result = _vars("keys", "list", WIRE_TEMPLATED_RESOURCE=PASTED_KEY)
    assert result.returncode == 1
    assert _variable_rows(result.stdout) == {(TEMPLATED, "resource"): ["unusable", "-"]}
    assert "variable 'resource' (from WIRE_TEMPLATED_RESOURCE) holds a character" in result.stderr


def test_help_documents_var() -> None:
    for action in ("set", "delete"):
        result = _run("keys", action, "--help")
        assert result.returncode == 0
        assert "--var" in result.stdout
    overview = _run("keys", "--help")
    assert "keys set PROVIDER --var NAME=VALUE" in overview.stdout


def test_refresh_says_which_variable_a_skipped_provider_lacks(tmp_path: Path) -> None:
    db = str(tmp_path / "models.db")
    result = _run("refresh", "--db", db, "--timeout", "2", WIRE_TEMPLATED_API_KEY=ENV_KEY)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        "skipped (no API key): wire-openai, wire-anthropic, wire-gemini, wire-aggregator" in lines
    )
    assert (
        "skipped wire-templated: no value for {resource} (Resource name); set "
        "WIRE_TEMPLATED_RESOURCE, or run `llm-registry keys set wire-templated --var "
        "resource=VALUE`"
    ) in lines
    assert _run("keys", "set", TEMPLATED, "--var", "resource=elsewhere").returncode == 0
    again = _run("refresh", "--db", db, "--timeout", "2", WIRE_TEMPLATED_API_KEY=ENV_KEY)
    assert "skipped wire-templated" not in again.stdout
    assert "wire-templated" in again.stdout  # tried now, and its failure said
