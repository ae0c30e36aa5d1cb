"""The rules over descriptors that a JSON Schema cannot express.

Per descriptor: the id equals the file name, URL rules (the base URL's, with its template and
auth, in endpoint_rules), headers a descriptor may not set,
model ids unique and free of the provider separator, output within context, reasoning options
that fit their mode, price tiers and lifecycles that agree (codegen/model_rules.py), and a
logo that is a safe SVG inside the registry. Across descriptors: provider ids and key
variables used once. Every rule runs even when the schema already found
problems, so that every error shows at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llm_registry.codegen.diagnostics import Diagnostic
from llm_registry.codegen.endpoint_rules import CLIENT_OWNED_HEADERS, check_endpoint
from llm_registry.codegen.model_rules import price_and_lifecycle_problems
from llm_registry.codegen.registry_files import read_regular_file
from llm_registry.codegen.svg import sanitized_svg
from llm_registry.codegen.urls import url_problem
from llm_registry.codegen.yaml_loader import JsonPath, LoadedDocument
from llm_registry.runtime._chat.reasoning import SENT_AS_MODES
from llm_registry.runtime._rules import MODEL_ID_SEPARATOR

__all__ = ["DescriptorRules", "UniquenessRules"]

_CREDENTIAL_HEADERS = {
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-goog-api-key",
    "cookie",
}

# The wire formats a model may choose between on its own (one OpenAI endpoint, two APIs).
_OPENAI_FORMATS = ("openai_compatible", "openai_responses")

# Reasoning keys that belong to one mode: (key, verb agreeing with it, the mode).
_MODE_KEYS = (("efforts", "apply", "effort"), ("min_budget_tokens", "applies", "budget_tokens"))


def _header_refusal(name: object) -> tuple[str, str] | None:
    """(code, message) when a descriptor may not set the header ``name``."""
    if not isinstance(name, str):
        return None
    if name.lower() in _CREDENTIAL_HEADERS:
        return "E313", f"header {name!r} carries credentials; keys come from api_key"
    if name.lower() in CLIENT_OWNED_HEADERS:
        return "E204", f"header {name!r} is set by the HTTP client, not a descriptor"
    return None


class DescriptorRules:
    """Rules over one descriptor, written defensively: they run even when the schema already
    found problems, so the value may have any shape."""

    def __init__(self, document: LoadedDocument, registry_dir: Path) -> None:
        self.document = document
        self.registry_dir = registry_dir
        self.diagnostics: list[Diagnostic] = []
        self.logo_svg: bytes | None = None

    def error(self, path: JsonPath, code: str, message: str, *, key: bool = False) -> None:
        position = self.document.position_of(path, key=key)
        self.diagnostics.append(
            Diagnostic(self.document.path, position.line, position.column, code, message)
        )

    def run(self, stem: str) -> None:
        value = self.document.value
        provider_id = value.get("id")
        if isinstance(provider_id, str) and provider_id != stem:
            self.error(("id",), "E301", f"id {provider_id!r} must equal the file name {stem!r}")
        api_key = value.get("api_key")
        key_page = api_key.get("url") if isinstance(api_key, dict) else None
        # The API root may be a local server, and a template (checked with sample values);
        # pages for people must be https.
        check_endpoint(value, self.error)
        self._url(("docs_url",), value.get("docs_url"), allow_loopback_http=False, is_base=False)
        self._url(("api_key", "url"), key_page, allow_loopback_http=False, is_base=False)
        headers = value.get("headers")
        if isinstance(headers, dict):
            for name in headers:
                refusal = _header_refusal(name)
                if refusal is not None:
                    self.error(("headers", name), *refusal, key=True)
        models = value.get("default_models")
        if isinstance(models, list):
            self._models(models, value.get("implementation"))
        logo = value.get("logo")
        if isinstance(logo, dict) and isinstance(logo.get("svg"), str):
            self._logo(logo["svg"])

    def _url(self, path: JsonPath, url: Any, *, allow_loopback_http: bool, is_base: bool) -> None:
        if not isinstance(url, str) or not url:
            return
        problem = url_problem(url, allow_loopback_http=allow_loopback_http, is_base=is_base)
        if problem:
            self.error(path, *problem)

    def _models(self, models: list[Any], implementation: object) -> None:
        first_index: dict[str, int] = {}
        for index, model in enumerate(models):
            if not isinstance(model, dict):
                continue
            path: JsonPath = ("default_models", index)
            model_id = model.get("id")
            if isinstance(model_id, str):
                if MODEL_ID_SEPARATOR in model_id:
                    self.error(
                        (*path, "id"),
                        "E306",
                        f"model id {model_id!r} must not contain {MODEL_ID_SEPARATOR!r} "
                        "(it separates provider and model)",
                    )
                if model_id in first_index:
                    first = self.document.position_of(
                        ("default_models", first_index[model_id], "id")
                    )
                    self.error(
                        (*path, "id"),
                        "E304",
                        f"model id {model_id!r} is already defined at line {first.line}",
                    )
                else:
                    first_index[model_id] = index
            context, output = model.get("context_window"), model.get("max_output_tokens")
            # type() rather than isinstance: a YAML `true` is a bool, which isinstance calls an int.
            if type(context) is int and type(output) is int and output > context >= 1:
                self.error(
                    (*path, "max_output_tokens"),
                    "E305",
                    f"max_output_tokens ({output}) exceeds context_window ({context})",
                )
            own = model.get("implementation")
            if own is not None and implementation not in _OPENAI_FORMATS:
                formats = " and ".join(_OPENAI_FORMATS)
                message = (
                    f"a model's own implementation only chooses between {formats} (one OpenAI "
                    f"endpoint, two APIs), not within a {implementation!r} provider"
                )
                self.error((*path, "implementation"), "E324", message, key=True)
            reasoning = model.get("reasoning")
            if isinstance(reasoning, dict):
                self._reasoning((*path, "reasoning"), reasoning)
                self._sent_as((*path, "reasoning"), reasoning, own or implementation)
            for where, code, message in price_and_lifecycle_problems(path, model):
                self.error(where, code, message)

    def _sent_as(self, path: JsonPath, reasoning: dict[str, Any], implementation: object) -> None:
        """``sent_as`` describes an OpenAI-compatible request, in a shape that fits the mode."""
        sent_as = reasoning.get("sent_as")
        if not isinstance(sent_as, str) or sent_as not in SENT_AS_MODES:
            return
        if implementation != "openai_compatible":
            message = (
                f"sent_as only applies to chat completions (openai_compatible), "
                f"not {implementation!r}"
            )
            self.error((*path, "sent_as"), "E312", message, key=True)
            return
        mode = reasoning.get("mode")
        if mode not in SENT_AS_MODES[sent_as]:
            modes = ", ".join(sorted(SENT_AS_MODES[sent_as]))
            message = f"sent_as {sent_as!r} carries reasoning mode {modes}, not {mode!r}"
            self.error((*path, "sent_as"), "E312", message)

    def _reasoning(self, path: JsonPath, reasoning: dict[str, Any]) -> None:
        mode = reasoning.get("mode")
        if mode == "effort" and "efforts" not in reasoning:
            self.error(
                path,
                "E312",
                "reasoning mode 'effort' needs the list of efforts the model accepts",
            )
        for key, applies, own_mode in _MODE_KEYS:
            if mode != own_mode and key in reasoning:
                message = f"{key} only {applies} to reasoning mode {own_mode!r}, not {mode!r}"
                self.error((*path, key), "E312", message, key=True)
        if mode in ("toggle", "always") and "can_disable" in reasoning:
            message = (
                f"can_disable only applies to reasoning modes 'effort' and 'budget_tokens' "
                f"(mode {mode!r} {'always' if mode == 'toggle' else 'never'} can)"
            )
            self.error((*path, "can_disable"), "E312", message, key=True)

    def _logo(self, relative: str) -> None:
        path = ("logo", "svg")
        registry = self.registry_dir.resolve()
        logo_path = (self.registry_dir / relative).resolve()
        if not logo_path.is_relative_to(registry / "logos"):
            self.error(
                path,
                "E310",
                f"logo {relative!r} must be a file in the registry's logos/ folder",
            )
            return
        if not logo_path.exists():
            self.error(
                path,
                "E310",
                f"logo file {relative!r} does not exist (looked in {self.registry_dir / relative})",
            )
            return
        data, problem = read_regular_file(logo_path)
        if data is None:
            self.error(path, "E310", f"logo file {relative!r} cannot be used: {problem}")
            return
        safe_svg, problems = sanitized_svg(data)
        if safe_svg is None:
            self.error(
                path,
                "E311",
                f"logo {relative!r} is not a safe SVG: {'; '.join(problems)}",
            )
        else:
            self.logo_svg = safe_svg  # what ships is the checked tree, written out again


class UniquenessRules:
    """Provider ids and key variables unique across files, over every file that parsed (even ones
    with other errors); the first file to use a value owns it."""

    def __init__(self) -> None:
        self.first_use: dict[tuple[str, str], str] = {}

    def check(self, document: LoadedDocument) -> list[Diagnostic]:
        diagnostics: list[Diagnostic] = []

        def claim(path: JsonPath, value: Any, code: str, what: str) -> None:
            if not isinstance(value, str):
                return
            owner = self.first_use.setdefault((code, value), document.path)
            if owner != document.path:
                position = document.position_of(path)
                message = f"{what} {value!r} is also used by {owner}"
                diagnostics.append(
                    Diagnostic(document.path, position.line, position.column, code, message)
                )

        claim(("id",), document.value.get("id"), "E302", "provider id")
        api_key = document.value.get("api_key")
        if isinstance(api_key, dict):
            claim(("api_key", "env"), api_key.get("env"), "E303", "key variable")
        return diagnostics
