"""Plausibility warnings (W0xx): each on a small registry, their silences, replaced_by's
errors, and --strict / ``strict = true`` turning them into failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_registry.codegen.pipeline import compile_registry
from llm_registry.codegen.validate import validate_registry
from tests.codegen.conftest import ACME, RegistryFactory
from tests.codegen.test_app_cli import llm_registry

PRICING = """\
    pricing:
      input_per_million: 1.5
      output_per_million: 6.0
"""
SECOND_MODEL = """\
  - id: acme-small
    display_name: Acme Small
    context_window: 32768
    max_output_tokens: 4096
    attachments: [text]
"""


def acme(old: str, new: str) -> str:
    assert old in ACME
    return ACME.replace(old, new)


def priced(extra: str) -> str:
    return acme(PRICING, PRICING + extra)


def model_line(text: str, needle: str) -> int:
    return text.splitlines().index(needle) + 1


def codes(registry: Path) -> list[tuple[str, int]]:
    result = validate_registry(registry)
    assert result.diagnostics == []
    return [(warning.code, warning.line) for warning in result.warnings]


WARNING_CASES = {
    "W001": (priced("      cache_read_per_million: 2.0\n"), "      cache_read_per_million: 2.0"),
    "W002": (
        priced("      cache_read_per_million: 0\n      cache_write_per_million: 0.15\n"),
        "      cache_write_per_million: 0.15",
    ),
    "W003": (
        acme("output_per_million: 6.0", "output_per_million: 0.1"),
        "      output_per_million: 0.1",
    ),
    "W004": (
        acme("context_window: 131072", "context_window: 20000000"),
        "    context_window: 20000000",
    ),
    "W005": (
        acme("max_output_tokens: 8192", "max_output_tokens: 131072"),
        "    max_output_tokens: 131072",
    ),
    "W006": (acme(PRICING, ""), "  - id: acme-large"),
    "W007": (
        ACME + SECOND_MODEL.replace("Acme Small", "Acme Large") + PRICING,
        "    display_name: Acme Large",
    ),
    "W008": (ACME + "    deprecated: true\n", "    deprecated: true"),
}


@pytest.mark.parametrize("code", sorted(WARNING_CASES))
def test_each_warning_at_its_line(code: str, make_registry: RegistryFactory) -> None:
    text, needle = WARNING_CASES[code]
    registry = make_registry({"acme": text})
    lines = [number for number, line in enumerate(text.splitlines(), 1) if line == needle]
    assert codes(registry) == [(code, lines[-1])]


def test_the_plain_descriptor_has_no_warning(make_registry: RegistryFactory) -> None:
    assert codes(make_registry({"acme": ACME})) == []


def test_a_small_context_window_is_implausible_too(make_registry: RegistryFactory) -> None:
    text = acme("context_window: 131072", "context_window: 512").replace(
        "max_output_tokens: 8192", "max_output_tokens: 256"
    )
    assert codes(make_registry({"acme": text})) == [("W004", 16)]


def test_a_keyless_or_local_provider_is_not_paid(make_registry: RegistryFactory) -> None:
    unpriced = acme(PRICING, "")
    keyless = unpriced.replace(
        """api_key:
  env: ACME_API_KEY
  placeholder: "acme-..."
  url: https://console.acme.example/keys
