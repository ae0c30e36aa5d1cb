"""Discovery and the store with an app's own registry: a small registry compiled by the real
compiler into a temporary package whose providers live on a loopback listing server. Its
refreshes write only its own providers; a database is never re-seeded by another registry."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from llm_registry.runtime import Registry, UnknownProviderError, default_registry, load_registry
from llm_registry.runtime._discovery.refresh import (
    refresh_all,
    refresh_periodically,
    refreshable_providers,
)
from llm_registry.runtime._discovery.service import DiscoveryResult, discover_models
from llm_registry.runtime._registry import CURATED_PACKAGE
from llm_registry.runtime._store.store import ModelStore, ModelStoreError, default_database_path
from tests.discovery.conftest import KEY, PROJECT_ROOT, database_from_before_versions, run
from tests.discovery.listings import ollama_model, openai_listing
from tests.fixture_registry import TEST_REGISTRY_PACKAGE
from tests.loopback import LoopbackServer
from tests.loopback.responders import json_body

APP_PACKAGE = "discovery_app_registry"
APP_IDS = ("app-openai", "app-local", "app-static")


def app_provider_files(origin: str) -> dict[str, str]:
    """The app's registry: its providers' base URLs are on the loopback listing server."""
    return {
        "app-openai": f"""\
id: app-openai
display_name: App OpenAI
base_url: {origin}/app-openai/v1
implementation: openai_compatible
context_limit_patterns: ["context is full"]
api_key:
  env: DISCOVERY_APP_OPENAI_KEY
  placeholder: "sk-app-..."
  url: https://app-openai.test/keys
discovery:
  dialect: openai
default_models:
  - id: app-model-a
    display_name: App Model A
    context_window: 8192
    max_output_tokens: 1024
    attachments: [text]
  - id: app-model-gone
    display_name: App Model Gone
    context_window: 8192
    max_output_tokens: 1024
    attachments: [text]
display_order: 10
""",
        "app-local": f"""\
id: app-local
display_name: App Local
base_url: {origin}/v1
implementation: openai_compatible
context_limit_patterns: ["context is full"]
api_key: null
discovery:
  dialect: ollama
default_models:
  - id: local:7b
    display_name: Local 7B
    context_window: 32768
    max_output_tokens: 4096
    attachments: [text]
display_order: 20
""",
        "app-static": """\
id: app-static
display_name: App Static
base_url: https://api.app-static.test/v1
implementation: openai_compatible
context_limit_patterns: ["context is full"]
api_key: null
discovery:
  dialect: none
default_models:
  - id: static-model
    display_name: Static
    context_window: 4096
    max_output_tokens: 512
    attachments: [text]
