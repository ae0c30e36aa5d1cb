"""The TypeScript target through the real toolchain: tsc --strict over the generated module,
node's test runner over its functions against the Python runtime on a shared table of cases,
a switch that stops compiling when a provider is added, and hostile values that come out of
JavaScript exactly as they went into the YAML."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from llm_registry.codegen.pipeline import compile_targets
from llm_registry.codegen.tsliterals import ts_string
from llm_registry.runtime._context import (
    BUILTIN_CONTEXT_LIMIT_PATTERNS,
    detect_context_limit_error,
)
from llm_registry.runtime._errors import InvalidModelIdError, UnknownProviderError
from llm_registry.runtime._registry import default_registry, parse_model_id, provider_label
from tests.codegen.conftest import ACME, PROJECT_ROOT, RegistryFactory
from tests.codegen.regenerate_golden import GOLDEN
from tests.codegen.typescript_toolchain import Toolchain, toolchain

__all__ = ["toolchain"]  # the fixture, used by name

GENERATED_TS = PROJECT_ROOT / "generated" / "ts" / "registry.ts"
AGREEMENT_TEST = Path(__file__).parent / "ts" / "agreement.test.ts"

# Ids the grammar has opinions on; whitespace both as Python sees it (U+001C, U+0085) and as
# JavaScript's \s does but Python does not (U+FEFF), and names Object.prototype holds.
ODD_MODEL_IDS = (
    "",
    "openai",
    "openai::",
    "::gpt-5",
    "::",
    "openai::a::b",
    "openai:gpt",
    " openai::gpt",
    "openai::gpt ",
    "openai ::gpt",
    "openai::a b",
    "openai::a\u00a0b",
    "openai::a\u001cb",
    "openai::a\u0085b",
    "openai::a\u2028b",
    "openai::a\ufeffb",
    "\ufeffopenai::gpt",
    "open ai::gpt",
    "OpenAI::gpt",
    "nope::model",
    "toString::x",
    "__proto__::x",
    "constructor::x",
    "hasOwnProperty::x",
    "ollama::llama3.2:3b",
    "openrouter::meta-llama/llama-4-scout",
    "openrouter::/leading-slash",
    "openrouter::no-vendor",
    "openrouter::a/b/c",
    "openai::meta-llama/llama-4-scout",
    "groq::openai/gpt-oss-120b",
    "openai::🦙",
    "openai:::x",
)

ODD_MESSAGES = (
    "",
    "everything is fine",
    "PROMPT IS TOO LONG: 300000 tokens > 200000 maximum",
    "Error: This model's Maximum Context Length Is 8192 tokens",
    "İnput tokens exceed the configured limit",
    "INPUT TOKENS EXCEED THE CONFIGURED LİMIT",
    "\u212aontext length exceeded",  # KELVIN SIGN lower-cases to k
    "context\u00a0length exceeded",
    "ΣΑΣ context window exceeded",
    "prompt is too\nlong",
)


def _model_id_answer(model_id: str) -> dict[str, str]:
    try:
        ref = parse_model_id(model_id)
    except InvalidModelIdError:
        return {"error": "InvalidModelIdError"}
    except UnknownProviderError:
        return {"error": "UnknownProviderError"}
    return {"providerId": ref.provider_id, "model": ref.model, "label": provider_label(model_id)}


def shared_cases() -> dict[str, list[dict[str, Any]]]:
    """The table both implementations answer, with the Python runtime's answers (curated
    registry)."""
    registry = default_registry()
    descriptors = [registry.providers[provider_id] for provider_id in registry.ids]
    model_ids = [
        f"{descriptor.id}::{model.id}"
        for descriptor in descriptors
        for model in descriptor.default_models
    ] + [*ODD_MODEL_IDS]
    patterns = {p for d in descriptors for p in d.context_limit_patterns} | set(
        BUILTIN_CONTEXT_LIMIT_PATTERNS
    )
    messages = [*ODD_MESSAGES]
    for pattern in sorted(patterns):
        messages += [pattern, f"Error 400: {pattern.upper()} (request abc)", pattern[:-1]]
    targets = [f"{d.id}::some-model" for d in descriptors] + ["nope::x", "", "openai", "::"]
    return {
        "modelIds": [{"id": i, "expected": _model_id_answer(i)} for i in model_ids],
        "contextLimits": [
            {"message": m, "modelId": t, "expected": detect_context_limit_error(m, t)}
            for m in messages
            for t in targets
        ],
    }


def test_the_generated_module_type_checks_and_agrees_with_the_runtime(
    toolchain: Toolchain, tmp_path: Path
) -> None:
    shutil.copy(GENERATED_TS, tmp_path / "registry.ts")
    shutil.copy(AGREEMENT_TEST, tmp_path / "agreement.test.ts")
    cases = shared_cases()
    # Both answers occur, so the table can tell a broken function from a working one.
    assert {c["expected"] for c in cases["contextLimits"]} == {True, False}
    assert {"error" in c["expected"] for c in cases["modelIds"]} == {True, False}
    (tmp_path / "cases.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    sources = ("registry.ts", "agreement.test.ts")
    checked = toolchain.tsc(tmp_path, "--noEmit", *sources, node_types=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    built = toolchain.tsc(tmp_path, "--outDir", "out", *sources, node_types=True)
    assert built.returncode == 0, built.stdout + built.stderr
    run = toolchain.node_run(
        tmp_path,
        "--test",
        "out/agreement.test.js",
        env={"REGISTRY_CASES": str(tmp_path / "cases.json")},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "# pass 2" in run.stdout and "# fail 0" in run.stdout, run.stdout


def test_the_golden_typescript_type_checks(toolchain: Toolchain, tmp_path: Path) -> None:
    for expected in sorted(GOLDEN.glob("*/expected/ts/registry.ts")):
        shutil.copy(expected, tmp_path / "registry.ts")
        checked = toolchain.tsc(tmp_path, "--noEmit", "registry.ts")
        assert checked.returncode == 0, f"{expected}: {checked.stdout}"


SWITCH = """\
import { assertNeverProvider, type ProviderName } from "./registry.js";

