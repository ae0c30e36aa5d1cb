"""The whole app flow from the built wheel, in virtual environments outside this checkout.

A new app folder: `llm-registry init`, a provider whose base URL is a loopback test server,
`generate` and `check` with no flag, a stale output caught with a GitHub annotation naming the
file, a reply streamed and models listed through the app's own generated package, and
`mypy --strict` over an app module that hands the runtime its own REGISTRY; the settings page
(`serve`, the `[ui]` extra) answering with the curated registry's key forms and logos. A second
environment without the compiler's extra still imports and runs the runtime.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import loopback
from tests.loopback import LoopbackServer
from tests.loopback.responders import json_body

PROJECT_ROOT = Path(__file__).resolve().parents[2]

PROVIDER = """\
# yaml-language-server: $schema=../provider.schema.json
id: local
display_name: Local Server
base_url: {base_url}
implementation: openai_compatible
api_key: null
context_limit_patterns:
  - "context length"
discovery:
  dialect: openai
default_models:
  - id: local-small
    display_name: Local Small
    context_window: 8192
    max_output_tokens: 1024
    attachments: [text]
"""

APP_MODULE = """\
from llm_registry.runtime import Registry, create_provider, parse_model_id, providers

from generated import PROVIDERS, REGISTRY

registry: Registry = REGISTRY
names: list[str] = [descriptor.display_name for descriptor in providers(registry=REGISTRY)]
window: int = PROVIDERS["local"].default_models[0].context_window
provider = create_provider(parse_model_id("local::local-small", registry=REGISTRY).descriptor)
"""

WRONG_APP_MODULE = """\
from llm_registry.runtime import get_provider

get_provider("local", registry="generated")
"""


def _run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _environment(tmp: Path) -> dict[str, str]:
    """The app's environment: nothing of this checkout on any path, keys scrubbed."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.endswith("_API_KEY") and name not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env["XDG_CACHE_HOME"] = str(tmp / "cache")
    env["XDG_DATA_HOME"] = str(tmp / "data")
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), "."],
        cwd=PROJECT_ROOT,
    )
    assert built.returncode == 0, built.stderr
    [wheel_file] = out.glob("*.whl")
    return wheel_file


def _make_venv(folder: Path, requirement: str) -> Path:
    venv.EnvBuilder(with_pip=True).create(folder)
    python = folder / "bin" / "python"
    installed = _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            requirement,
        ],
        cwd=folder,
    )
    assert installed.returncode == 0, installed.stderr
    return python


@pytest.fixture(scope="module")
def app_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_venv(tmp_path_factory.mktemp("app-venv"), f"{wheel}[codegen,ui]")


@pytest.fixture(scope="module")
def llm_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


def _site_packages(python: Path) -> Path:
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        cwd=python.parent,
    )
    return Path(purelib.stdout.strip())


def test_the_wheel_installs_one_import_root(app_python: Path) -> None:
    names = {path.name for path in _site_packages(app_python).iterdir()}
    assert "llm_registry" in names
    assert not names & {"codegen", "runtime", "generated", "templates", "registry"}
    assert (app_python.parent / "llm-registry").exists()


