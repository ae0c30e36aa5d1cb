"""The models.dev importer over small catalogues written for these tests."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llm_registry.codegen.diagnostics import CODES
from llm_registry.codegen.importer import (
    HEADER_PREFIX,
    ImporterError,
    ImportResult,
    import_models_dev,
)
from llm_registry.codegen.schema import descriptor_schema
from llm_registry.codegen.validate import validate_registry
from tests.importer.conftest import CATALOGUE_FIXTURE, EXPECTED, CatalogueFactory, run_codegen, tree


def load(out: Path, provider_id: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(
        (out / "providers" / f"{provider_id}.yaml").read_text("utf-8")
    )
    return document


def models_by_id(descriptor: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {model["id"]: model for model in descriptor["default_models"]}


def left_out(result: ImportResult) -> dict[str, str]:
    """Why each catalogue file was left out (warnings W521-W523), by its path."""
    return {d.path: d.message for d in result.diagnostics if d.code in ("W521", "W522", "W523")}


def repairs(result: ImportResult) -> dict[str, int]:
    """How many fields each repair rule changed (warnings W501-W518), by the code's name."""
    return {name: count for name, count in result.counts().items() if not name.endswith("left-out")}


def messages(result: ImportResult, code: str) -> list[tuple[str, str]]:
    return [(d.path, d.message) for d in result.diagnostics if d.code == code]


@pytest.fixture
def imported(tmp_path: Path) -> tuple[Path, ImportResult]:
    out = tmp_path / "registry"
    return out, import_models_dev(CATALOGUE_FIXTURE, out)


# --- the fixture catalogue, file by file ---------------------------------------------------------------


def test_output_is_the_reviewed_expectation(
    imported: tuple[Path, ImportResult],
) -> None:
    # Regenerate with `python -m tests.importer.regenerate_expected`, then review the diff.
    out, _ = imported
    assert tree(out) == tree(EXPECTED)


def test_report_lists_what_was_written_repaired_and_left_out(
    imported: tuple[Path, ImportResult],
) -> None:
    _, report = imported
    assert report.providers == ["acme", "acme-cn", "anthropic", "local-box", "templated"]
    assert all(d.severity == "warning" and d.line == 0 for d in report.diagnostics)
    assert report.diagnostics == sorted(report.diagnostics)
    assert report.models == [
        "acme-cn::acme-large",
        "acme::acme-large",
        "acme::acme-reasoner",
        "acme::acme-small",
        "acme::acme-thinker",
        "acme::meta/llama-3-70b",
        "anthropic::claude-sonnet-4-5",
        "local-box::org/team/yes",
    ]
    assert repairs(report) == {
        "api-key-env-duplicate-renamed": 1,
        "attachment-kind-unmapped": 3,
        "base-url-endpoint-path-removed": 1,
        "base-url-from-vendor-table": 1,
        "base-url-trailing-slash-removed": 1,
        "base-url-variables-from-template": 1,
        "max-output-tokens-clamped-to-context": 1,
        "max-output-tokens-filled-from-context": 1,
        "pricing-dropped-invalid": 3,
        "provider-id-renamed": 1,
        "reasoning-efforts-filtered": 1,
        "reasoning-min-budget-dropped": 1,
    }
    reasons = left_out(report)
    assert set(reasons) == {
        "providers/acme/models/acme-ghost.toml",
        "providers/acme/models/acme-mute.toml",
        "providers/acme/models/acme-painter.toml",
        "providers/local.box/logo.svg",
        "providers/mystery/provider.toml",
        "providers/plain-http/provider.toml",
        "providers/handlebars/provider.toml",
    }
    assert "acmelab/acme-ghost.toml is missing" in reasons["providers/acme/models/acme-ghost.toml"]
    assert "no context window" in reasons["providers/acme/models/acme-mute.toml"]
    assert "not a text model" in reasons["providers/acme/models/acme-painter.toml"]
    assert "onload" in reasons["providers/local.box/logo.svg"]
    assert reasons["providers/mystery/provider.toml"].startswith("no base URL")
    assert "non-loopback" in reasons["providers/plain-http/provider.toml"]
    assert "cannot express" in reasons["providers/handlebars/provider.toml"]
    assert messages(report, "W519") == [
        (
            "providers/templated/provider.toml",
            "the api's ${…} placeholders became the variables templated_account",
        )
    ]
    assert [path for path, _ in messages(report, "W501")] == ["providers/local.box/provider.toml"]
    assert messages(report, "W511") == [
        (
            "providers/acme-cn/provider.toml",
            "env ACME_API_KEY is another provider's key variable: the key variable is "
            "ACME_CN_API_KEY",
        )
    ]