export function describe(provider: ProviderName): string {
  switch (provider) {
    case "acme":
      return "handled";
    default:
      return assertNeverProvider(provider);
  }
}
"""

OTHER = ACME.replace("id: acme", "id: other").replace("ACME_API_KEY", "OTHER_API_KEY")


def _write_typescript(registry: Path, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    for path, data in compile_targets(registry, ("typescript",))["typescript"].items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)


def test_a_switch_over_provider_names_stops_compiling_when_a_provider_is_added(
    toolchain: Toolchain, make_registry: RegistryFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "app"
    _write_typescript(make_registry({"acme": ACME}), folder)
    (folder / "switch.ts").write_text(SWITCH, encoding="utf-8")
    handled = toolchain.tsc(folder, "--noEmit", "registry.ts", "switch.ts")
    assert handled.returncode == 0, handled.stdout

    _write_typescript(make_registry({"acme": ACME, "other": OTHER}), folder)
    unhandled = toolchain.tsc(folder, "--noEmit", "registry.ts", "switch.ts")
    assert unhandled.returncode != 0
    assert "switch.ts" in unhandled.stdout and '"other"' in unhandled.stdout, unhandled.stdout
    assert "never" in unhandled.stdout, unhandled.stdout


# Each would break a naive literal: quotes, backslashes, template and comment syntax, an
# inline-script end. (The registry's rules refuse line separators and control characters in
# descriptors; the literals' own escaping of those is tested below, without a registry.)
HOSTILE = (
    'He said "hi"',
    "it's",
    "back\\slash \\u0041 \\n",
    "${process.exit(1)} `tick`",
    "*/ throw 1; /*",
    "</script><script>alert(1)</script>",
    "🦙 ﷽",
)
# What no descriptor may hold but a string literal must still spell correctly.
UNREGISTRABLE = (
    "line\u2028sep\u2029para",
    "tab\there \u0007 bell \u0000 nul",
    "\u0085 \ufeff \u200b",
    "lone \ud800 and \udfff surrogates",
)


def _hostile_descriptor(index: int, name: str) -> str:
    quoted = json.dumps(name, ensure_ascii=False)  # YAML double quotes read JSON's escapes
    return (
        ACME.replace("id: acme", f"id: p{index}")
        .replace("ACME_API_KEY", f"P{index}_KEY")
        .replace("display_name: Acme AI", f"display_name: {quoted}")
        .replace('placeholder: "acme-..."', f"placeholder: {quoted}")
        .replace('- "context length"', f"- {quoted}")
        .replace("display_name: Acme Large", f"display_name: {quoted}")
    )


def _run_dump(toolchain: Toolchain, folder: Path, source: str) -> Any:
    """Compile dump.ts beside the folder's registry.ts, run it and parse what it prints."""
    (folder / "dump.ts").write_text(source, encoding="utf-8")
    sources = [path.name for path in sorted(folder.glob("*.ts"))]
    built = toolchain.tsc(folder, "--outDir", "out", *sources, node_types=True)
    assert built.returncode == 0, built.stdout
    run = toolchain.node_run(folder, "out/dump.js")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_hostile_values_come_out_of_javascript_exactly(
    toolchain: Toolchain, make_registry: RegistryFactory, tmp_path: Path
) -> None:
    descriptors = {
        f"p{index}": _hostile_descriptor(index, name) for index, name in enumerate(HOSTILE)
    }
    # An id that is also a property every JavaScript object inherits.
    descriptors["constructor"] = ACME.replace("id: acme", "id: constructor").replace(
        "ACME_API_KEY", "CONSTRUCTOR_KEY"
    )
    folder = tmp_path / "app"
    _write_typescript(make_registry(descriptors), folder)
    dumped = _run_dump(
        toolchain,
        folder,
        'import { isProviderName, parseModelId, PROVIDER_REGISTRY } from "./registry.js";\n'
        "process.stdout.write(JSON.stringify({\n"
        "  registry: PROVIDER_REGISTRY,\n"
        '  parsed: parseModelId("constructor::x").providerId,\n'
        '  inherited: ["toString", "__proto__", "hasOwnProperty"].some(isProviderName),\n'
        "}));\n",
    )
    for index, name in enumerate(HOSTILE):
        config = dumped["registry"][f"p{index}"]
        assert config["displayName"] == name
        assert config["apiKeyPlaceholder"] == name
        assert config["contextLimitPatterns"] == [name]
        assert config["defaultModels"][0]["displayName"] == name
    assert dumped["registry"]["constructor"]["apiKeyField"] == "CONSTRUCTOR_KEY"
    assert dumped["parsed"] == "constructor"
    assert dumped["inherited"] is False


