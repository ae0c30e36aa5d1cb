"""A descriptor's ``provider_class`` names a class the application registered, never a module.

Registrations come from ``create_provider(provider_classes=...)``, ``register_provider_class``
or an entry point of a real installed distribution (a ``*.dist-info`` folder on ``sys.path``);
nothing named in a descriptor is imported otherwise.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from llm_registry import runtime
from llm_registry.codegen.schema import descriptor_schema
from llm_registry.codegen.validate import validate_registry
from llm_registry.runtime import Registry
from llm_registry.runtime._chat import provider_classes
from tests.fixture_registry import TEST_REGISTRY_DIR
from tests.loopback import LoopbackServer
from tests.runtime.conftest import TEST_KEY, make_descriptor
from tests.runtime.custom_provider import (
    BudgetAwareProvider,
    NotAProvider,
    QuietAnthropicProvider,
    not_a_class,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GROUP = "llm_registry.provider_classes"
BUDGET = "tests.runtime.custom_provider:BudgetAwareProvider"


@pytest.fixture(autouse=True)
def _no_process_registrations(monkeypatch: pytest.MonkeyPatch) -> None:
    # register_provider_class keeps its names for the process; each test starts with none.
    monkeypatch.setattr(provider_classes, "_registered", {})


def install_distribution(site: Path, name: str, entry_points: dict[str, str]) -> Path:
    """A real installed distribution in ``site``: metadata and entry points, no code."""
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    lines = "".join(f"{key} = {value}\n" for key, value in entry_points.items())
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{lines}")
    return site


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A site folder on sys.path for this test's distributions."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    yield folder


def stream_budget_request(provider: runtime.ChatProvider) -> runtime.ChatResult:
    messages: list[runtime.Message] = [runtime.UserMessage("Hi")]
    return asyncio.run(
        runtime.collect(provider.stream("budget-model", messages, reasoning_budget=2048))
    )


def test_a_class_passed_by_name_is_used_and_its_differences_reach_the_wire(
    llm_server: LoopbackServer, test_registry: Registry
) -> None:
    # wire-custom's descriptor (tests/runtime/registry/) says `provider_class: budget-aware`.
    provider = runtime.create_provider(
        "wire-custom",
        api_key=TEST_KEY,
        base_url=llm_server.base_url("ok", "openai"),
        registry=test_registry,
        provider_classes={"budget-aware": BudgetAwareProvider},
    )
    assert type(provider) is BudgetAwareProvider
    result = stream_budget_request(provider)
    assert result.text == "Hello from the loopback server."
    assert result.usage is None  # it asked for none
    body = llm_server.requests[-1].json
    assert body["thinking"] == {"budget": 2048}  # sent through extra_body
    assert "stream_options" not in body


def test_a_class_registered_once_serves_every_call(test_registry: Registry) -> None:
    runtime.register_provider_class("budget-aware", BudgetAwareProvider)
    runtime.register_provider_class("budget-aware", BudgetAwareProvider)  # same class: harmless
    provider = runtime.create_provider("wire-custom", api_key="k", registry=test_registry)
    assert type(provider) is BudgetAwareProvider


def test_register_refuses_a_taken_name_a_bad_name_and_a_non_provider() -> None:
    runtime.register_provider_class("budget-aware", BudgetAwareProvider)
    with pytest.raises(ValueError, match=r"already registered for .*BudgetAwareProvider"):
        runtime.register_provider_class("budget-aware", QuietAnthropicProvider)
    with pytest.raises(ValueError, match="lower-case words"):
        runtime.register_provider_class("os:system", BudgetAwareProvider)
    with pytest.raises(TypeError, match="NotAProvider is not a ChatProvider subclass"):
        runtime.register_provider_class("not-a-provider", NotAProvider)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"a function \(not a class\)"):
        runtime.register_provider_class("a-function", not_a_class)  # type: ignore[arg-type]


def test_an_entry_point_of_an_installed_distribution_registers_a_class(
    site: Path, test_registry: Registry
) -> None:
    install_distribution(site, "acme_plugin", {"budget-aware": BUDGET})
    provider = runtime.create_provider("wire-custom", api_key="k", registry=test_registry)
    assert type(provider) is BudgetAwareProvider


def test_the_mapping_on_the_call_wins_over_an_entry_point(
    site: Path, test_registry: Registry
) -> None:
    install_distribution(site, "acme_plugin", {"budget-aware": "no_such_module:Nothing"})
    provider = runtime.create_provider(
        "wire-custom",
        api_key="k",
        registry=test_registry,
        provider_classes={"budget-aware": BudgetAwareProvider},
    )
    assert type(provider) is BudgetAwareProvider


def test_an_unregistered_name_says_what_is_registered_and_how_to_register(
    site: Path, test_registry: Registry
) -> None:
    install_distribution(site, "acme_plugin", {"acme-fast": BUDGET})
    runtime.register_provider_class("acme-slow", BudgetAwareProvider)
    with pytest.raises(runtime.ConfigError) as caught:
        runtime.create_provider(
            "wire-custom",
            api_key="k",
            registry=test_registry,
            provider_classes={"acme-other": BudgetAwareProvider},
        )
    message = str(caught.value)
    assert caught.value.provider_id == "wire-custom"
    assert "'budget-aware', which is not registered" in message
    assert "(registered: acme-fast, acme-other, acme-slow)" in message
    assert "never an import path" in message
    assert "provider_classes={'budget-aware': cls}" in message
    assert "register_provider_class('budget-aware', cls)" in message
    assert f"'budget-aware = package.module:Class' in group '{GROUP}'" in message


@pytest.mark.parametrize(
    ("registered", "phrase"),
    [
        (NotAProvider, "as class tests.runtime.custom_provider.NotAProvider, which is not a"),
        (QuietAnthropicProvider, "not a subclass of BaseOpenAICompatibleProvider"),
        (not_a_class, r"as a function \(not a class\)"),
        (runtime.ChatProvider, "not a subclass of BaseOpenAICompatibleProvider"),
    ],
)
def test_a_registered_object_of_the_wrong_kind_is_refused(registered: object, phrase: str) -> None:
    descriptor = make_descriptor("openai", provider_class="acme-fast")
    with pytest.raises(runtime.ConfigError, match=phrase) as caught:
        runtime.create_provider(
            descriptor,
            api_key="k",
            provider_classes={"acme-fast": registered},  # type: ignore[dict-item]
        )
    assert "implementation 'openai_compatible'" in str(caught.value)


def test_the_wire_formats_own_base_class_is_required(site: Path) -> None:
    install_distribution(site, "acme_plugin", {"quiet": "tests.runtime.custom_provider:Missing"})
    anthropic = make_descriptor("anthropic", provider_class="acme-quiet")
    provider = runtime.create_provider(
        anthropic, api_key="k", provider_classes={"acme-quiet": QuietAnthropicProvider}
    )
    assert type(provider) is QuietAnthropicProvider
    # An entry point whose target is missing is reported with its distribution.
    with pytest.raises(runtime.ConfigError, match=r"acme_plugin.*cannot be loaded.*AttributeError"):
        runtime.create_provider(make_descriptor("openai", provider_class="quiet"), api_key="k")


def test_two_distributions_declaring_one_name_are_both_named(site: Path) -> None:
    install_distribution(site, "acme_one", {"acme-fast": BUDGET})
    install_distribution(site, "acme_two", {"acme-fast": BUDGET + "Two"})
    with pytest.raises(runtime.ConfigError, match="several entry points") as caught:
        runtime.create_provider(make_descriptor("openai", provider_class="acme-fast"), api_key="k")
    assert "'acme_one'" in str(caught.value) and "'acme_two'" in str(caught.value)


PAYLOAD = """\
from pathlib import Path
Path(__file__).with_name("payload-ran").write_text("imported")
class Provider:
    pass
