"""One broken registry per diagnostic code: each is refused at the right file, line and column,
with every problem reported at once, and without a traceback from the CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from llm_registry.codegen.diagnostics import CODES
from llm_registry.codegen.validate import validate_registry
from tests.codegen.conftest import ACME, SAFE_SVG, RegistryFactory, run_codegen


def acme(old: str, new: str) -> str:
    assert old in ACME, old
    return ACME.replace(old, new, 1)


ACME_WITH_LOGO = acme("default_models:", "logo:\n  svg: logos/acme.svg\ndefault_models:")


@dataclass
class Case:
    code: str
    descriptors: dict[str, str]
    line: int  # where the diagnostic must point (0: the whole file)
    column: int = 0  # 0: any column
    message: str = ""  # a fragment the message must contain
    logos: dict[str, str] | None = None
    stray_files: tuple[str, ...] = ()


VARIABLES = "variables:\n  region:\n    label: Region\n    placeholder: us-east-1\n{extra}"
TEMPLATED = acme("https://api.acme.example", "https://api.{region}.acme.example")

ENV_DUPLICATE = ACME.replace("id: acme", "id: other").replace("Acme AI", "Other")

CASES = {
    "stray-file": Case("E003", {"acme": ACME}, 0, stray_files=("notes.yml",)),
    "folder-named-yaml": Case(
        "E003", {"acme": ACME}, 0, message="folder", stray_files=("drafts.yaml/",)
    ),
    "not-utf8": Case("E101", {"acme": ACME}, 2, 20),
    "yaml-syntax": Case("E102", {"acme": acme('  - "context length"', "  - [unclosed")}, 11),
    "not-a-mapping": Case("E103", {"acme": "- just\n- a list\n"}, 1, 1),
    "empty-file": Case("E103", {"acme": "# nothing\n"}, 1, 1, "empty"),
    "duplicate-key": Case(
        "E104",
        {"acme": acme("display_name: Acme AI", "display_name: Acme AI\ndisplay_name: Acme")},
        3,
        1,
        "first defined at line 2",
    ),
    "python-tag": Case(
        "E105",
        {
            "acme": acme(
                "display_name: Acme AI",
                "display_name: !!python/object/apply:os.system [ls]",
            )
        },
        2,
        15,
    ),
    "string-tag-on-a-mapping": Case(
        "E105",
        {"acme": acme("api_key:\n", "api_key: !!str\n")},
        5,
        10,
        "cannot be put on a mapping",
    ),
    "merge-key": Case(
        "E105",
        {"acme": acme("discovery:\n", "discovery:\n  <<: {dialect: none}\n")},
        12,
        3,
        "merge",
    ),
    "nan": Case(
        "E106",
        {"acme": acme("input_per_million: 1.5", "input_per_million: .nan")},
        20,
        26,
    ),
    "inf": Case(
        "E106",
        {"acme": acme("output_per_million: 6.0", "output_per_million: -.inf")},
        21,
        27,
    ),
    "alias-bomb": Case(
        "E107",
        {
            "acme": ACME
            + "".join(
                f"x{level}: &x{level} [{', '.join([f'*x{level - 1}'] * 10) if level else 'lol'}]\n"
                for level in range(9)
            )
        },
        1,
        1,
        "expand",
    ),
    "recursive-alias": Case(
        "E107", {"acme": ACME + "loop: &loop [*loop]\n"}, 1, 1, "refers to itself"
    ),
    "deep-flow-nesting": Case(
        "E110", {"acme": ACME + "deep: " + "[" * 100_000 + "]" * 100_000 + "\n"}, 1, 1, "nested"
    ),
    "deep-block-nesting": Case(
        "E110", {"acme": ACME + "deep:\n" + "".join(" " * i + "- \n" for i in range(1, 140))}, 1, 1
    ),
    "multiple-documents": Case("E108", {"acme": ACME + "---\nid: again\n"}, 23, 1),
    "nul-character": Case(
        "E109",
        {"acme": acme("display_name: Acme AI", 'display_name: "Acme\\0AI"')},
        2,
        15,
    ),
    "unknown-key": Case(
        "E201",
        {
            "acme": acme(
                "    display_name: Acme Large",
                "    display_name: Acme Large\n    contxt_window: 5",
            )
        },
        16,
        5,
        "did you mean 'context_window'",
    ),
    "missing-key": Case(
        "E202",
        {"acme": acme("implementation: openai_compatible\n", "")},
        1,
        1,
        "'implementation'",
    ),
    "yes-is-boolean": Case(
        "E203",
        {"acme": acme("display_name: Acme AI", "display_name: yes")},
        2,
        15,
        'quote it: "yes"',
    ),
    "sexagesimal": Case(
        "E204",
        {"acme": acme("max_output_tokens: 8192", "max_output_tokens: 1:30")},
        17,
        24,
        "plain decimal",
    ),
    "binary-number": Case(
        "E204",
        {"acme": acme("max_output_tokens: 8192", "max_output_tokens: 0b101")},
        17,
        24,
        "plain decimal",
    ),
    "exponent-is-text": Case(
        "E203", {"acme": acme("context_window: 131072", "context_window: 1.5e5")}, 16, 21, "as text"
    ),
    "host-header": Case(
        "E204", {"acme": ACME + "headers:\n  Host: evil.example\n"}, 23, 3, "HTTP client"
    ),
    "svg-stylesheet": Case(
        "E311",
        {"acme": ACME_WITH_LOGO},
        14,
        8,
        "processing instructions",
        logos={
            "acme.svg": '<?xml version="1.0"?><?xml-stylesheet href="https://evil.example/x.css"?>'
            + SAFE_SVG
        },
    ),
    "fifo-descriptor": Case(
        "E002", {"acme": ACME}, 0, message="not a regular file", stray_files=("pipe.yaml|",)
    ),
    "wrong-type": Case(
        "E203",
        {"acme": acme("context_window: 131072", "context_window: lots")},
        16,
        21,
        "an integer",
    ),
    "date-is-not-string": Case(
        "E203",
        {"acme": acme("display_name: Acme Large", "display_name: 2024-01-01")},
        15,
        19,
        "a date",
    ),
    "bad-enum": Case(
        "E204",
        {"acme": acme("implementation: openai_compatible", "implementation: openai_compatibel")},
        4,
        17,
        "did you mean 'openai_compatible'",
    ),
    "bad-attachment": Case(
        "E204", {"acme": acme("[text, image, webpage]", "[text, video]")}, 18, 25
    ),
    "negative-price": Case(
        "E204",
        {"acme": acme("input_per_million: 1.5", "input_per_million: -1")},
        20,
        26,
    ),
    "id-double-hyphen": Case(
        "E204", {"a--b": acme("id: acme", "id: a--b")}, 1, 5, "does not match"
    ),
    "bad-env-name": Case("E204", {"acme": acme("env: ACME_API_KEY", "env: acme-key")}, 6, 8),
    "empty-patterns": Case(
        "E204",
        {
            "acme": acme(
                'context_limit_patterns:\n  - "context length"',
                "context_limit_patterns: []",
            )
        },
        9,
        25,
    ),
    "id-not-stem": Case(
        "E301", {"acme": acme("id: acme", "id: acme-ai")}, 1, 5, "file name 'acme'"
    ),
    "duplicate-id": Case(
        "E302", {"acme": ACME, "zeta": ACME.replace("ACME_API_KEY", "ZETA_KEY")}, 1, 5
    ),
    "duplicate-env": Case("E303", {"acme": ACME, "other": ENV_DUPLICATE}, 6, 8, "ACME_API_KEY"),
    "duplicate-model": Case(
        "E304",
        {"acme": ACME + ACME[ACME.index("  - id: acme-large") :]},
        22,
        9,
        "line 14",
    ),
    "output-over-context": Case(
        "E305",
        {"acme": acme("max_output_tokens: 8192", "max_output_tokens: 200000")},
        17,
        24,
    ),
    "model-separator": Case("E306", {"acme": acme("- id: acme-large", "- id: acme::large")}, 14, 9),
    "not-a-url": Case(
        "E307",
        {"acme": acme("https://api.acme.example/v1", "api.acme.example/v1")},
        3,
        11,
    ),
    "bad-port": Case(
        "E307",
        {"acme": acme("https://api.acme.example/v1", "https://api.acme.example:99999/v1")},
        3,
        11,
    ),
    "http-remote": Case(
        "E308",
        {"acme": acme("https://api.acme.example/v1", "http://api.acme.example/v1")},
        3,
        11,
        "https",
    ),
    "http-key-url": Case(
        "E308",
        {"acme": acme("https://console.acme.example/keys", "http://localhost/keys")},
        8,
        8,
    ),
    "credentials-in-url": Case(
        "E309",
        {"acme": acme("https://api.acme.example/v1", "https://me:secret@api.acme.example/v1")},
        3,
        11,
    ),
    "logo-missing": Case("E310", {"acme": ACME_WITH_LOGO}, 14, 8, "does not exist"),
    "svg-script": Case(
        "E311",
        {"acme": ACME_WITH_LOGO},
        14,
        8,
        "<script>",
        logos={"acme.svg": SAFE_SVG.replace("</svg>", "<script>alert(1)</script></svg>")},
    ),
    "svg-foreign-object": Case(
        "E311",
        {"acme": ACME_WITH_LOGO},
        14,
        8,
        "foreignObject",
        logos={"acme.svg": SAFE_SVG.replace("</svg>", "<foreignObject/></svg>")},
    ),
    "svg-onload": Case(
        "E311",
        {"acme": ACME_WITH_LOGO},
        14,
        8,
        "onload",
        logos={"acme.svg": SAFE_SVG.replace("<svg ", '<svg onload="x()" ')},
    ),
    "svg-external-href": Case(
        "E311",
        {"acme": ACME_WITH_LOGO},
        14,
        8,
        "external reference",
        logos={
            "acme.svg": SAFE_SVG.replace(
                "</svg>", '<use href="https://evil.example/x.svg#a"/></svg>'
            )
        },
    ),
    "svg-javascript": Case(
        "E311",
        {"acme": ACME_WITH_LOGO},
        14,
        8,
        "javascript",
        logos={"acme.svg": SAFE_SVG.replace("</svg>", '<use href="javascript:alert(1)"/></svg>')},
    ),
    "svg-css-url": Case(
        "E311",
        {"acme": ACME_WITH_LOGO},
        14,
        8,
        "url(",
        logos={
            "acme.svg": SAFE_SVG.replace(
                "<circle", '<circle style="fill:url(https://evil.example/p)"'
            )
        },
    ),
    "svg-not-svg": Case(
        "E311",
        {"acme": ACME_WITH_LOGO},
        14,
        8,
        "not <svg>",
        logos={"acme.svg": "<html/>"},
    ),
    "svg-malformed": Case(
        "E311",
        {"acme": ACME_WITH_LOGO},
        14,
        8,
        "well-formed",
        logos={"acme.svg": "<svg><g></svg>"},
    ),
    "svg-entities": Case(
        "E311",
        {"acme": ACME_WITH_LOGO},
        14,
        8,
        "ENTITY",
        logos={"acme.svg": '<!DOCTYPE svg [<!ENTITY a "b">]>' + SAFE_SVG},
    ),
    "reasoning-without-efforts": Case(
        "E312",
        {"acme": acme("    pricing:", "    reasoning:\n      mode: effort\n    pricing:")},
        20,
        7,
    ),
    "sent-as-wrong-mode": Case(
        "E312",
        {
            "acme": acme(
                "    pricing:",
                "    reasoning:\n      mode: effort\n      efforts: [low]\n"
                "      sent_as: chat_template_kwargs\n    pricing:",
            )
        },
        22,
        16,
        "carries reasoning mode toggle, not 'effort'",
    ),
    "sent-as-not-openai-compatible": Case(
        "E312",
        {
            "acme": acme(
                "    pricing:",
                "    reasoning:\n      mode: toggle\n      sent_as: thinking\n    pricing:",
            ).replace("implementation: openai_compatible", "implementation: anthropic")
        },
        21,
        7,
        "only applies to chat completions",
    ),
    "model-implementation-in-anthropic-provider": Case(
        "E324",
        {
            "acme": acme(
                "    pricing:", "    implementation: openai_responses\n    pricing:"
            ).replace("implementation: openai_compatible", "implementation: anthropic")
        },
        19,
        5,
        "not within a 'anthropic' provider",
    ),
    "can-disable-on-toggle": Case(
        "E312",
        {
            "acme": acme(
                "    pricing:",
                "    reasoning:\n      mode: toggle\n      can_disable: false\n    pricing:",
            )
        },
        21,
        7,
        "mode 'toggle' always can",
    ),
    "price-tiers-not-increasing": Case(
        "E340",
        {
            "acme": ACME
            + "      tiers:\n"
            + "        - above_input_tokens: 200000\n"
            + "          input_per_million: 3\n"
            + "          output_per_million: 12\n"
            + "        - above_input_tokens: 128000\n"
            + "          input_per_million: 4\n"
            + "          output_per_million: 16\n"
        },
        26,
        31,
        "above 128,000 input tokens follows one above 200,000",
    ),
    "deprecated-contradicts-status": Case(
        "E341",
        {"acme": acme("    pricing:", "    deprecated: true\n    status: active\n    pricing:")},
        19,
        17,
        "contradicts status: active",
    ),
    "since-not-a-date": Case(
        "E342",
        {
            "acme": acme(
                "    pricing:", '    status: retired\n    since: "2025-02-30"\n    pricing:'
            )
        },
        20,
        12,
        "not a calendar date",
    ),
    "header-line-break": Case(
        "E204",
        {"acme": ACME + 'headers:\n  X-Client: "a\\r\\nInjected: 1"\n'},
        23,
        13,
        "does not match",
    ),
    "absurd-price": Case(
        "E204",
        {"acme": acme("input_per_million: 1.5", "input_per_million: " + "9" * 400)},
        20,
        26,
        "maximum",
    ),
    "absurd-context": Case(
        "E204",
        {"acme": acme("context_window: 131072", "context_window: 100000000000000000000000000000")},
        16,
        21,
        "maximum",
    ),
    "credential-header": Case("E313", {"acme": ACME + "headers:\n  X-Api-Key: secret\n"}, 23, 3),
    # E330-E338: templated base URLs, auth and fixed query parameters.
    "undeclared-url-variable": Case(
        "E330", {"acme": acme("api.acme", "{resource}.acme")}, 3, 11, "{resource}"
    ),
    "unused-url-variable": Case(
        "E331", {"acme": ACME + VARIABLES.format(extra="")}, 23, 3, "'region'"
    ),
    "malformed-url-template": Case(
        "E332", {"acme": acme("/v1", "/{Region}/v1")}, 3, 11, "not a variable name"
    ),
    "stray-brace-in-url": Case("E332", {"acme": acme("/v1", "/v1}")}, 3, 11, "'}'"),
    "invalid-variable-pattern": Case(
        "E333",
        {"acme": TEMPLATED + VARIABLES.format(extra="    pattern: '[a-'\n")},
        26,
        14,
        "not a regex",
    ),
    "default-outside-pattern": Case(
        "E334",
        {"acme": TEMPLATED + VARIABLES.format(extra="    pattern: '[a-z]+'\n    default: us1\n")},
        27,
        14,
        "does not match its pattern",
    ),
    "default-with-a-slash": Case(
        "E334",
        {"acme": TEMPLATED + VARIABLES.format(extra="    default: us/east\n")},
        26,
        14,
        "change the URL's structure",
    ),
    "template-insecure-with-samples": Case(
        "E308",
        {"acme": acme("https://api.acme", "http://{region}.acme") + VARIABLES.format(extra="")},
        3,
        11,
        "with sample values",
    ),
    "auth-header-without-name": Case("E335", {"acme": ACME + "auth:\n  type: header\n"}, 23, 3),
    "auth-header-reserved": Case(
        "E335", {"acme": ACME + "auth:\n  type: header\n  name: Content-Type\n"}, 24, 9
    ),
    "auth-none-with-key": Case(
        "E336", {"acme": ACME + "auth:\n  type: none\n"}, 23, 9, "api_key: null"
    ),
    "variable-env-is-key-env": Case(
        "E337",
        {"acme": TEMPLATED + VARIABLES.format(extra="    env: ACME_API_KEY\n")},
        26,
        10,
        "ACME_API_KEY",
    ),
    "query-parameter-conflict": Case(
        "E338",
        {"acme": ACME + "auth:\n  type: query\n  name: key\nquery:\n  key: fixed\n"},
        26,
        3,
        "carries the key",
    ),
    "context-sample-not-detected": Case(
        "E314",
        {
            "acme": acme(
                "discovery:",
                "context_limit_examples:\n  match:\n    - status: 400\n"
                '      body: \'{"error": {"message": "the prompt overflowed"}}\'\ndiscovery:',
            )
        },
        13,
        7,
        '\'{"error": {"message": "the prompt overflowed"}}\' (HTTP 400) is not detected',
    ),
    "context-sample-falsely-detected": Case(
        "E315",
        {
            "acme": acme(
                "discovery:",
                "context_limit_examples:\n  match: []\n  no_match:\n    - status: 429\n"
                "      body: 'slow down: too much context length per minute'\ndiscovery:",
            )
        },
        14,
        7,
        "(HTTP 429) is read as a context-limit error",
    ),
    "too-many-values": Case(
        "E111", {"acme": ACME + "extra: [" + "1," * 120_000 + "1]\n"}, 1, 1, "more than"
    ),
    "leading-zero-octal": Case(
        "E204",
        {"acme": acme("context_window: 131072", "context_window: 0100000000")},
        16,
        21,
        "leading zero",
    ),
    "integer-past-digit-limit": Case(
        "E204",
        {"acme": acme("context_window: 131072", "context_window: " + "9" * 5000)},
        16,
        21,
        "too large",
    ),
    "bidi-override": Case(
        "E109",
        {"acme": acme("display_name: Acme AI", 'display_name: "Acme \\u202eIA"')},
        2,
        15,
        "U+202E",
    ),
    "escape-character": Case(
        "E109",
        {"acme": acme("display_name: Acme AI", 'display_name: "Acme \\e[31mAI"')},
        2,
        15,
        "U+001B",
    ),
    "tab-in-display-name": Case(
        "E109",
        {"acme": acme("display_name: Acme AI", 'display_name: "Acme\\tAI"')},
        2,
        15,
        "one line",
    ),
}


def _write_case(case: Case, make_registry: RegistryFactory) -> Path:
    registry = make_registry(case.descriptors, case.logos)
    if case.code == "E101":
        # A Latin-1 byte where UTF-8 is required.
        path = registry / "providers" / "acme.yaml"
        path.write_bytes(ACME.replace("Acme AI", "Acme \xe9", 1).encode("latin-1"))
    for name in case.stray_files:
        if name.endswith("|"):
            os.mkfifo(registry / "providers" / name[:-1])
        elif name.endswith("/"):
            (registry / "providers" / name).mkdir()
        else:
            (registry / "providers" / name).write_text(ACME)
    return registry


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_broken_descriptor_is_refused_where_it_is_broken(
    name: str, make_registry: RegistryFactory
) -> None:
    case = CASES[name]
    registry = _write_case(case, make_registry)
    diagnostics = validate_registry(registry).diagnostics
    matching = [d for d in diagnostics if d.code == case.code]
    assert matching, [d.format() for d in diagnostics]
    first = matching[0]
    assert first.line == case.line, first.format()
    if case.column:
        assert first.column == case.column, first.format()
    assert case.message in first.message, first.format()


def test_a_huge_value_is_echoed_cut_short(make_registry: RegistryFactory) -> None:
    huge = "9" * 1_000_000
    registry = make_registry({"acme": acme("context_window: 131072", f"context_window: {huge}")})
    [diagnostic] = validate_registry(registry).diagnostics
    assert diagnostic.code == "E204"
    assert len(diagnostic.format()) < 400
    assert "…" in diagnostic.message


def test_a_huge_string_is_quoted_cut_short(make_registry: RegistryFactory) -> None:
    huge = "A" * 10_000_000
    registry = make_registry({"acme": acme("display_name: Acme AI", f'display_name: "{huge}"')})
    [diagnostic] = validate_registry(registry).diagnostics
    assert diagnostic.code == "E204" and diagnostic.line == 2
    assert len(diagnostic.format()) < 1200
    assert " … " in diagnostic.message


def test_every_code_has_a_case() -> None:
    covered = {case.code for case in CASES.values()}
    # E001 (no registry), E004 (empty), E401 (stale output) and W402 (stale schema copy) are
    # exercised through the CLI in test_generate.py and test_app_cli.py; the importer's
    # warnings (W5xx) in tests/importer; plausibility (W0xx, E320-E323) in test_warnings.py
    # and breaking changes (B0xx) in test_breaking.py.
    elsewhere = ("W5", "W0", "B", "E32")
    uncovered = {code for code in set(CODES) - covered if not code.startswith(elsewhere)}
    assert uncovered == {"E001", "E004", "E401", "W402"}


def test_every_problem_in_every_file_is_reported_at_once(
    make_registry: RegistryFactory,
) -> None:
    broken = acme("display_name: Acme AI", "display_name: yes").replace(
        "context_window: 131072", "context_window: -1"
    )
    registry = make_registry(
        {
            "acme": broken,
            "other": ENV_DUPLICATE.replace("dialect: openai", "dialect: gopher"),
        }
    )
    diagnostics = validate_registry(registry).diagnostics
    assert {(Path(d.path).name, d.code) for d in diagnostics} == {
        ("acme.yaml", "E203"),
        ("acme.yaml", "E204"),
        ("other.yaml", "E204"),
        ("other.yaml", "E303"),
    }


@pytest.mark.parametrize(
    "name", ["yes-is-boolean", "alias-bomb", "python-tag", "not-utf8", "svg-script"]
)
def test_cli_prints_file_line_column_diagnostics_without_traceback(
    name: str, make_registry: RegistryFactory
) -> None:
    case = CASES[name]
    registry = _write_case(case, make_registry)
    result = run_codegen("validate", "--registry", str(registry))
    assert result.returncode == 1
    assert f"acme.yaml:{case.line}:" in result.stdout
    assert f"error[{case.code}]" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
