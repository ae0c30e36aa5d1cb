"""The whole public models.dev catalogue, where it sits beside the project: imported, validated, compiled."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from llm_registry.codegen.importer import ImportResult, import_models_dev
from tests.importer.conftest import MODELS_DEV, run_codegen, tree

pytestmark = pytest.mark.skipif(
    not (MODELS_DEV / "providers").is_dir(),
    reason=f"the models.dev catalogue is not at {MODELS_DEV}",
)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportResult]:
    out = tmp_path_factory.mktemp("models-dev") / "registry"
    return out, import_models_dev(MODELS_DEV, out)


def test_every_provider_is_written_or_its_exclusion_is_reported(
    imported: tuple[Path, ImportResult],
) -> None:
    out, report = imported
    folders = sorted(entry.name for entry in os.scandir(MODELS_DEV / "providers") if entry.is_dir())
    renamed = {
        d.path: d.message.rpartition(" imported as ")[2]
        for d in report.diagnostics
        if d.code == "W501"
    }
    excluded = {d.path for d in report.diagnostics if d.code == "W521"}
    written, left_out = [], []
    for folder in folders:
        what = f"providers/{folder}/provider.toml"
        if renamed.get(what, folder) in report.providers:
            written.append(folder)
        else:
            assert what in excluded, f"{what} is neither written nor reported as left out"
            left_out.append(folder)
    assert len(written) == len(report.providers)
    assert sorted(path.stem for path in (out / "providers").glob("*.yaml")) == report.providers
    # every provider comes through but those no descriptor can express (a token exchange, a
    # model in the URL), each left out with its reason; models are accounted for one by one
    assert sorted(left_out) == ["gitlab", "google-vertex-anthropic", "sap-ai-core"]
    assert len(written) + len(left_out) == len(folders)
    assert len(report.models) >= 4000
    templated = {"amazon-bedrock", "azure", "google-vertex", "cloudflare-workers-ai", "databricks"}
    for provider_id in templated:
        descriptor = (out / "providers" / f"{provider_id}.yaml").read_text("utf-8")
        assert "\nvariables:\n" in descriptor and "{" in descriptor.split("base_url: ")[1]
    assert len(set(report.models)) == len(report.models)


def test_the_import_passes_validate(imported: tuple[Path, ImportResult]) -> None:
    out, report = imported
    result = run_codegen("validate", "--registry", str(out))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"{len(report.providers)} providers, {len(report.models)} models: valid" in result.stderr


def test_the_import_compiles(imported: tuple[Path, ImportResult], tmp_path: Path) -> None:
    out, report = imported
    result = run_codegen("generate", "--registry", str(out), "--out", str(tmp_path / "generated"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    generated = tree(tmp_path / "generated")
    for provider_id in report.providers:
        assert f"providers/{provider_id.replace('-', '_')}.py" in generated


def test_reimporting_the_catalogue_rewrites_nothing(
    imported: tuple[Path, ImportResult],
) -> None:
    out, first = imported
    before = tree(out)
    again = import_models_dev(MODELS_DEV, out)
    assert again.files.written == [] and again.files.removed == []
    assert tree(out) == before
    assert again.providers == first.providers and again.diagnostics == first.diagnostics