""",
        "api_key: null\n",
    )
    local = unpriced.replace("https://api.acme.example/v1", "http://localhost:8080/v1")
    assert codes(make_registry({"acme": keyless})) == []
    assert codes(make_registry({"acme": local})) == []


def test_silences_turn_warnings_off_and_are_counted(make_registry: RegistryFactory) -> None:
    text, _ = WARNING_CASES["W005"]
    per_model = text + '    silence:\n      - code: W005\n        reason: "documented so"\n'
    result = validate_registry(make_registry({"acme": per_model}))
    assert result.diagnostics == [] and result.warnings == [] and result.silenced == 1
    per_file = text + 'silence:\n  - {code: W005, reason: "the whole file"}\n'
    result = validate_registry(make_registry({"acme": per_file}))
    assert result.diagnostics == [] and result.warnings == [] and result.silenced == 1
    other_code = text + 'silence:\n  - {code: W003, reason: "something else"}\n'
    assert codes(make_registry({"acme": other_code})) == [("W005", 17)]


@pytest.mark.parametrize(
    ("silence", "code"),
    [
        ("silence:\n  - {code: W005}\n", "E202"),
        ('silence:\n  - {code: W005, reason: "  "}\n', "E204"),
        ('silence:\n  - {code: E305, reason: "no"}\n', "E204"),
        ('silence:\n  - {code: W099, reason: "no such warning"}\n', "E323"),
    ],
)
def test_a_silence_needs_a_warning_code_and_a_reason(
    silence: str, code: str, make_registry: RegistryFactory
) -> None:
    result = validate_registry(make_registry({"acme": ACME + silence}))
    assert [diagnostic.code for diagnostic in result.diagnostics] == [code]


def with_small(extra: str, small_extra: str = "") -> str:
    return ACME + extra + SECOND_MODEL + PRICING + small_extra


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (with_small("    deprecated: true\n    replaced_by: acme-tiny\n"), "E320"),
        (with_small("    deprecated: true\n    replaced_by: acme-large\n"), "E321"),
        (
            with_small(
                "    deprecated: true\n    replaced_by: acme-small\n",
                "    deprecated: true\n    replaced_by: acme-large\n",
            ),
            "E321",
        ),
        (
            with_small(
                "    deprecated: true\n    replaced_by: acme-small\n", "    deprecated: true\n"
            ),
            "E322",
        ),
    ],
)
def test_replaced_by_must_lead_to_a_model_in_service(
    text: str, code: str, make_registry: RegistryFactory
) -> None:
    diagnostics = validate_registry(make_registry({"acme": text})).diagnostics
    assert code in {diagnostic.code for diagnostic in diagnostics}


def test_replaced_by_reaches_the_generated_classes_and_silences_do_not(
    make_registry: RegistryFactory,
) -> None:
    text = with_small(
        '    deprecated: true\n    replaced_by: acme-small\n    silence:\n      - {code: W003, reason: "x"}\n'
    ).replace(
        "output_per_million: 6.0", "output_per_million: 6.0\n      cache_read_per_million: 0.15", 1
    )
    registry = make_registry({"acme": text})
    assert codes(registry) == []
    files = compile_registry(registry)
    module = files["providers/acme.py"].decode()
    assert 'replaced_by="acme-small"' in module
    assert "cache_read_per_million=0.15" in module
    assert "silence" not in module and "silence" not in files["descriptor.py"].decode()
    assert "replaced_by: str | None = None" in files["descriptor.py"].decode()


def test_strict_turns_warnings_into_failures(
    tmp_path: Path, make_registry: RegistryFactory
) -> None:
    text, _ = WARNING_CASES["W003"]
    make_registry({"acme": text})
    lenient = llm_registry("validate", cwd=tmp_path)
    assert lenient.returncode == 0
    assert "registry/providers/acme.yaml:21:27: warning[W003]" in lenient.stdout
    strict = llm_registry("validate", "--strict", cwd=tmp_path)
    assert strict.returncode == 1
    assert "registry/providers/acme.yaml:21:27: error[W003]" in strict.stdout
    assert "strict: 1 plausibility warning(s) fail this run" in strict.stderr
    generate = llm_registry("generate", "--strict", cwd=tmp_path)
    assert generate.returncode == 1 and not (tmp_path / "generated").exists()
    assert llm_registry("generate", cwd=tmp_path).returncode == 0
    assert llm_registry("check", cwd=tmp_path).returncode == 0
    assert llm_registry("check", "--strict", cwd=tmp_path).returncode == 1
    (tmp_path / "pyproject.toml").write_text(
        '[tool.llm-registry]\nregistry = "registry"\nstrict = true\n'
    )
    assert llm_registry("validate", cwd=tmp_path).returncode == 1
    assert llm_registry("generate", cwd=tmp_path).returncode == 1
    silenced = text + 'silence:\n  - {code: W003, reason: "output is subsidised"}\n'
    (tmp_path / "registry/providers/acme.yaml").write_text(silenced)
    clean = llm_registry("validate", "--error-format", "json", cwd=tmp_path)
    assert clean.returncode == 0
    assert clean.stdout.strip().endswith('"exit": 0, "silenced": 1}')


def test_strict_must_be_a_boolean(tmp_path: Path, make_registry: RegistryFactory) -> None:
    make_registry({"acme": ACME})
    (tmp_path / "pyproject.toml").write_text('[tool.llm-registry]\nstrict = "yes"\n')
    result = llm_registry("validate", cwd=tmp_path)
    assert result.returncode == 2 and "strict must be true or false" in result.stderr
