"""``python -m llm_registry.runtime chat``, end to end on the test registry: subprocesses
against the loopback server for the user's view (exit status, stdout, stderr, no traceback,
never the key), and ``main()`` in process for the many error paths."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llm_registry.runtime._cli.main import main
from tests import loopback
from tests.fixture_registry import TEST_REGISTRY_PACKAGE, CompiledRegistry
from tests.loopback import LoopbackServer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OPENAI_KEY = "sk-wire-CLI-SECRET-5d1e0a77c3b2"
GEMINI_KEY = "AIza-CLI-SECRET-0b9c8d7e6f"
ANTHROPIC_KEY = "sk-ant-CLI-SECRET-abcdef0123"
KEYS = {
    "WIRE_OPENAI_API_KEY": OPENAI_KEY,
    "WIRE_GEMINI_API_KEY": GEMINI_KEY,
    "WIRE_ANTHROPIC_API_KEY": ANTHROPIC_KEY,
}
# One model of the test registry (tests/registry/) per wire format; every command is given
# `--package` with the test registry's package.
OPENAI_MODEL = "wire-openai::plain-model"
MODELS = {
    "openai": OPENAI_MODEL,
    "anthropic": "wire-anthropic::budget-model",
    "gemini": "wire-gemini::gemini-model",
}


@pytest.fixture(autouse=True)
def _importable_test_registry(
    compiled_registry: CompiledRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test registry's package importable here (the session fixture) and in children."""
    paths = [str(PROJECT_ROOT), str(compiled_registry.import_root)]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(paths))


def _with_package(args: tuple[str, ...]) -> list[str]:
    return [*args, "--package", TEST_REGISTRY_PACKAGE] if args[:1] == ("chat",) else list(args)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(KEYS)
    env.update(extra)
    return env


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "llm_registry.runtime", *_with_package(args)],
        cwd=PROJECT_ROOT,
        env=_env(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )
    _assert_clean(result.stdout, result.stderr)
    return result


def _assert_clean(stdout: str, stderr: str) -> None:
    for key in KEYS.values():
        assert key not in stdout and key not in stderr
    assert "Traceback" not in stderr


def _one_error_line(stderr: str, kind: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"error: {kind}: "), stderr
    return lines[0]


# As a user runs it.


def test_an_openai_compatible_provider_streams_the_reply(llm_server: LoopbackServer) -> None:
    result = _run("chat", OPENAI_MODEL, "hello", "--base-url", llm_server.base_url("ok", "openai"))
    assert result.returncode == 0, result.stderr
    assert result.stdout == loopback.REPLY + "\n"
    assert result.stderr == ""
    sent = llm_server.requests[-1]
    assert sent.headers["authorization"] == f"Bearer {OPENAI_KEY}"  # from WIRE_OPENAI_API_KEY
    assert sent.json["model"] == "plain-model"
    assert sent.json["messages"] == [{"role": "user", "content": "hello"}]


