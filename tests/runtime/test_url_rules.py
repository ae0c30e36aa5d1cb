"""The registry's rules are kept once: the compiler and the runtime refuse the same URLs in the
same words, and the schema's names are the runtime's."""

from __future__ import annotations

import pytest

from llm_registry import runtime
from llm_registry.codegen.schema import descriptor_schema
from llm_registry.codegen.urls import url_problem as compile_time_problem
from llm_registry.runtime import _rules
from llm_registry.runtime._urls import checked_base_url


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://api.example.com/v1", "E308"),  # a key would travel in clear text
        ("http://10.0.0.8:8000/v1", "E308"),
        ("ftp://api.example.com/v1", "E307"),
        ("https://api.example.com/v1?x=1", "E307"),
        ("https://user:pw@api.example.com/v1", "E309"),
    ],
)
def test_a_url_refused_at_compile_time_is_refused_at_run_time_in_the_same_words(
    url: str, code: str
) -> None:
    compiled = compile_time_problem(url, allow_loopback_http=True, is_base=True)
    assert compiled is not None and compiled[0] == code
    with pytest.raises(runtime.ConfigError) as caught:
        checked_base_url(url)
    message = str(caught.value)
    assert "pw" not in message and "x=1" not in message
    # The words after the URL itself (which the runtime may elide) are the compiler's.
    assert compiled[1].split(": ", 1)[1] in message


@pytest.mark.parametrize(
    "url", ["http://localhost:11434", "http://127.0.0.1:8080/v1", "http://[::1]:1234/v1"]
)
def test_plain_http_is_for_loopback_hosts(url: str) -> None:
    assert checked_base_url(url) == url
    assert compile_time_problem(url, allow_loopback_http=True, is_base=True) is None


def test_the_schema_names_what_the_runtime_knows() -> None:
    properties = descriptor_schema()["properties"]
    assert properties["implementation"]["enum"] == list(_rules.IMPLEMENTATIONS)
    definitions = descriptor_schema()["$defs"]
    assert definitions["Discovery"]["properties"]["dialect"]["enum"] == list(_rules.DIALECTS)
    attachments = definitions["Model"]["properties"]["attachments"]["items"]["enum"]
    assert attachments == list(_rules.ATTACHMENT_KINDS)


@pytest.mark.parametrize(
    ("model", "problem"),
    [
        ("", "empty"),
        ("a::b", "'::'"),
        ("a b", "white space"),
        ("a\u202eb", "control"),
        ("x" * 257, "longer than 256"),
    ],
)
def test_model_id_rules(model: str, problem: str) -> None:
    found = _rules.model_id_problem(model)
    assert found is not None and problem in found
    assert _rules.model_id_problem("meta-llama/llama-3.1-8b:free") is None