def test_summary_counts_what_was_written_repaired_and_left_out(
    imported: tuple[Path, ImportResult],
) -> None:
    _, report = imported
    assert report.summary() == (
        "Imported 5 providers with 8 models (6 files written, 0 unchanged, 0 removed); "
        "16 repaired, 7 left out; 5 implausible."
    )
    assert {d.code for d in report.diagnostics} <= {code for code in CODES if code[:2] == "W5"}
    # validate's plausibility warnings, on the written files: outputs equal to
    # the context, models without prices, a deprecated model without its replacement.
    assert {(d.path, d.code) for d in report.plausibility} == {
        ("providers/acme.yaml", "W005"),
        ("providers/acme.yaml", "W006"),
        ("providers/acme.yaml", "W008"),
    }


def test_inheritance_merges_deeply_and_the_provider_file_wins(
    imported: tuple[Path, ImportResult],
) -> None:
    out, _ = imported
    large = models_by_id(load(out, "acme"))["acme-large"]
    # name and limits from the lab file, the input price from the provider's, the output and
    # cache prices from the lab's
    assert large["display_name"] == "Acme Large"
    assert (large["context_window"], large["max_output_tokens"]) == (131072, 16384)
    assert large["pricing"] == {
        "input_per_million": 1.5,
        "output_per_million": 8.0,
        "cache_read_per_million": 0.5,
    }
    # base_model_omit drops tool_call; without the omit (acme-cn's copy) it is inherited
    assert "tools" not in large
    assert models_by_id(load(out, "acme-cn"))["acme-large"]["tools"] is True
    # a lab model that itself inherits: acme-small's own name and prices over acme-large's limits
    small = models_by_id(load(out, "acme"))["acme-small"]
    assert small["display_name"] == "Acme Small"
    assert small["context_window"] == 131072
    assert small["pricing"] == {
        "input_per_million": 0.2,
        "output_per_million": 0.8,
        "cache_read_per_million": 0.05,
    }


def test_model_fields_are_mapped_and_repaired(
    imported: tuple[Path, ImportResult],
) -> None:
    out, _ = imported
    models = models_by_id(load(out, "acme"))
    # audio has no attachment kind; the order is the schema's
    assert models["acme-large"]["attachments"] == ["text", "image"]
    assert models["acme-reasoner"]["attachments"] == ["text", "pdf"]
    # output 300k above a 200k context: clamped
    assert models["acme-reasoner"]["max_output_tokens"] == 200000
    # efforts preferred over the toggle; "null" and "Max!" are not effort names
    assert models["acme-reasoner"]["reasoning"] == {
        "mode": "effort",
        "efforts": ["low", "high"],
    }
    # a negative price drops the pricing; a missing output limit is the context; min 0 is no minimum
    thinker = models["acme-thinker"]
    assert "pricing" not in thinker
    assert thinker["max_output_tokens"] == thinker["context_window"] == 64000
    assert thinker["reasoning"] == {"mode": "budget_tokens"}
    # nested model ids keep their '/', deprecated status maps, a zero price is a price
    llama = models["meta/llama-3-70b"]
    assert llama["deprecated"] is True and llama["tools"] is False
    assert llama["pricing"] == {"input_per_million": 0.0, "output_per_million": 0.0}
    assert "deprecated" not in models["acme-large"]
    claude = models_by_id(load(out, "anthropic"))["claude-sonnet-4-5"]
    assert claude["reasoning"] == {"mode": "budget_tokens", "min_budget_tokens": 1024}
    # YAML 1.1 would read a bare yes as true: the display name stays a string
    assert models_by_id(load(out, "local-box"))["org/team/yes"]["display_name"] == "yes"