@pytest.mark.parametrize(
    ("scenario", "kind", "phrase"),
    [
        ("401", "auth", "WIRE_OPENAI_API_KEY"),
        ("429", "rate_limit", "retry after 7s"),
        ("overflow", "context_limit", OPENAI_MODEL),
    ],
)
def test_failures_end_in_one_clear_line(
    llm_server: LoopbackServer, scenario: str, kind: str, phrase: str
) -> None:
    result = _run(
        "chat", OPENAI_MODEL, "hello", "--base-url", llm_server.base_url(scenario, "openai")
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert phrase in _one_error_line(result.stderr, kind)


def test_gemini_format_streams_the_reply(llm_server: LoopbackServer) -> None:
    result = _run(
        "chat",
        MODELS["gemini"],
        "hello",
        "--system",
        "Be brief.",
        "--base-url",
        llm_server.base_url("ok", "gemini"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == loopback.REPLY + "\n"
    sent = llm_server.requests[-1]
    assert sent.headers["x-goog-api-key"] == GEMINI_KEY
    assert sent.json["systemInstruction"] == {"parts": [{"text": "Be brief."}]}


def test_a_dropped_stream_keeps_what_arrived_and_reports_it(llm_server: LoopbackServer) -> None:
    result = _run(
        "chat", OPENAI_MODEL, "hello", "--base-url", llm_server.base_url("drop", "openai")
    )
    assert result.returncode == 1
    assert result.stdout == "".join(loopback.REPLY_PIECES[:2]) + "\n"
    _one_error_line(result.stderr, "unavailable")


def test_ctrl_c_while_streaming_stops_cleanly(llm_server: LoopbackServer) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llm_registry.runtime",
            *_with_package(("chat", OPENAI_MODEL, "hello")),
            "--base-url",
            llm_server.base_url("stall", "openai"),
        ],
        cwd=PROJECT_ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        received = ""
        deadline = time.monotonic() + 30
        # The first piece: an ending that could begin a key waits for the next piece, which a
        # stalled server never sends.
        while loopback.REPLY_PIECES[0] not in received and time.monotonic() < deadline:
            received += process.stdout.read(1)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "error: interrupted"
    _assert_clean(received + stdout, stderr)


# The error paths, in process.


def _main(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    try:
        status = main(_with_package(args))
    except SystemExit as exit_:  # argparse's --help and usage errors
        status = int(exit_.code or 0)
    out, err = capsys.readouterr()
    _assert_clean(out, err)
    return status, out, err


@pytest.mark.parametrize("wire_format", ["openai", "anthropic", "gemini"])
@pytest.mark.parametrize(
    ("scenario", "kind"),
    [
        ("ok", None),
        ("401", "auth"),
        ("429", "rate_limit"),
        ("500", "unavailable"),
        ("overflow", "context_limit"),
        ("overflow-500", "context_limit"),
        ("midstream-error", "unavailable"),
        ("midstream-overflow", "context_limit"),
        ("drop", "unavailable"),
        ("truncated", "unavailable"),
        ("garbage", "unavailable"),
        ("redirect", "config"),
        ("no-such-scenario", "bad_request"),
    ],
)
def test_any_provider_any_format_through_base_url(
    llm_server: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    wire_format: str,
    scenario: str,
    kind: str | None,
) -> None:
    model_id = MODELS[wire_format]
    status, out, err = _main(
        capsys,
        monkeypatch,
        "chat",
        model_id,
        "hello",
        "--base-url",
        llm_server.base_url(scenario, wire_format),  # type: ignore[arg-type]
    )
    if kind is None:
        assert (status, out, err) == (0, loopback.REPLY + "\n", "")
    else:
        assert status == 1
        _one_error_line(err, kind)


@pytest.mark.parametrize("scenario", sorted(loopback.KEY_ECHOES))
def test_the_key_echoed_by_a_server_never_reaches_the_terminal(
    llm_server: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    scenario: str,
) -> None:
    status, _, err = _main(
        capsys,
        monkeypatch,
        "chat",
        OPENAI_MODEL,
        "hello",
        "--base-url",
        llm_server.base_url(scenario, "openai"),
    )
    assert status == 1
    assert "[REDACTED]" in err  # the loopback server echoed it; _main asserted it is gone
    assert loopback.KEY_ECHOES[scenario](OPENAI_KEY).lower() not in err.lower()


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (("chat", "wire-openai", "hi"), "invalid model id 'wire-openai'"),
        (("chat", "nope::model", "hi"), "unknown provider 'nope'"),
        (("chat", "wire-aggregator::a::b", "hi"), "may not contain '::'"),
        (("chat", OPENAI_MODEL, "hi", "--base-url", "ftp://example.com"), "invalid base URL"),
        (("chat", OPENAI_MODEL, "hi", "--base-url", "not a url"), "invalid base URL"),
        (
            ("chat", OPENAI_MODEL, "hi", "--base-url", "http://user:pw@127.0.0.1/v1"),
            "must not carry credentials",
        ),
        (("chat", OPENAI_MODEL, "hi", "--base-url", "http://[::1/v1"), "invalid base URL"),
        (
            ("chat", OPENAI_MODEL, "hi", "--base-url", "http://127.0.0.1:99999/v1"),
            "invalid base URL",
        ),
        (
            ("chat", OPENAI_MODEL, "hi", "--base-url", "http://127.0.0.1:port/v1"),
            "invalid base URL",
        ),
    ],
)
def test_config_errors(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    phrase: str,
) -> None:
    status, out, err = _main(capsys, monkeypatch, *args)
    assert status == 1 and out == ""
    assert phrase in _one_error_line(err, "config")


@pytest.mark.parametrize("wire_format", ["openai", "anthropic", "gemini"])
@pytest.mark.parametrize("suffix", ["?x=1", "?", "#part", "?key=QUERY-SECRET"])
def test_a_base_url_with_a_query_or_fragment_is_refused_before_any_request(
    llm_server: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    wire_format: str,
    suffix: str,
) -> None:
    # The SDK and the native clients append their paths to the base URL: after a query they
    # would land inside it (…/v1?x=1/chat/completions) and the key would go to the wrong path.
    model_id = MODELS[wire_format]
    url = llm_server.base_url("ok", wire_format) + suffix  # type: ignore[arg-type]
    status, out, err = _main(capsys, monkeypatch, "chat", model_id, "hello", "--base-url", url)
    assert status == 1 and out == ""
    line = _one_error_line(err, "config")
    assert "invalid base URL" in line and "QUERY-SECRET" not in line
    assert llm_server.requests == []


def test_a_missing_key_says_where_to_put_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WIRE_OPENAI_API_KEY", raising=False)
    status = main(_with_package(("chat", OPENAI_MODEL, "hi")))
    out, err = capsys.readouterr()
    assert status == 1 and out == ""
    line = _one_error_line(err, "config")
    assert "Please add your Wire OpenAI API key" in line and "WIRE_OPENAI_API_KEY" in line


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("chat",),
        ("chat", OPENAI_MODEL),
        ("no-such-command",),
        ("chat", OPENAI_MODEL, "hi", "--timeout", "0"),
        ("chat", OPENAI_MODEL, "hi", "--timeout", "nan"),
        ("chat", OPENAI_MODEL, "hi", "--max-tokens", "-3"),
        ("chat", OPENAI_MODEL, "hi", "--temperature", "nan"),
        ("chat", OPENAI_MODEL, "hi", "--temperature", "inf"),
        ("chat", OPENAI_MODEL, "hi", "--temperature", "warm"),
        ("chat", OPENAI_MODEL, "hi", "--unknown-flag"),
    ],
)
def test_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    status, _out, err = _main(capsys, monkeypatch, *args)
    assert status == 2
    assert "usage:" in err


