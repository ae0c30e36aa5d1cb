"""Properties over arbitrary input: the grammar, detection and redaction never misbehave."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from llm_registry import runtime
from llm_registry.runtime import Registry
from llm_registry.runtime._error_mapping import error_from_response
from llm_registry.runtime._errors import redact
from tests.fixture_registry import TEST_REGISTRY_DIR
from tests.runtime.conftest import make_descriptor

# The test registry's ids, known before the session compiles it (hypothesis samples them).
PROVIDER_IDS = sorted(p.stem for p in (TEST_REGISTRY_DIR / "providers").glob("*.yaml"))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.text())
def test_any_string_parses_or_raises_a_config_error(test_registry: Registry, text: str) -> None:
    try:
        ref = runtime.parse_model_id(text, registry=test_registry)
    except runtime.ConfigError as error:
        assert "\n" not in str(error)
    else:
        assert ref.id == text
        assert "::" not in ref.model


@given(
    st.sampled_from(PROVIDER_IDS),
    st.text(min_size=1).filter(lambda s: "::" not in s and not any(c.isspace() for c in s)),
)
def test_well_formed_ids_round_trip(test_registry: Registry, provider_id: str, model: str) -> None:
    ref = runtime.parse_model_id(f"{provider_id}::{model}", registry=test_registry)
    assert (ref.provider_id, ref.model) == (provider_id, model)


@given(st.text(), st.text())
def test_detection_is_a_predicate_that_never_raises(
    test_registry: Registry, message: str, model_id: str
) -> None:
    found = runtime.detect_context_limit_error(message, model_id, registry=test_registry)
    assert found in (True, False)


@given(st.text(), st.text(min_size=8, alphabet=st.characters(blacklist_categories=["Cs"])))
def test_redaction_leaves_no_key(text: str, key: str) -> None:
    assert key not in redact(f"{text}{key}{text}", key)


@given(
    st.text(),
    st.text(min_size=12, max_size=80, alphabet=st.characters(min_codepoint=33, max_codepoint=126)),
    st.data(),
)
def test_redaction_leaves_no_long_piece_of_a_key_in_any_case(
    text: str, key: str, data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(key) - 12))
    end = data.draw(st.integers(start + 12, len(key)))
    piece = key[start:end]
    echoed = data.draw(st.sampled_from([piece, piece.upper(), piece.lower(), piece.swapcase()]))
    cleaned = redact(f"{text}{echoed}{text}", key)
    assert echoed not in cleaned and piece not in cleaned


@given(
    st.one_of(st.none(), st.integers(100, 599)),
    json_values,
    st.text(min_size=8, max_size=40).filter(str.strip),
)
def test_any_error_body_maps_to_one_scrubbed_line(
    status: int | None, body: object, key: str
) -> None:
    if isinstance(body, dict):
        body = {**body, "error": {"message": f"echo {key}"}}
    error = error_from_response(make_descriptor(), "m", status=status, body=body, api_key=key)
    assert isinstance(error, runtime.ProviderError)
    assert key not in str(error)
    assert "\n" not in str(error)
