"""Registry access and the model-id grammar, against the registry compiled from
tests/registry/ (an app's own package); the curated registry's own checks are in test_curated.py."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from llm_registry import runtime
from llm_registry.runtime import InvalidModelIdError, Registry, UnknownProviderError
from tests.fixture_registry import TEST_REGISTRY_PACKAGE, CompiledRegistry

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEST_IDS = [
    "wire-openai",
    "wire-anthropic",
    "wire-gemini",
    "wire-aggregator",
    "wire-local",
    "wire-custom",
    "wire-templated",
]


def _package() -> Any:
    return importlib.import_module(TEST_REGISTRY_PACKAGE)


# --- the test registry through registry= --------------------------------------------------------


def test_providers_are_the_registry_in_its_display_order(test_registry: Registry) -> None:
    assert list(test_registry.ids) == TEST_IDS
    assert [d.id for d in runtime.providers(registry=test_registry)] == TEST_IDS
    assert runtime.providers(registry=test_registry) == [
        test_registry.providers[provider_id] for provider_id in TEST_IDS
    ]


@pytest.mark.parametrize("provider_id", TEST_IDS)
def test_get_provider_returns_each_descriptor(test_registry: Registry, provider_id: str) -> None:
    descriptor = runtime.get_provider(provider_id, registry=test_registry)
    assert descriptor is _package().PROVIDERS[provider_id]
    assert descriptor.id == provider_id


def test_the_default_registry_is_not_the_one_passed(test_registry: Registry) -> None:
    with pytest.raises(UnknownProviderError):
        runtime.get_provider("wire-openai")
    with pytest.raises(UnknownProviderError):
        runtime.get_provider("openai", registry=test_registry)


def test_unknown_provider_error_names_the_id_and_the_known_ones(test_registry: Registry) -> None:
    with pytest.raises(UnknownProviderError) as caught:
        runtime.get_provider("acme-ai", registry=test_registry)
    message = str(caught.value)
    assert "'acme-ai'" in message
    assert "wire-openai" in message and "wire-local" in message
    assert caught.value.kind == "config"


@pytest.mark.parametrize(
    ("model_id", "provider_id", "model"),
    [
        ("wire-openai::plain-model", "wire-openai", "plain-model"),
        (
            "wire-aggregator::meta-llama/llama-4-scout",
            "wire-aggregator",
            "meta-llama/llama-4-scout",
        ),
        ("wire-aggregator::deepseek/r1:free", "wire-aggregator", "deepseek/r1:free"),
        ("wire-local::llama3.2:3b", "wire-local", "llama3.2:3b"),
    ],
)
def test_parse_model_id(
    test_registry: Registry, model_id: str, provider_id: str, model: str
) -> None:
    ref = runtime.parse_model_id(model_id, registry=test_registry)
    assert (ref.provider_id, ref.model) == (provider_id, model)
    assert ref.descriptor is test_registry.providers[provider_id]
    assert ref.id == model_id == str(ref)


def test_model_ref_is_frozen(test_registry: Registry) -> None:
    ref = runtime.parse_model_id("wire-openai::plain-model", registry=test_registry)
    with pytest.raises(AttributeError):
        ref.model = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("model_id", "reason"),
    [
        ("wire-openai", "expected '<provider>::<model>'"),
        ("wire-openai:m", "expected '<provider>::<model>'"),
        ("", "expected '<provider>::<model>'"),
        ("::m", "provider part"),
        ("wire-openai::", "model part after '::' is empty"),
        ("wire-aggregator::a::b", "may not contain '::'"),
        (" wire-openai::m", "whitespace"),
        ("wire-openai::m k2", "whitespace"),
    ],
)
def test_malformed_model_ids_are_refused_with_the_input_named(
    test_registry: Registry, model_id: str, reason: str
) -> None:
    with pytest.raises(InvalidModelIdError) as caught:
        runtime.parse_model_id(model_id, registry=test_registry)
    assert repr(model_id) in str(caught.value)
    assert reason in str(caught.value)
    assert caught.value.kind == "config"


def test_a_long_input_is_echoed_cut_short() -> None:
    with pytest.raises(InvalidModelIdError) as caught:
        runtime.parse_model_id("x" * 5000)
    assert len(str(caught.value)) < 300


def test_unknown_provider_in_a_model_id(test_registry: Registry) -> None:
    with pytest.raises(UnknownProviderError, match="'nope'"):
        runtime.parse_model_id("nope::some-model", registry=test_registry)


def test_provider_label(test_registry: Registry) -> None:
    def label(model_id: str) -> str:
        return runtime.provider_label(model_id, registry=test_registry)

    assert label("wire-aggregator::meta-llama/llama-4-scout") == "meta-llama"
    assert label("wire-aggregator::anthropic/claude-sonnet-4.5") == "anthropic"
    # No vendor part: the provider itself.
    assert label("wire-aggregator::auto") == "wire-aggregator"
    # Only aggregators read a vendor out of the model id.
    assert label("wire-openai::meta-llama/Llama-3.3-70B") == "wire-openai"
    with pytest.raises(InvalidModelIdError):
        label("wire-aggregator")


# --- the generated package: REGISTRY, read-only PROVIDERS, lazy provider modules ----------------


def test_registry_names_its_package_and_its_resources(
    compiled_registry: CompiledRegistry, test_registry: Registry
) -> None:
    assert test_registry.package == TEST_REGISTRY_PACKAGE
    assert runtime.load_registry(TEST_REGISTRY_PACKAGE) is test_registry
    assert "INSERT INTO providers" in test_registry.seed_sql.read_text(encoding="utf-8")
    forms = json.loads(test_registry.key_forms_json.read_text(encoding="utf-8"))["forms"]
    assert [form["provider_id"] for form in forms] == [i for i in TEST_IDS if i != "wire-local"]
    logos = json.loads(test_registry.logos_json.read_text(encoding="utf-8"))["logos"]
    assert list(logos) == TEST_IDS
    assert sorted(p.name for p in test_registry.logos.iterdir()) == sorted(
        f"{i}.svg" for i in TEST_IDS
    )


def test_providers_mapping_is_read_only() -> None:
    assert isinstance(_package().PROVIDERS, Mapping)
    providers: Any = _package().PROVIDERS
    with pytest.raises(TypeError):
        providers["wire-openai"] = None
    with pytest.raises((TypeError, AttributeError)):
        del providers["wire-openai"]
    for mutator in ("pop", "clear", "update", "setdefault", "popitem"):
        assert not hasattr(providers, mutator), mutator
    with pytest.raises(AttributeError):
        providers.extra = 1
    display_names: Any = _package().DISPLAY_NAMES
    with pytest.raises(TypeError):
        display_names["wire-openai"] = "Other"
    registry: Any = _package().REGISTRY
    with pytest.raises(AttributeError):
        registry.package = "elsewhere"
    with pytest.raises(KeyError):
        _package().PROVIDERS["nope"]


def _fresh(compiled: CompiledRegistry, code: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={"PYTHONPATH": str(compiled.import_root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


LOADED_PROVIDER_MODULES = (
    "print(json.dumps(sorted(m.rsplit('.', 1)[1] for m in sys.modules"
    f" if m.startswith('{TEST_REGISTRY_PACKAGE}.providers.'))))\n"
)


def test_one_lookup_imports_only_that_providers_module(
    compiled_registry: CompiledRegistry,
) -> None:
    code = (
        "import sys, json\n"
        "from llm_registry import runtime\n"
        f"registry = runtime.load_registry({TEST_REGISTRY_PACKAGE!r})\n"
        "runtime.parse_model_id('wire-anthropic::budget-model', registry=registry)\n"
        "runtime.can_proceed('wire-anthropic', registry=registry)\n"
        "runtime.detect_context_limit_error('x', 'wire-anthropic::m', registry=registry)\n"
        + LOADED_PROVIDER_MODULES
    )
    assert _fresh(compiled_registry, code) == ["wire_anthropic"]


def test_ids_display_names_and_key_forms_need_no_provider_module(
    compiled_registry: CompiledRegistry,
) -> None:
    code = (
        "import sys, json\n"
        f"import {TEST_REGISTRY_PACKAGE} as package\n"
        "assert list(package.IDS) == list(package.PROVIDERS) == list(package.REGISTRY.ids)\n"
        "assert package.DISPLAY_NAMES['wire-gemini'] == 'Wire Gemini'\n"
        "assert 'wire-local' in package.PROVIDERS and len(package.PROVIDERS) == 7\n"
        "json.loads(package.REGISTRY.key_forms_json.read_text(encoding='utf-8'))\n"
        f"assert '{TEST_REGISTRY_PACKAGE}.descriptor' not in sys.modules\n"
        + LOADED_PROVIDER_MODULES
    )
    assert _fresh(compiled_registry, code) == []


def test_load_registry_refuses_what_is_not_a_generated_package() -> None:
    with pytest.raises(runtime.ConfigError, match="cannot import the registry package 'no_such"):
        runtime.load_registry("no_such_registry_package")
    with pytest.raises(runtime.ConfigError, match="'json' is not a generated registry package"):
        runtime.load_registry("json")
    with pytest.raises(runtime.ConfigError, match="invalid registry package name"):
        runtime.load_registry("")


def test_a_zipped_package_is_served_too(
    compiled_registry: CompiledRegistry, tmp_path: Path
) -> None:
    import zipfile

    archive = tmp_path / "app.zip"
    package_dir = compiled_registry.import_root / TEST_REGISTRY_PACKAGE
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(package_dir.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zipped.write(path, path.relative_to(compiled_registry.import_root).as_posix())
    code = (
        "import json\n"
        "from llm_registry import runtime\n"
        f"registry = runtime.load_registry({TEST_REGISTRY_PACKAGE!r})\n"
        "assert registry.providers['wire-gemini'].display_name == 'Wire Gemini'\n"
        "assert 'INSERT INTO providers' in registry.seed_sql.read_text(encoding='utf-8')\n"
        "forms = json.loads(registry.key_forms_json.read_text(encoding='utf-8'))['forms']\n"
        "logos = sorted(p.name for p in registry.logos.iterdir())\n"
        "print(json.dumps([len(forms), logos[0], "
        "type(registry.seed_sql).__module__.partition('.')[0]]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={"PYTHONPATH": str(archive), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [6, "wire-aggregator.svg", "zipfile"]