def test_an_app_uses_its_own_registry_end_to_end(
    app_python: Path, llm_server: LoopbackServer, tmp_path: Path
) -> None:
    env = _environment(tmp_path)
    command = str(app_python.parent / "llm-registry")
    app = tmp_path / "app"
    app.mkdir()
    assert _run(["git", "init", "--quiet"], cwd=app).returncode == 0

    init = _run([command, "init"], cwd=app, env=env)
    assert init.returncode == 0, init.stderr
    assert "llm-registry generate" in init.stdout
    assert "[tool.llm-registry]" in (app / "pyproject.toml").read_text()
    (app / "registry" / "providers" / "example.yaml").unlink()
    provider = app / "registry" / "providers" / "local.yaml"
    provider.write_text(PROVIDER.format(base_url=llm_server.base_url("ok", "openai")))

    generated = _run([command, "generate"], cwd=app, env=env)
    assert generated.returncode == 0, generated.stderr
    assert (app / "generated" / "providers").is_dir()
    assert (app / "generated" / "seed.sql").is_file()
    checked = _run([command, "check"], cwd=app, env=env)
    assert checked.returncode == 0, checked.stderr

    # A reply streamed through the app's own package, named by its [tool.llm-registry] table.
    chat = _run([command, "chat", "local::local-small", "hello"], cwd=app, env=env, timeout=60)
    assert chat.returncode == 0, chat.stderr
    assert chat.stdout.strip() == loopback.REPLY

    # Models listed live from a loopback listing, into a database of the app's own.
    with LoopbackServer() as listing:
        listing.route("/v1/models", json_body({"object": "list", "data": [{"id": "local-big"}]}))
        models = _run(
            [
                command,
                "models",
                "local",
                "--refresh",
                "--json",
                "--db",
                str(tmp_path / "m.db"),
                "--base-url",
                f"{listing.origin}/v1",
            ],
            cwd=app,
            env=env,
            timeout=60,
        )
    assert models.returncode == 0, models.stderr
    listed = {entry["id"] for entry in json.loads(models.stdout)["models"]}
    assert "local::local-big" in listed

    # mypy --strict accepts the app's descriptors where the runtime takes a registry, and
    # rejects what is not one.
    (app / "app.py").write_text(APP_MODULE)
    (app / "wrong.py").write_text(WRONG_APP_MODULE)
    mypy = [sys.executable, "-m", "mypy", "--strict", "--python-executable", str(app_python)]
    accepted = _run([*mypy, "app.py"], cwd=app, env=env)
    assert accepted.returncode == 0, accepted.stdout
    rejected = _run([*mypy, "wrong.py"], cwd=app, env=env)
    assert rejected.returncode == 1 and "arg-type" in rejected.stdout, rejected.stdout

    # In CI: an edited descriptor makes the committed output stale; from a subfolder, the
    # annotation names the file relative to the repository root, where GitHub looks for it.
    provider.write_text(provider.read_text().replace("Local Small", "Local Smaller"))
    (app / "docs").mkdir()
    ci = [command, "check", "--error-format", "github-actions"]
    stale = _run(ci, cwd=app / "docs", env=env)
    assert stale.returncode == 1, stale.stderr
    annotation = stale.stdout + stale.stderr
    assert "::error file=generated/" in annotation, annotation
    assert "file=../" not in annotation


def test_the_runtime_needs_no_compiler_dependencies(wheel: Path, tmp_path: Path) -> None:
    python = _make_venv(tmp_path / "runtime-venv", str(wheel))
    env = _environment(tmp_path)
    imported = _run(
        [
            str(python),
            "-c",
            "import sys, llm_registry.runtime as r; r.get_provider('openai'); "
            "heavy = ('jinja2', 'yaml', 'jsonschema', 'black'); "
            "print(sorted(m for m in heavy if m in sys.modules))",
        ],
        cwd=tmp_path,
        env=env,
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "[]"
    command = str(python.parent / "llm-registry")
    assert _run([command, "--help"], cwd=tmp_path, env=env).returncode == 0
    compiler = _run([command, "validate"], cwd=tmp_path, env=env)
    assert compiler.returncode == 2
    assert "llm-provider-registry[codegen]" in compiler.stderr
    assert "Traceback" not in compiler.stderr
    page = _run([command, "serve", "--no-browser"], cwd=tmp_path, env=env)
    assert page.returncode == 1
    assert "llm-provider-registry[ui]" in page.stderr
    assert "Traceback" not in page.stderr


def test_an_installed_compile_equals_the_checkouts(app_python: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = _environment(tmp_path)
    # Both targets, as this checkout configures them: generated/ts is compared too.
    (tmp_path / "pyproject.toml").write_text(
        '[tool.llm-registry]\ntargets = ["python", "typescript"]\n', encoding="utf-8"
    )
    compiled = _run(
        [
            str(app_python.parent / "llm-registry"),
            "generate",
            "--registry",
            str(PROJECT_ROOT / "registry"),
            "--out",
            str(out),
        ],
        cwd=tmp_path,
        env=env,
    )
    assert compiled.returncode == 0, compiled.stderr
    committed = PROJECT_ROOT / "generated"
    for path in sorted(committed.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            relative = path.relative_to(committed)
            assert (out / relative).read_bytes() == path.read_bytes(), relative


def test_the_settings_page_runs_from_the_wheel(app_python: Path, tmp_path: Path) -> None:
    env = _environment(tmp_path)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    command = str(app_python.parent / "llm-registry")
    server = subprocess.Popen(
        [command, "serve", "--no-browser"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().split()[-1]
        assert url.startswith("http://127.0.0.1:"), url
        with httpx.Client(follow_redirects=True, timeout=30) as client:
            html = client.get(url).text
            assert ">Anthropic API key</label>" in html
            origin = url.partition("/?")[0]
            logo = client.get(f"{origin}/logos/anthropic.svg")
            assert logo.status_code == 200 and b"<svg" in logo.content
            assert client.get(f"{origin}/static/app.js").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
