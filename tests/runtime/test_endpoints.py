"""Templated base URLs and auth forms, read back from what the loopback server received: Azure
style (``api-key`` header, ``api-version`` query), Bedrock and Vertex style (variables from the
environment), keys in the query, and values that must never reach a URL."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from llm_registry import runtime
from llm_registry.curated.descriptor import Auth, Variable
from llm_registry.runtime import ConfigError, UserMessage
from llm_registry.runtime._keystore import FileKeyStore
from tests.loopback import LoopbackServer, Recorded
from tests.runtime.conftest import TEST_KEY, make_descriptor

API_VERSION = "2024-10-21"


def _templated(server: LoopbackServer, wire_format: str = "openai", **fields: Any) -> Any:
    """A descriptor whose base URL puts the loopback scenario in a {deployment} variable."""
    version = "v1beta" if wire_format == "gemini" else "v1"
    defaults: dict[str, Any] = {
        "base_url": f"{server.origin}/{{deployment}}/{version}",
        "variables": {
            "deployment": Variable(
                label="Deployment", placeholder="my-deployment", env="TEST_EP_DEPLOYMENT"
            )
        },
    }
    return make_descriptor(wire_format, **{**defaults, **fields})


def _stream(
    descriptor: Any,
    *,
    variables: Any = None,
    key_store: Any = None,
    model: str = "plain-model",
) -> None:
    provider = runtime.create_provider(
        descriptor, api_key=TEST_KEY, variables=variables, key_store=key_store, timeout=10
    )

    async def run() -> None:
        await runtime.collect(provider.stream(model, [UserMessage("Hi")]))

    asyncio.run(run())


def _only(server: LoopbackServer) -> Recorded:
    assert len(server.requests) == 1
    return server.requests[0]


@pytest.fixture
def key_store(tmp_path: Path) -> FileKeyStore:
    return FileKeyStore(tmp_path / "keys.json")


def test_azure_style_api_key_header_and_api_version_query(
    llm_server: LoopbackServer, key_store: FileKeyStore
) -> None:
    descriptor = _templated(
        llm_server, auth=Auth(type="header", name="api-key"), query={"api-version": API_VERSION}
    )
    _stream(descriptor, variables={descriptor.id: {"deployment": "ok"}}, key_store=key_store)
    request = _only(llm_server)
    assert request.path == "/ok/v1/chat/completions"
    assert request.headers["api-key"] == TEST_KEY
    assert "authorization" not in request.headers  # the SDK's bearer header is left out
    assert request.query == {"api-version": API_VERSION}


@pytest.mark.parametrize("wire_format", ["anthropic", "gemini"])
def test_native_formats_honour_header_auth_and_fixed_query(
    llm_server: LoopbackServer, key_store: FileKeyStore, wire_format: str
) -> None:
    descriptor = _templated(
        llm_server,
        wire_format,
        auth=Auth(type="header", name="api-key"),
        query={"api-version": API_VERSION},
    )
    _stream(descriptor, variables={descriptor.id: {"deployment": "ok"}}, key_store=key_store)
    request = _only(llm_server)
    assert request.path.startswith("/ok/")
    assert request.headers["api-key"] == TEST_KEY
    for native in ("x-api-key", "x-goog-api-key", "authorization"):
        assert native not in request.headers
    assert request.query.get("api-version") == API_VERSION


@pytest.mark.parametrize("wire_format", ["openai", "anthropic", "gemini"])
def test_key_in_the_query_when_auth_says_so(
    llm_server: LoopbackServer, key_store: FileKeyStore, wire_format: str
) -> None:
    descriptor = _templated(llm_server, wire_format, auth=Auth(type="query", name="key"))
    _stream(descriptor, variables={descriptor.id: {"deployment": "ok"}}, key_store=key_store)
    request = _only(llm_server)
    assert request.query.get("key") == TEST_KEY
    assert all(TEST_KEY not in value for value in request.headers.values())


def test_bedrock_and_vertex_style_variables_from_the_environment(
    llm_server: LoopbackServer, key_store: FileKeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Host and path both templated, the way a region and a project are.
    descriptor = make_descriptor(
        base_url=f"http://{{host}}:{llm_server.port}/{{project}}/v1",
        variables={
            "host": Variable(label="Host", placeholder="localhost", env="TEST_EP_HOST"),
            "project": Variable(label="Project", placeholder="my-project", env="TEST_EP_PROJECT"),
        },
        auth=Auth(type="bearer"),
    )
    monkeypatch.setenv("TEST_EP_HOST", "127.0.0.1")
    monkeypatch.setenv("TEST_EP_PROJECT", "ok")
    _stream(descriptor, key_store=key_store)
    request = _only(llm_server)
    assert request.path == "/ok/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {TEST_KEY}"


def test_a_variable_comes_from_the_key_store_then_the_default(
    llm_server: LoopbackServer, key_store: FileKeyStore
) -> None:
    descriptor = _templated(llm_server)
    key_store.set(f"{descriptor.id}:deployment", "ok")
    _stream(descriptor, key_store=key_store)
    assert _only(llm_server).path == "/ok/v1/chat/completions"

    llm_server.clear()
    with_default = _templated(
        llm_server,
        variables={"deployment": Variable(label="Deployment", placeholder="x", default="ok")},
    )
    _stream(with_default, key_store=FileKeyStore(key_store.path.with_name("empty.json")))
    assert _only(llm_server).path == "/ok/v1/chat/completions"


@pytest.mark.parametrize("value", ["ok/../admin", "o{k}", "ok?x=1", "ok#x", "user@ok", "o k"])
def test_a_value_that_would_change_the_url_is_refused(
    llm_server: LoopbackServer, key_store: FileKeyStore, value: str
) -> None:
    descriptor = _templated(llm_server)
    with pytest.raises(ConfigError) as caught:
        _stream(descriptor, variables={descriptor.id: {"deployment": value}}, key_store=key_store)
    assert "'deployment'" in caught.value.message
    assert value not in caught.value.message  # a pasted key must not come back out
    assert llm_server.requests == []


def test_a_value_outside_its_pattern_is_refused(
    llm_server: LoopbackServer, key_store: FileKeyStore
) -> None:
    descriptor = _templated(
        llm_server,
        variables={"deployment": Variable(label="D", placeholder="ok", pattern="[a-z]{2}")},
    )
    with pytest.raises(ConfigError, match="does not match its pattern"):
        _stream(descriptor, variables={descriptor.id: {"deployment": "okk"}}, key_store=key_store)
    assert llm_server.requests == []


def test_an_unresolved_variable_is_refused_before_any_request(
    llm_server: LoopbackServer, key_store: FileKeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_EP_DEPLOYMENT", raising=False)
    descriptor = _templated(llm_server)
    with pytest.raises(ConfigError) as caught:
        _stream(descriptor, key_store=key_store)
    message = caught.value.message
    assert "{deployment}" in message and "TEST_EP_DEPLOYMENT" in message
    assert llm_server.requests == []


def test_a_provider_built_directly_fills_its_template_or_refuses(
    llm_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_EP_DEPLOYMENT", raising=False)
    descriptor = _templated(llm_server)
    with pytest.raises(ConfigError, match="deployment"):
        runtime.BaseOpenAICompatibleProvider(descriptor, api_key=TEST_KEY)
    provider = runtime.BaseOpenAICompatibleProvider(
        descriptor, api_key=TEST_KEY, variables={"deployment": "ok"}
    )
    assert provider.base_url == f"{llm_server.origin}/ok/v1"


def test_curated_templates_fill_in(
    key_store: FileKeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for env in ("AWS_REGION", "GOOGLE_CLOUD_LOCATION"):
        monkeypatch.delenv(env, raising=False)
    azure = runtime.create_provider(
        "azure-openai",
        api_key=TEST_KEY,
        variables={"azure-openai": {"resource": "contoso"}},
        key_store=key_store,
    )
    assert azure.base_url == "https://contoso.openai.azure.com/openai/v1"
    bedrock = runtime.create_provider("amazon-bedrock", api_key=TEST_KEY, key_store=key_store)
    assert bedrock.base_url == "https://bedrock-runtime.us-east-1.amazonaws.com/openai/v1"
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "my-project")
    vertex = runtime.create_provider("google-vertex", api_key=TEST_KEY, key_store=key_store)
    assert vertex.base_url == (
        "https://us-central1-aiplatform.googleapis.com/v1/projects/my-project"
        "/locations/us-central1/endpoints/openapi"
    )
    with pytest.raises(ConfigError, match="does not match its pattern"):
        runtime.create_provider(
            "google-vertex",
            api_key=TEST_KEY,
            variables={"google-vertex": {"location": "global"}},
            key_store=key_store,
        )
