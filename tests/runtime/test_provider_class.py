"""A descriptor's ``provider_class`` picks a subclass for a real wire-format difference."""

from __future__ import annotations

import asyncio

import pytest

from llm_registry import runtime
from llm_registry.runtime import Registry
from tests.loopback import LoopbackServer
from tests.runtime.conftest import TEST_KEY, make_descriptor
from tests.runtime.custom_provider import BudgetAwareProvider


def test_the_named_subclass_is_used_and_its_differences_reach_the_wire(
    llm_server: LoopbackServer, test_registry: Registry
) -> None:
    # wire-custom's descriptor (tests/registry/) names the subclass.
    provider = runtime.create_provider(
        "wire-custom",
        api_key=TEST_KEY,
        base_url=llm_server.base_url("ok", "openai"),
        registry=test_registry,
    )
    assert type(provider) is BudgetAwareProvider
    result = asyncio.run(
        runtime.collect(
            provider.stream("budget-model", [runtime.UserMessage("Hi")], reasoning_budget=2048)
        )
    )
    assert result.text == "Hello from the loopback server."
    assert result.usage is None  # it asked for none
    body = llm_server.requests[-1].json
    assert body["thinking"] == {"budget": 2048}  # sent through extra_body
    assert "stream_options" not in body


@pytest.mark.parametrize(
    ("class_path", "phrase"),
    [
        ("tests.runtime.custom_provider:Missing", "cannot be imported"),
        ("tests.runtime.no_such_module:Provider", "cannot be imported"),
        ("tests.runtime.custom_provider:NotAProvider", "not a ChatProvider subclass"),
    ],
)
def test_a_bad_class_path_is_a_config_error(class_path: str, phrase: str) -> None:
    with pytest.raises(runtime.ConfigError, match=phrase):
        runtime.create_provider(make_descriptor("openai", provider_class=class_path), api_key="k")
