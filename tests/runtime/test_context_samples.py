"""Every curated context-limit sample, replayed by the loopback server with its status in its
provider's wire format, through a real request of the runtime's client for that provider: a
``match`` sample must raise ContextLimitError, a ``no_match`` sample another ProviderError."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from llm_registry import runtime
from llm_registry.codegen.yaml_loader import load_descriptor
from llm_registry.runtime import ContextLimitError, ProviderError, UserMessage
from tests.loopback import LoopbackServer
from tests.loopback.replies import Format
from tests.loopback.responders import raw_body

REGISTRY = Path(__file__).resolve().parents[2] / "registry" / "providers"
FORMATS: dict[str, Format] = {
    "openai_compatible": "openai",
    "anthropic": "anthropic",
    "google": "gemini",
}
ENDPOINTS: dict[Format, str] = {
    "openai": "/chat/completions",
    "anthropic": "/messages",
    "gemini": "/models/{model}:streamGenerateContent",
}


def _samples() -> list[Any]:
    cases = []
    for path in sorted(REGISTRY.glob("*.yaml")):
        document, problems = load_descriptor(path.read_bytes(), str(path))
        assert document is not None and not problems, problems
        examples = document.value.get("context_limit_examples") or {}
        for group in ("match", "no_match"):
            for index, sample in enumerate(examples.get(group) or ()):
                case_id = f"{path.stem}-{group}-{index}"
                cases.append(pytest.param(path.stem, group == "match", sample, id=case_id))
    return cases


SAMPLES = _samples()


def test_every_curated_provider_that_takes_a_key_has_a_real_overflow_sample() -> None:
    with_match = {param.values[0] for param in SAMPLES if param.values[1]}
    keyed = {d.id for d in runtime.providers() if d.api_key is not None}
    assert keyed and keyed <= with_match, sorted(keyed - with_match)
    assert any(not param.values[1] for param in SAMPLES)


@pytest.mark.parametrize(("provider_id", "is_overflow", "sample"), SAMPLES)
def test_a_curated_sample_maps_as_its_group_says(
    llm_server: LoopbackServer, provider_id: str, is_overflow: bool, sample: dict[str, Any]
) -> None:
    descriptor = runtime.get_provider(provider_id)
    wire_format = FORMATS[descriptor.implementation]
    model = descriptor.default_models[0].id if descriptor.default_models else "some-model"
    scenario = f"sample-{provider_id}"
    root = llm_server.base_url(scenario, wire_format)
    endpoint = ENDPOINTS[wire_format].format(model=model)
    body = sample["body"].encode()
    content_type = "application/json" if body.lstrip()[:1] in (b"{", b"[") else "text/plain"
    llm_server.route(
        root.removeprefix(llm_server.origin) + endpoint,
        raw_body(body, status=sample["status"], content_type=content_type),
    )
    provider = runtime.create_provider(
        descriptor, api_key="sk-samples-test", base_url=root, timeout=10
    )

    with pytest.raises(ProviderError) as raised:
        asyncio.run(runtime.collect(provider.stream(model, [UserMessage("Hi")])))

    assert isinstance(raised.value, ContextLimitError) is is_overflow, raised.value
    assert raised.value.status_code == sample["status"]
    assert llm_server.requests[-1].method == "POST"