"""

PROBE = """\
import dataclasses, json, sys
from llm_registry import runtime
outcomes = {}
for name in sys.argv[1:]:
    descriptor = dataclasses.replace(runtime.get_provider("openai"), provider_class=name)
    try:
        runtime.create_provider(descriptor, api_key="k")
        outcomes[name] = "created"
    except runtime.ConfigError as error:
        outcomes[name] = str(error)
outcomes["loaded"] = "planted_payload" in sys.modules
print(json.dumps(outcomes))
"""


def run_probe(site: Path, names: list[str]) -> dict[str, object]:
    """create_provider in a fresh interpreter with ``site`` on sys.path, once per name."""
    code = f"import sys; sys.path[:0] = {[str(site)]!r}\n{PROBE}"
    result = subprocess.run(
        [sys.executable, "-I", "-c", code, *names],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    outcomes: dict[str, object] = json.loads(result.stdout)
    return outcomes


def test_a_name_is_never_imported(tmp_path: Path) -> None:
    # A module with a side effect, importable from sys.path, and a distribution declaring it
    # under another name: no descriptor value reaches an import, only a registration does.
    (tmp_path / "planted_payload.py").write_text(PAYLOAD)
    install_distribution(tmp_path, "acme_plugin", {"other": "planted_payload:Provider"})
    names = ["planted_payload:Provider", "planted_payload", "os:system", "os", "planted-payload"]
    outcomes = run_probe(tmp_path, names)
    for name in ("planted_payload:Provider", "planted_payload", "os:system"):
        assert f"{name!r}, which is not a registration name" in str(outcomes[name])
        assert "never an import path" in str(outcomes[name])
    for name in ("os", "planted-payload"):
        assert f"{name!r}, which is not registered (registered: other)" in str(outcomes[name])
    assert outcomes["loaded"] is False
    assert not (tmp_path / "payload-ran").exists()

    # The control: the probe does see an import, when the name is the registered one.
    outcomes = run_probe(tmp_path, ["other"])
    assert "not a subclass of BaseOpenAICompatibleProvider" in str(outcomes["other"])
    assert outcomes["loaded"] is True
    assert (tmp_path / "payload-ran").exists()


def test_the_schema_and_the_runtime_agree_on_what_a_name_is() -> None:
    schema = descriptor_schema()["properties"]["provider_class"]
    assert schema["pattern"] == provider_classes.PROVIDER_CLASS_NAME.pattern
    for name in ("acme-fast", "acme.fast-chat", "budget-aware"):
        assert re.fullmatch(schema["pattern"], name)
    for name in ("os:system", "tests.runtime.custom_provider:X", "Acme", "a--b", "a.", "_x"):
        assert not re.fullmatch(schema["pattern"], name)


def test_validate_refuses_an_import_path(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    shutil.copytree(TEST_REGISTRY_DIR, registry)
    descriptor = registry / "providers" / "wire-custom.yaml"
    text = descriptor.read_text()
    assert "provider_class: budget-aware\n" in text
    descriptor.write_text(text.replace("provider_class: budget-aware", "provider_class: os:system"))
    line = descriptor.read_text().splitlines().index("provider_class: os:system") + 1
    diagnostics = validate_registry(registry).diagnostics
    assert [(d.path, d.line, d.column, d.code) for d in diagnostics] == [
        (str(descriptor), line, 17, "E204")
    ]
    message = diagnostics[0].message
    assert message.startswith("provider_class 'os:system' does not match")
    assert "registered a provider class under" in message
    assert "never an import path" in message

    cli = subprocess.run(
        [sys.executable, "-m", "llm_registry.codegen", "validate", "--registry", str(registry)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode != 0
    assert f"wire-custom.yaml:{line}:17: error[E204]: provider_class 'os:system'" in cli.stdout + (
        cli.stderr
    )
    assert "Traceback" not in cli.stderr


def test_the_test_registry_passes_validate_with_a_registration_name() -> None:
    assert validate_registry(TEST_REGISTRY_DIR).diagnostics == []
