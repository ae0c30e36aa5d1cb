"""Discovery with templated base URLs and auth forms: the key where ``auth`` says, the fixed
query beside it, variables filled before the listing is asked for, and no redirect that would
carry a query-parameter key to another host."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from llm_registry.curated.descriptor import Auth, Discovery, Variable
from llm_registry.runtime import ConfigError
from llm_registry.runtime._discovery.fetch import fetch_listing
from llm_registry.runtime._discovery.service import discover_models
from llm_registry.runtime._keystore import FileKeyStore
from llm_registry.runtime._store.store import ModelStore
from tests.discovery.conftest import KEY, OTHER_HOST, SHORT_TIMEOUT, run
from tests.discovery.listings import openai_listing
from tests.loopback import LoopbackServer
from tests.loopback.responders import json_body, redirect
from tests.runtime.conftest import make_descriptor

API_VERSION = "2024-10-21"


def _descriptor(**fields: Any) -> Any:
    return make_descriptor(discovery=Discovery(dialect="openai"), **fields)


def test_azure_style_listing_sends_api_key_header_and_api_version(
    server: LoopbackServer,
) -> None:
    server.route("/v1/models", json_body(openai_listing(["gpt-azure"])))
    descriptor = _descriptor(
        auth=Auth(type="header", name="api-key"), query={"api-version": API_VERSION}
    )
    listing = run(fetch_listing(descriptor, f"{server.origin}/v1", KEY, timeout=SHORT_TIMEOUT))
    assert [model.model_id for model in listing.models] == ["gpt-azure"]
    request = server.requests[0]
    assert request.headers["api-key"] == KEY
    assert "authorization" not in request.headers
    assert request.query == {"api-version": API_VERSION}


def test_a_query_parameter_key_is_not_carried_to_another_host(
    server: LoopbackServer, other_host: LoopbackServer
) -> None:
    other_host.route("/v1/models", json_body(openai_listing(["stolen"])))
    server.route("/v1/models", redirect(f"{other_host.origin}/v1/models?key={KEY}", status=307))
    descriptor = _descriptor(auth=Auth(type="query", name="key"))
    with pytest.raises(ConfigError) as caught:
        run(fetch_listing(descriptor, f"{server.origin}/v1", KEY, timeout=SHORT_TIMEOUT))
    assert "redirected to another host" in caught.value.message
    assert OTHER_HOST in caught.value.message
    assert KEY not in caught.value.message
    assert server.requests[0].query["key"] == KEY
    assert other_host.requests == []


def test_listing_fills_the_variables_from_the_environment(
    server: LoopbackServer, store: ModelStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route("/east/v1/models", json_body(openai_listing(["regional-model"])))
    descriptor = _descriptor(
        base_url=f"{server.origin}/{{region}}/v1",
        variables={"region": Variable(label="Region", placeholder="us-east-1", env="TEST_REGION")},
    )
    monkeypatch.setenv("TEST_REGION", "east")
    monkeypatch.setenv("TEST_LOOPBACK_API_KEY", KEY)
    result = run(
        discover_models(
            descriptor,
            store=store,
            timeout=SHORT_TIMEOUT * 4,
            key_store=FileKeyStore(tmp_path / "keys.json"),
        )
    )
    assert [request.path for request in server.requests] == ["/east/v1/models"]
    assert result.error is None
    assert f"{descriptor.id}::regional-model" in [model.id for model in result.models]


def test_listing_with_an_unresolved_variable_is_refused_before_any_request(
    server: LoopbackServer, store: ModelStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEST_REGION", raising=False)
    monkeypatch.setenv("TEST_LOOPBACK_API_KEY", KEY)
    descriptor = _descriptor(
        base_url=f"{server.origin}/{{region}}/v1",
        variables={"region": Variable(label="Region", placeholder="us-east-1", env="TEST_REGION")},
    )
    with pytest.raises(ConfigError, match=r"\{region\}"):
        run(
            discover_models(descriptor, store=store, key_store=FileKeyStore(tmp_path / "keys.json"))
        )
    assert server.requests == []