def test_provider_fields_are_mapped(imported: tuple[Path, ImportResult]) -> None:
    out, _ = imported
    acme = load(out, "acme")
    assert acme["base_url"] == "https://api.acme.example/v1"  # trailing slash removed
    assert (
        acme["api_key"]["env"] == "ACME_API_KEY"
    )  # the first variable naming a key, not ACME_REGION
    assert acme["docs_url"] == "https://docs.acme.example/models"
    assert acme["logo"] == {"svg": "logos/acme.svg"}
    assert (out / "logos" / "acme.svg").read_bytes() == (
        CATALOGUE_FIXTURE / "providers/acme/logo.svg"
    ).read_bytes()
    assert (
        load(out, "acme-cn")["base_url"] == "https://api.acme.example.cn/v1"
    )  # endpoint path removed
    anthropic = load(out, "anthropic")
    assert (anthropic["implementation"], anthropic["discovery"]["dialect"]) == (
        "anthropic",
        "anthropic",
    )
    assert anthropic["base_url"] == "https://api.anthropic.com/v1"  # no api: the vendor's known URL
    local = load(out, "local-box")
    assert local["api_key"] is None  # no key variable, loopback server
    assert (
        "logo" not in local and not (out / "logos" / "local-box.svg").exists()
    )  # unsafe logo left out


def test_descriptors_start_with_the_import_comment_and_follow_schema_key_order(
    imported: tuple[Path, ImportResult],
) -> None:
    out, _ = imported
    schema = descriptor_schema()
    order = list(schema["properties"])
    model_order = list(schema["$defs"]["Model"]["properties"])
    for path in sorted((out / "providers").glob("*.yaml")):
        text = path.read_text("utf-8")
        first_line = text.splitlines()[0]
        assert first_line.startswith(f"{HEADER_PREFIX} (providers/")
        descriptor = yaml.safe_load(text)
        keys = list(descriptor)
        assert keys == sorted(keys, key=order.index)
        for model in descriptor["default_models"]:
            assert list(model) == sorted(model, key=model_order.index)
        assert [model["id"] for model in descriptor["default_models"]] == sorted(
            model["id"] for model in descriptor["default_models"]
        )


