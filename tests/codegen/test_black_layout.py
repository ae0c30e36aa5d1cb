"""Provider modules are laid out by codegen.pysource rather than by running black over them
(black dominates compile time for large registries). These tests hold it to black's output.
"""

from __future__ import annotations

import keyword
from pathlib import Path

import black
import pytest
from black.strings import normalize_string_quotes
from hypothesis import given, settings
from hypothesis import strategies as st

from llm_registry.codegen.pipeline import compile_registry
from llm_registry.codegen.pysource import expression, format_python, import_statement
from llm_registry.codegen.pyvalues import PyCall, PyDict, PyList, PyValue, python_literal
from tests.codegen.conftest import ACME, PROJECT_ROOT, RegistryFactory

PYTHON_OUTPUTS = sorted(
    [
        *(PROJECT_ROOT / "generated").rglob("*.py"),
        *(Path(__file__).parent / "golden").rglob("expected/**/*.py"),
    ]
)


def test_every_committed_python_output_is_black_formatted() -> None:
    assert len(PYTHON_OUTPUTS) > 10
    for path in PYTHON_OUTPUTS:
        source = path.read_text(encoding="utf-8")
        assert format_python(source) == source, path


scalars = st.one_of(
    st.text(max_size=120).filter(lambda text: "\x00" not in text).map(python_literal),
    st.integers(min_value=0, max_value=10**12).map(python_literal),
    st.floats(min_value=0, max_value=1e6, allow_nan=False).map(python_literal),
    st.booleans().map(python_literal),
    st.just("None"),
)
names = st.from_regex(r"[a-z][a-z_]{0,30}", fullmatch=True).filter(
    lambda name: not keyword.iskeyword(name)
)
values: st.SearchStrategy[PyValue] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda items: PyList(tuple(items))),
        st.lists(st.tuples(scalars, scalars), max_size=3).map(lambda items: PyDict(tuple(items))),
        st.lists(st.tuples(names, children), max_size=4).map(
            lambda args: PyCall("Model", tuple(args))
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    value=values,
    imported=st.lists(
        st.from_regex(r"[A-Z][a-zA-Z]{0,25}", fullmatch=True),
        min_size=1,
        max_size=9,
        unique=True,
    ),
)
def test_emitted_source_is_what_black_would_write(value: PyValue, imported: list[str]) -> None:
    # A provider module's right-hand side is always a constructor call.
    provider = PyCall("ProviderDescriptor", (("value", value),))
    module = f"{import_statement('..descriptor', tuple(imported))}\n\nPROVIDER = {expression(provider)}\n"
    assert black.format_str(module, mode=black.Mode()) == module


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("ab'\"\\\n\x85é🦙 "), max_size=12) | st.text(max_size=30)
)
def test_string_literals_are_black_normalized_and_exact(text: str) -> None:
    literal = python_literal(text)
    assert literal == normalize_string_quotes(repr(text))
    assert eval(literal) == text


@pytest.mark.parametrize("ids", [["solo"], ["a" + "-x" * 31 + "z", "b"], ["p-1", "p-2", "p-3"]])
def test_generated_modules_of_any_registry_are_black_formatted(
    ids: list[str], make_registry: RegistryFactory
) -> None:
    descriptors = {
        provider_id: ACME.replace("id: acme", f"id: {provider_id}").replace(
            "ACME_API_KEY", f"KEY_{index}"
        )
        for index, provider_id in enumerate(ids)
    }
    outputs = compile_registry(make_registry(descriptors))
    for path, data in outputs.items():
        if path.endswith(".py"):
            source = data.decode("utf-8")
            assert format_python(source) == source, path