display_order: 30
""",
    }


@pytest.fixture(scope="module")
def app_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        server.route("/app-openai/v1/models", json_body(openai_listing(["app-model-a", "new"])))
        server.route("/api/tags", json_body({"models": [ollama_model("local:7b")]}))
        yield server


@pytest.fixture(scope="module")
def app_registry(
    app_server: LoopbackServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Registry]:
    """The app's registry compiled with `llm-registry generate` into a package on sys.path."""
    source = tmp_path_factory.mktemp("app-registry")
    (source / "providers").mkdir()
    for provider_id, text in app_provider_files(app_server.origin).items():
        (source / "providers" / f"{provider_id}.yaml").write_text(text, encoding="utf-8")
    import_root = tmp_path_factory.mktemp("app-package")
    completed = subprocess.run(
        [
            str(Path(sys.executable).parent / "llm-registry"),
            "generate",
            "--registry",
            str(source),
            "--out",
            str(import_root / APP_PACKAGE),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    sys.path.insert(0, str(import_root))
    try:
        yield load_registry(APP_PACKAGE)
    finally:
        sys.path.remove(str(import_root))
        for name in [m for m in sys.modules if m == APP_PACKAGE or m.startswith(APP_PACKAGE + ".")]:
            del sys.modules[name]


def rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        return list(conn.execute(sql))


def dump(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return list(conn.iterdump())


def test_an_app_registry_refresh_writes_only_its_own_providers(
    app_registry: Registry, tmp_path: Path
) -> None:
    db_path = tmp_path / "app.db"
    results = run(refresh_all(registry=app_registry, api_keys={"app-openai": KEY}, store=db_path))

    # Every provider of the app's registry that lists models, and nothing else.
    assert [(r.provider_id, r.source, r.error) for r in results] == [
        ("app-openai", "api", None),
        ("app-local", "api", None),
    ]
    assert {p for (p,) in rows(db_path, "SELECT id FROM providers")} == set(APP_IDS)
    model_rows = rows(db_path, "SELECT id, provider_id, is_enabled, source FROM models")
    assert {provider for _, provider, _, _ in model_rows} <= set(APP_IDS)
    by_id = {model_id: (enabled, source) for model_id, _, enabled, source in model_rows}
    assert by_id["app-openai::app-model-a"] == (1, "api")
    assert by_id["app-openai::new"] == (1, "api")
    assert by_id["app-openai::app-model-gone"] == (0, "registry")  # not listed: disabled
    assert by_id["app-local::local:7b"] == (1, "api")
    assert rows(db_path, "SELECT value FROM store_meta WHERE key = 'registry_package'") == [
        (APP_PACKAGE,)
    ]
    assert KEY.encode() not in db_path.read_bytes()


def test_provider_ids_are_looked_up_in_the_given_registry(
    app_registry: Registry, tmp_path: Path
) -> None:
    db_path = tmp_path / "app.db"
    result = run(
        discover_models(
            "app-openai", registry=app_registry, api_keys={"app-openai": KEY}, store=db_path
        )
    )
    assert result.source == "api"
    assert [m.id for m in result.models] == ["app-openai::app-model-a", "app-openai::new"]
    with pytest.raises(UnknownProviderError, match="app-openai"):
        run(discover_models("openai", registry=app_registry, store=db_path))
    ready, missing = refreshable_providers(registry=app_registry)
    assert ([p.id for p in ready], [p.id for p in missing]) == (["app-local"], ["app-openai"])


def test_a_store_of_the_app_registry_serves_it_without_registry_again(
    app_registry: Registry, tmp_path: Path
) -> None:
    store = ModelStore(tmp_path / "app.db", registry=app_registry)
    rounds: list[list[DiscoveryResult]] = []

    async def one_round() -> None:
        task = asyncio.create_task(
            refresh_periodically(3600, store=store, on_results=rounds.append)
        )
        while not rounds:
            await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    run(one_round())
    (results,) = rounds
    assert [r.provider_id for r in results] == ["app-local"]  # app-openai has no key here
    assert {m.provider_id for m in store.models()} == set(APP_IDS)


def test_a_database_opened_with_another_registry_is_refused_untouched(
    app_registry: Registry, test_registry: Registry, tmp_path: Path
) -> None:
    db_path = tmp_path / "models.db"
    other = ModelStore(db_path, registry=test_registry)
    assert other.set_hidden("wire-openai::plain-model", True)
    before = dump(db_path)

    with pytest.raises(ModelStoreError) as refused:
        ModelStore(db_path, registry=app_registry).models()
    message = str(refused.value)
    assert repr(TEST_REGISTRY_PACKAGE) in message and repr(APP_PACKAGE) in message
    assert str(db_path) in message
    assert str(default_database_path(registry=app_registry)) in message
    with pytest.raises(ModelStoreError, match=APP_PACKAGE):
        run(
            discover_models(
                "app-openai", registry=app_registry, api_keys={"app-openai": KEY}, store=db_path
            )
        )
    with pytest.raises(ModelStoreError, match=APP_PACKAGE):
        run(refresh_all(registry=app_registry, store=other))

    assert dump(db_path) == before
    assert {m.id: m for m in other.models("wire-openai")}["wire-openai::plain-model"].is_hidden


def test_an_app_database_is_refused_by_the_curated_registry(
    app_registry: Registry, tmp_path: Path
) -> None:
    db_path = tmp_path / "app.db"
    ModelStore(db_path, registry=app_registry).summary()
    with pytest.raises(ModelStoreError, match="belongs to the registry 'discovery_app_registry'"):
        ModelStore(db_path).models()
    with pytest.raises(ModelStoreError, match="discovery_app_registry"):
        run(discover_models(default_registry().ids[0], store=db_path))


def test_an_unrecorded_database_of_other_providers_is_refused(
    app_registry: Registry, test_registry: Registry, tmp_path: Path
) -> None:
    """A database from before the record, seeded by the test registry, is not claimed by a
    registry that has none of its providers; the registry whose providers it holds claims it."""
    db_path = database_from_before_versions(tmp_path / "models.db")
    with pytest.raises(
        ModelStoreError, match="not recorded; its providers: wire-openai, wire-anthropic"
    ):
        ModelStore(db_path, registry=app_registry, auto_seed=False).models()
    ModelStore(db_path, registry=test_registry).models()
    assert rows(db_path, "SELECT value FROM store_meta WHERE key = 'registry_package'") == [
        (TEST_REGISTRY_PACKAGE,)
    ]


def test_registries_have_their_own_default_database() -> None:
    assert default_database_path().name == "models.db"
    assert default_database_path(registry=None) == ModelStore().path
    curated = default_database_path(registry=load_registry(CURATED_PACKAGE))
    assert curated.name == "models.db"


def test_the_app_registrys_default_database_is_its_own(app_registry: Registry) -> None:
    path = ModelStore(registry=app_registry).path
    assert path.name == f"models-{APP_PACKAGE}.db"
    assert path.parent == default_database_path().parent


def test_a_zipped_app_registry_seeds_its_store(app_registry: Registry, tmp_path: Path) -> None:
    """The seed is read through importlib.resources, so a registry served from a zip archive
    seeds a store as one on disk does (in a fresh process, with only the archive to import)."""
    import zipfile

    package_dir = Path(str(app_registry.seed_sql)).parent
    archive = tmp_path / "app.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(package_dir.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zipped.write(path, path.relative_to(package_dir.parent).as_posix())
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(archive)!r})\n"
        "from llm_registry.runtime import ModelStore, load_registry\n"
        f"registry = load_registry({APP_PACKAGE!r})\n"
        f"store = ModelStore({str(tmp_path / 'app.db')!r}, registry=registry)\n"
        "summary = store.summary()\n"
        "where = type(registry.seed_sql).__module__\n"
        "print(json.dumps([summary.providers, summary.models, where]))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f'[{len(APP_IDS)}, 4, "zipfile"]'