def test_output_passes_validate_and_the_schema(
    imported: tuple[Path, ImportResult],
) -> None:
    out, report = imported
    result = run_codegen("validate", "--registry", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    validator = jsonschema.Draft202012Validator(descriptor_schema())
    for provider_id in report.providers:
        assert list(validator.iter_errors(load(out, provider_id))) == []


# --- determinism and re-runs ---------------------------------------------------------------------------


def test_importing_twice_writes_identical_bytes(tmp_path: Path) -> None:
    first = import_models_dev(CATALOGUE_FIXTURE, tmp_path / "one")
    second = import_models_dev(CATALOGUE_FIXTURE, tmp_path / "two")
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert first.summary() == second.summary() and first.diagnostics == second.diagnostics


def test_rerun_rewrites_nothing(imported: tuple[Path, ImportResult]) -> None:
    out, first = imported
    stamps = {path: path.stat().st_mtime_ns for path in out.rglob("*") if path.is_file()}
    os.utime(
        out / "providers" / "acme.yaml", ns=(1, 1)
    )  # an unchanged file keeps even an old mtime
    stamps[out / "providers" / "acme.yaml"] = 1
    again = import_models_dev(CATALOGUE_FIXTURE, out)
    assert again.files.written == [] and again.files.removed == []
    assert again.files.unchanged == len(first.files.written) == 6
    assert {path: path.stat().st_mtime_ns for path in out.rglob("*") if path.is_file()} == stamps


def test_rerun_removes_what_left_the_catalogue_and_spares_hand_written_files(
    catalogue: CatalogueFactory, tmp_path: Path
) -> None:
    out = tmp_path / "registry"
    import_models_dev(catalogue(), out)
    hand_written = (
        CATALOGUE_FIXTURE.parent / "expected" / "providers" / "anthropic.yaml"
    ).read_text("utf-8")
    hand_written = hand_written.split("\n", 1)[1].replace(
        "id: anthropic", "id: mine"
    )  # no import header
    (out / "providers" / "mine.yaml").write_text(hand_written, encoding="utf-8")

    report = import_models_dev(catalogue({"providers/acme": None}, name="smaller"), out)
    assert report.files.removed == ["logos/acme.svg", "providers/acme.yaml"]
    assert (out / "providers" / "mine.yaml").read_text("utf-8") == hand_written
    # acme-cn now keeps the catalogue's variable; the hand-written one holds ANTHROPIC_API_KEY, so anthropic
    # gets a derived one
    assert load(out, "acme-cn")["api_key"]["env"] == "ACME_API_KEY"
    assert load(out, "anthropic")["api_key"]["env"] == "ANTHROPIC_2_API_KEY"
    assert run_codegen("validate", "--registry", str(out)).returncode == 0


def test_hand_written_descriptors_are_never_overwritten_and_keep_their_key_variable(
    tmp_path: Path,
) -> None:
    out = tmp_path / "registry"
    (out / "providers").mkdir(parents=True)
    mine = (EXPECTED / "providers" / "anthropic.yaml").read_text("utf-8").split("\n", 1)[1]
    (out / "providers" / "anthropic.yaml").write_text(mine, encoding="utf-8")
    (out / "providers" / "other.yaml").write_text(
        mine.replace("id: anthropic", "id: other").replace("ANTHROPIC_API_KEY", "ACME_API_KEY"),
        encoding="utf-8",
    )
    report = import_models_dev(CATALOGUE_FIXTURE, out)
    assert (out / "providers" / "anthropic.yaml").read_text("utf-8") == mine
    assert (
        left_out(report)["providers/anthropic/provider.toml"]
        == "the output folder has a hand-written providers/anthropic.yaml"
    )
    assert load(out, "acme")["api_key"]["env"] == "ACME_2_API_KEY"
    assert load(out, "acme-cn")["api_key"]["env"] == "ACME_CN_API_KEY"
    result = run_codegen("validate", "--registry", str(out))
    assert result.returncode == 0, result.stdout + result.stderr


# --- what the catalogue may hold that the registry does not allow -------------------------------------


MODEL = """\
name = {name}

[limit]
context = 1000
output = 100
"""


def test_model_ids_and_per_model_overrides_that_cannot_be_listed(
    catalogue: CatalogueFactory, tmp_path: Path
) -> None:
    source = catalogue(
        {
            "providers/acme/models/bad::id.toml": MODEL.format(name='"Separator"'),
            "providers/acme/models/with space.toml": MODEL.format(name='"Space"'),
            "providers/acme/models/native.toml": MODEL.format(name='"Native"')
            + '\n[provider]\nnpm = "@ai-sdk/anthropic"\n',
            "providers/acme/models/elsewhere.toml": MODEL.format(name='"Elsewhere"')
            + '\n[provider]\napi = "https://other.example/v1"\n',
            "providers/acme/models/same-api.toml": MODEL.format(name='"Same API"')
            + '\n[provider]\nnpm = "@ai-sdk/openai"\napi = "https://api.acme.example/v1/"\n',
            "providers/acme/models/responses.toml": MODEL.format(name='"Responses"')
            + '\n[provider]\nshape = "responses"\n',
            "providers/acme/models/broken.toml": "name = ",
            "providers/acme/models/loop.toml": 'base_model = "acmelab/loop-a"\n',
            "models/acmelab/loop-a.toml": 'base_model = "acmelab/loop-b"\n',
            "models/acmelab/loop-b.toml": 'base_model = "acmelab/loop-a"\n',
            "providers/acme/models/escape.toml": 'base_model = "../../etc/passwd"\n',
            "providers/acme/models/hear.toml": MODEL.format(name='"Ear"')
            + '\n[modalities]\ninput = ["audio"]\noutput = ["text"]\n',
        }
    )
    out = tmp_path / "registry"
    report = import_models_dev(source, out)
    reasons = {path.removesuffix(".toml"): why for path, why in left_out(report).items()}
    models = models_by_id(load(out, "acme"))
    assert "same-api" in models
    assert "'::'" in reasons["providers/acme/models/bad::id"]
    assert "white space" in reasons["providers/acme/models/with space"]
    assert "another API" in reasons["providers/acme/models/native"]
    assert "another base URL" in reasons["providers/acme/models/elsewhere"]
    # An OpenAI-compatible provider's Responses-only model is kept, on that API.
    assert "providers/acme/models/responses" not in reasons
    assert models["responses"]["implementation"] == "openai_responses"
    assert "implementation" not in models["same-api"]
    assert "not valid TOML" in reasons["providers/acme/models/broken"]
    assert "does not end" in reasons["providers/acme/models/loop"]
    assert "not a <lab>/<model> name" in reasons["providers/acme/models/escape"]
    assert "no text input" in reasons["providers/acme/models/hear"]
    assert run_codegen("validate", "--registry", str(out)).returncode == 0


def test_provider_level_problems(catalogue: CatalogueFactory, tmp_path: Path) -> None:
    provider = 'name = "{name}"\nenv = [{env}]\nnpm = "@ai-sdk/openai-compatible"\ndoc = "{doc}"\napi = "{api}"\n'
    source = catalogue(
        {
            "providers/302ai/provider.toml": provider.format(
                name="302.AI",
                env='"302AI_API_KEY"',
                doc="https://302.ai/docs",
                api="https://api.302.ai/v1",
            ),
            "providers/302ai/models/m.toml": MODEL.format(name='"M"'),
            "providers/wafer.ai/provider.toml": provider.format(
                name="Wafer\\u0007 \\n AI",
                env='"WAFER_REGION"',
                doc="http://wafer.example/docs",
                api="https://wafer.example/v1",
            ),
            "providers/dup-x/provider.toml": provider.format(
                name="Dup",
                env='"DUP_API_KEY"',
                doc="https://dup.example",
                api="https://dup.example/v1",
            ),
            "providers/dup.x/provider.toml": provider.format(
                name="Dup twin",
                env='"TWIN_API_KEY"',
                doc="https://twin.example",
                api="https://twin.example/v1",
            ),
            "providers/creds/provider.toml": provider.format(
                name="Creds",
                env='"CREDS_API_KEY"',
                doc="https://creds.example",
                api="https://user:pw@creds.example/v1",
            ),
            "providers/nofile/models/m.toml": MODEL.format(name='"M"'),
        }
    )
    out = tmp_path / "registry"
    report = import_models_dev(source, out)
    reasons = {path.removesuffix("/provider.toml"): why for path, why in left_out(report).items()}
    # a leading digit is no provider id, nor a key variable name
    digits = load(out, "provider-302ai")
    assert digits["api_key"]["env"] == "PROVIDER_302AI_API_KEY"
    assert (
        "providers/302ai/provider.toml",
        "folder name '302ai' is not a provider id: imported as provider-302ai",
    ) in messages(report, "W501")
    # control characters leave the display name; a non-key variable means a derived one; http docs are dropped
    wafer = load(out, "wafer-ai")
    assert wafer["display_name"] == "Wafer AI"
    assert wafer["api_key"]["env"] == "WAFER_AI_API_KEY"
    assert "docs_url" not in wafer and wafer["api_key"]["url"] == "https://wafer.example"
    # folders sort "dup-x" before "dup.x": the first keeps the id
    assert load(out, "dup-x")["display_name"] == "Dup"
    assert reasons["providers/dup.x"] == "its id 'dup-x' is taken by providers/dup-x"
    assert "credentials" in reasons["providers/creds"]
    assert "provider.toml is missing" in reasons["providers/nofile"]
    for rule in (
        "api-key-env-invalid-renamed",
        "api-key-env-derived",
        "control-characters-removed",
        "docs-url-dropped",
    ):
        assert repairs(report).get(rule, 0) >= 1, rule
    result = run_codegen("validate", "--registry", str(out))
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_descriptor_the_schema_would_refuse_is_left_out_not_written(
    catalogue: CatalogueFactory, tmp_path: Path
) -> None:
    # No repair rule covers a base URL beyond the schema's 2048 characters: the final guard catches it.
    long_api = "https://long.example/" + "a" * 2100
    source = catalogue(
        {
            "providers/long/provider.toml": f'name = "Long"\nenv = ["LONG_API_KEY"]\nnpm = "x"\napi = "{long_api}"\n',
            "providers/.hidden/provider.toml": 'name = "Hidden"\n',
        }
    )
    out = tmp_path / "registry"
    report = import_models_dev(source, out)
    reasons = {path.removesuffix("/provider.toml"): why for path, why in left_out(report).items()}
    assert reasons["providers/long"].startswith("would fail validation: base_url: ")
    assert not (out / "providers" / "long.yaml").exists()
    assert "hidden" not in report.providers and "providers/.hidden" not in reasons
    assert report.providers == ["acme", "acme-cn", "anthropic", "local-box", "templated"]


def test_not_a_catalogue_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ImporterError, match="no providers/ folder"):
        import_models_dev(tmp_path, tmp_path / "out")