_CODE_POINT_POOLS: tuple[Callable[[random.Random], int], ...] = (
    lambda rng: rng.randrange(0x20),
    lambda rng: rng.randrange(0x20, 0x80),
    lambda rng: rng.choice((0x2028, 0x2029, 0x3C, 0x5C, 0x22, 0x60, 0x24, 0x85, 0xFEFF)),
    lambda rng: rng.randrange(0xD800, 0xE000),
    lambda rng: rng.randrange(0x80, 0x110000),
)


def test_string_literals_hold_exactly_their_text(toolchain: Toolchain, tmp_path: Path) -> None:
    # And texts of arbitrary code points, surrogates and separators included (seeded: the same
    # texts every run).
    chooser = random.Random(2028)
    texts = [*HOSTILE, *UNREGISTRABLE] + [
        "".join(
            chr(chooser.choice(_CODE_POINT_POOLS)(chooser)) for _ in range(chooser.randrange(24))
        )
        for _ in range(300)
    ]
    literals = [ts_string(text) for text in texts]
    for literal in literals:
        assert not {"\u2028", "\u2029", "<"} & set(literal)
        literal.encode("utf-8")  # no lone surrogate left raw
    items = "".join(f"  {literal},\n" for literal in literals)
    source = f"const VALUES = [\n{items}];\nprocess.stdout.write(JSON.stringify(VALUES));\n"
    # JSON.stringify escapes lone surrogates, which json.loads reads back as they were. A
    # JavaScript string is UTF-16: a high and a low surrogate side by side are one character
    # there, so that is what the expected text holds too.
    expected = [_as_utf16_reads_it(text) for text in texts]
    assert _run_dump(toolchain, tmp_path, source) == expected


def _as_utf16_reads_it(text: str) -> str:
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