def test_help(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    status, out, _ = _main(capsys, monkeypatch, "chat", "--help")
    assert status == 0
    assert "--base-url" in out and "MODEL_ID" in out


def test_prompt_from_stdin(llm_server: LoopbackServer) -> None:
    result = _run(
        "chat",
        OPENAI_MODEL,
        "-",
        "--base-url",
        llm_server.base_url("ok", "openai"),
        stdin="from stdin\n",
    )
    assert result.returncode == 0
    assert llm_server.requests[-1].json["messages"][-1]["content"] == "from stdin\n"


def test_a_stalled_server_times_out(
    llm_server: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    status, out, err = _main(
        capsys,
        monkeypatch,
        "chat",
        OPENAI_MODEL,
        "hi",
        "--timeout",
        "1.5",
        "--base-url",
        llm_server.base_url("stall", "openai"),
    )
    assert status == 1
    assert out == "".join(loopback.REPLY_PIECES[:2]) + "\n"
    assert "timed out" in _one_error_line(err, "unavailable")


def test_timeout_bounds_a_stream_of_nothing_but_pings(
    llm_server: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # (Every wire format is covered in test_streaming; this is what the user sees.)
    url = llm_server.base_url("pings", "openai")
    status, out, err = _main(
        capsys, monkeypatch, "chat", OPENAI_MODEL, "hi", "--timeout", "0.5", "--base-url", url
    )
    assert status == 1
    assert out == "".join(loopback.REPLY_PIECES[:2]) + "\n"
    assert "timed out" in _one_error_line(err, "unavailable")

    # A reply slower in all than --timeout, but never idle that long, is not cut.
    url = llm_server.base_url("slow-events", "openai")
    status, out, err = _main(
        capsys, monkeypatch, "chat", OPENAI_MODEL, "hi", "--timeout", "0.5", "--base-url", url
    )
    assert (status, out, err) == (0, loopback.REPLY + "\n", "")


def test_an_unexpected_bug_is_still_one_scrubbed_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import llm_registry.runtime._cli.chat as chat_cli

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError(f"bug holding {OPENAI_KEY}")

    monkeypatch.setattr(chat_cli, "parse_model_id", broken)
    status, _, err = _main(capsys, monkeypatch, "chat", OPENAI_MODEL, "hi")
    assert status == 1
    assert "RuntimeError" in _one_error_line(err, "internal")


@pytest.mark.parametrize(
    ("variable", "model_id", "wire_format"),
    [
        ("WIRE_OPENAI_API_KEY", MODELS["openai"], "openai"),
        ("WIRE_ANTHROPIC_API_KEY", MODELS["anthropic"], "anthropic"),
        ("WIRE_GEMINI_API_KEY", MODELS["gemini"], "gemini"),
    ],
)
@pytest.mark.parametrize("bad_key", ["sk-part1\nsk-part2", "sk-part1-caf\u00e9-part2"], ids=repr)
def test_a_key_no_header_can_carry_is_a_config_error_naming_the_variable_not_the_key(
    llm_server: LoopbackServer, variable: str, model_id: str, wire_format: str, bad_key: str
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "llm_registry.runtime",
            *_with_package(("chat", model_id, "hello")),
            "--base-url",
            llm_server.base_url("ok", wire_format),  # type: ignore[arg-type]
        ],
        cwd=PROJECT_ROOT,
        env=_env(**{variable: bad_key}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    _assert_clean(result.stdout, result.stderr)
    assert result.returncode == 1 and result.stdout == ""
    line = _one_error_line(result.stderr, "config")
    assert variable in line
    assert "sk-part1" not in line and "part2" not in line
    assert llm_server.requests == []


def test_the_cli_starts_without_an_sdk_or_http_client() -> None:
    code = (
        "import sys, json\n"
        "from llm_registry.runtime._cli.main import build_parser\n"
        "parser = build_parser()\n"
        "commands = sorted(parser._subparsers._group_actions[0].choices)\n"
        "heavy = [m for m in ('openai', 'httpx', 'httpx2', 'httpx_sse', 'yaml', 'jsonschema',"
        " 'pydantic', 'starlette', 'uvicorn', 'jinja2', 'keyring') if m in sys.modules]\n"
        "print(json.dumps([commands, heavy]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={"PYTHONPATH": str(PROJECT_ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    commands, heavy = json.loads(result.stdout)
    assert commands == [
        "breaking",
        "chat",
        "check",
        "db",
        "generate",
        "import-models-dev",
        "init",
        "keys",
        "models",
        "refresh",
        "schema",
        "seed",
        "serve",
        "sync",
        "validate",
    ]
    assert heavy == []


# --reasoning: the one option for ChatOptions' reasoning switch, effort and budget.

# (model id, wire format, --reasoning value) → the reasoning fields of the request sent. A model
# the registry does not list is passed the setting as asked; a listed one as it declares.
REASONING_CASES = [
    ("wire-anthropic::unlisted", "anthropic", "off", {"thinking": {"type": "disabled"}}),
    (
        MODELS["anthropic"],
        "anthropic",
        "4096",
        {"thinking": {"type": "enabled", "budget_tokens": 4096}},
    ),
    ("wire-openai::effort-model", "openai", "high", {"reasoning_effort": "high"}),
    ("wire-openai::unlisted", "openai", "minimal", {"reasoning_effort": "minimal"}),
    (
        "wire-gemini::unlisted",
        "gemini",
        "2048",
        {"generationConfig": {"thinkingConfig": {"thinkingBudget": 2048, "includeThoughts": True}}},
    ),
    (
        "wire-gemini::unlisted",
        "gemini",
        "off",
        {"generationConfig": {"thinkingConfig": {"thinkingBudget": 0}}},
    ),
]
_REASONING_FIELDS = {
    "thinking",
    "output_config",
    "reasoning_effort",
    "reasoning",
    "generationConfig",
}


@pytest.mark.parametrize(("model_id", "wire_format", "setting", "fields"), REASONING_CASES)
def test_reasoning_reaches_each_wire_format_as_its_own_field(
    llm_server: LoopbackServer,
    model_id: str,
    wire_format: str,
    setting: str,
    fields: dict[str, object],
) -> None:
    url = llm_server.base_url("ok", wire_format)  # type: ignore[arg-type]
    result = _run("chat", model_id, "hello", "--reasoning", setting, "--base-url", url)
    assert result.returncode == 0, result.stderr
    assert result.stdout == loopback.REPLY + "\n"
    (sent,) = llm_server.requests
    assert {key: value for key, value in sent.json.items() if key in _REASONING_FIELDS} == fields


@pytest.mark.parametrize(
    ("option", "value", "model_id", "wire_format", "fields"),
    [
        (
            "--reasoning-effort",
            "high",
            "wire-openai::unlisted",
            "openai",
            {"reasoning_effort": "high"},
        ),
        (
            "--reasoning-budget",
            "4096",
            MODELS["anthropic"],
            "anthropic",
            {"thinking": {"type": "enabled", "budget_tokens": 4096}},
        ),
    ],
)
def test_the_options_reasoning_replaced_still_work(
    llm_server: LoopbackServer,
    option: str,
    value: str,
    model_id: str,
    wire_format: str,
    fields: dict[str, object],
) -> None:
    url = llm_server.base_url("ok", wire_format)  # type: ignore[arg-type]
    result = _run("chat", model_id, "hello", option, value, "--base-url", url)
    assert result.returncode == 0, result.stderr
    (sent,) = llm_server.requests
    assert {key: value for key, value in sent.json.items() if key in _REASONING_FIELDS} == fields
    help_text = _run("chat", "--help").stdout
    assert "--reasoning " in help_text and option not in help_text


@pytest.mark.parametrize(
    ("model_id", "wire_format", "setting", "phrase"),
    [
        (MODELS["anthropic"], "anthropic", "off", "cannot switch its reasoning off"),
        ("wire-openai::effort-model", "openai", "minimal", "not 'minimal'"),
        (OPENAI_MODEL, "openai", "on", "does not reason"),
        (MODELS["anthropic"], "anthropic", "512", "at least 1024 tokens"),
    ],
)
def test_a_reasoning_setting_the_model_cannot_honour_is_refused_before_sending(
    llm_server: LoopbackServer, model_id: str, wire_format: str, setting: str, phrase: str
) -> None:
    url = llm_server.base_url("ok", wire_format)  # type: ignore[arg-type]
    result = _run("chat", model_id, "hello", "--reasoning", setting, "--base-url", url)
    assert result.returncode == 1 and result.stdout == ""
    assert phrase in _one_error_line(result.stderr, "bad_request")
    assert llm_server.requests == []


@pytest.mark.parametrize("setting", ["Hi!", "0", "-5", "1.5", "HIGH", ""])
def test_a_reasoning_value_that_is_no_setting_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, setting: str
) -> None:
    status, out, err = _main(
        capsys, monkeypatch, "chat", OPENAI_MODEL, "hi", "--reasoning", setting
    )
    assert status == 2 and out == ""
    (error,) = [line for line in err.splitlines() if not line.startswith(("usage:", " "))]
    assert error.startswith("llm-registry chat: error: argument --reasoning: "), err