def test_cli_imports_and_reports(tmp_path: Path) -> None:
    result = run_codegen(
        "import-models-dev", str(CATALOGUE_FIXTURE), "--out", str(tmp_path / "registry")
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("Imported 5 providers with 8 models")
    # Every repair and exclusion, as the compiler's diagnostics on the catalogue's files, then
    # the plausibility warnings on the written ones.
    assert len(lines) == 1 + 23 + 5
    assert lines[-2].startswith(f"{tmp_path / 'registry'}/providers/acme.yaml:78:15: warning[W008]")
    assert (
        "tests/importer/fixtures/catalogue/providers/templated/provider.toml: warning[W519]: "
        in lines[:-6][-1]
    )
    assert tree(tmp_path / "registry") == tree(EXPECTED)
    as_json = run_codegen(
        "import-models-dev",
        str(CATALOGUE_FIXTURE),
        "--out",
        str(tmp_path / "again"),
        "--error-format",
        "json",
    )
    records = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert as_json.returncode == 0 and len(records) == 23 + 5 + 1
    assert records[-1] == {"summary": True, "errors": 0, "warnings": 28, "files": 18, "exit": 0}
    missing = run_codegen(
        "import-models-dev", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x")
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


# --- any display name survives the trip through TOML, the importer and YAML ---------------------------


def toml_string(text: str) -> str:
    escaped = json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
    return escaped


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=st.text(alphabet=st.characters(codec="utf-8"), max_size=40))
def test_any_display_name_round_trips_or_is_repaired(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    root = tmp_path_factory.mktemp("names")
    source = root / "catalogue"
    (source / "providers" / "acme" / "models").mkdir(parents=True)
    (source / "providers" / "acme" / "provider.toml").write_text(
        f'name = {toml_string(name)}\nenv = ["ACME_API_KEY"]\nnpm = "x"\ndoc = "https://acme.example"\n'
        'api = "https://api.acme.example/v1"\n',
        encoding="utf-8",
    )
    (source / "providers" / "acme" / "models" / "m.toml").write_text(
        MODEL.format(name=toml_string(name)), "utf-8"
    )
    out = root / "registry"
    import_models_dev(source, out)
    registry = validate_registry(out)
    assert registry.diagnostics == []
    descriptor = load(out, "acme")
    model = descriptor["default_models"][0]
    for shown in (descriptor["display_name"], model["display_name"]):
        assert isinstance(shown, str) and 1 <= len(shown) <= 200
        assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", shown)
    if name == name.strip() and name.isprintable() and name:
        assert descriptor["display_name"] == name and model["display_name"] == name


def test_cache_reasoning_and_tier_prices_are_carried(imported: tuple[Path, ImportResult]) -> None:
    out, report = imported
    reasoner = models_by_id(load(out, "acme"))["acme-reasoner"]
    # [[cost.tiers]] by context size, sorted by threshold (a tier with no type is by context);
    # the batch tier and the cache price that is not a number are left out, saying so.
    assert reasoner["pricing"] == {
        "input_per_million": 1.0,
        "output_per_million": 4.0,
        "reasoning_per_million": 5.0,
        "tiers": [
            {"above_input_tokens": 64000, "input_per_million": 1.5, "output_per_million": 6.0},
            {"above_input_tokens": 128000, "input_per_million": 2.0, "output_per_million": 8.0},
        ],
    }
    left_out = sorted(message for path, message in messages(report, "W516") if "reasoner" in path)
    assert left_out == [
        "a cost tier that is not by context size: left out",
        "cost.cache_read is not a price: left out",
    ]
    # The older one-table form of a long-context tier: the rates above 200,000 tokens.
    sonnet = models_by_id(load(out, "anthropic"))["claude-sonnet-4-5"]
    assert sonnet["pricing"]["tiers"] == [
        {
            "above_input_tokens": 200000,
            "input_per_million": 6.0,
            "output_per_million": 22.5,
            "cache_read_per_million": 0.6,
            "cache_write_per_million": 7.5,
        }
    ]
    assert sonnet["pricing"]["cache_write_per_million"] == 3.75
