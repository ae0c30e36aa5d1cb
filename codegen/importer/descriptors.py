"""Building registry descriptors from what the catalogue says, one provider at a time, with
the repair rules of rules.py; key variables are then assigned across providers
(key_variables.py).

A model or provider the rules cannot repair is left out with a warning saying why (W521
provider, W522 model, W523 logo); nothing is raised for a single bad entry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llm_registry.codegen.importer import prices, rules
from llm_registry.codegen.importer.catalogue import LabModels, model_files, read_toml
from llm_registry.codegen.importer.endpoints import endpoint
from llm_registry.codegen.importer.key_variables import key_variable_in
from llm_registry.codegen.importer.rules import (
    LEFT_OUT_LOGO,
    LEFT_OUT_MODEL,
    LEFT_OUT_PROVIDER,
    Notes,
)
from llm_registry.codegen.registry_files import read_regular_file
from llm_registry.codegen.svg import sanitized_svg
from llm_registry.runtime._rules import model_id_problem

_IMPLEMENTATION_BY_NPM = {
    "@ai-sdk/anthropic": "anthropic",
    "@ai-sdk/google": "google",
    # Claude on Vertex AI: Anthropic's format, at a URL of its own (see endpoints.py).
    "@ai-sdk/google-vertex/anthropic": "anthropic",
}
_DISCOVERY_BY_IMPLEMENTATION = {
    "anthropic": "anthropic",
    "google": "google",
    "openai_compatible": "openai",
}
# Substrings that providers put in context-overflow errors (OpenAI-style, Anthropic, Gemini,
# vLLM, …).
CONTEXT_LIMIT_PATTERNS = [
    "context length",
    "context_length_exceeded",
    "context window",
    "maximum context",
    "too many tokens",
    "prompt is too long",
    "input is too long",
    "exceeds the maximum number of tokens",
    "reduce the length",
]


class FlowList(list[str]):
    """A short list of words, written on one line: `attachments: [text, image]`."""


@dataclass
class Candidate:
    """A provider that survived the per-provider rules; its key variable is assigned across
    providers."""

    folder: str
    id: str
    descriptor: dict[str, Any]
    key_env: str | None  # the catalogue's key variable, or None when it names none
    logo: bytes | None

    @property
    def where(self) -> str:
        return f"providers/{self.folder}/provider.toml"


@dataclass
class Builder:
    """What one import knows while it builds: the checkout, taken ids and the warnings."""

    source: Path
    notes: Notes
    progress: Callable[[str], None]
    # Descriptors in the output folder the importer did not write: never overwritten, their
    # key variables kept.
    hand_written: Mapping[str, str | None]
    ids: dict[str, str] = field(default_factory=dict)  # provider id -> folder that took it

    def __post_init__(self) -> None:
        self.labs = LabModels(self.source)

    def provider(self, folder: str) -> Candidate | None:
        where = f"providers/{folder}/provider.toml"
        toml, problem = read_toml(self.source / where)
        if toml is None:
            self.notes.warn(where, LEFT_OUT_PROVIDER, f"provider.toml {problem}")
            return None
        provider_id = rules.provider_id(folder)
        npm = rules.string(toml.get("npm"))
        implementation = _IMPLEMENTATION_BY_NPM.get(npm or "", "openai_compatible")
        problem = self._id_problem(provider_id)
        reached = None
        if not problem:
            api = rules.string(toml.get("api"))
            reached, problem = endpoint(folder, api, self.notes, where)
        if reached is None:
            self.notes.warn(where, LEFT_OUT_PROVIDER, problem)
            return None
        base_url = reached.base_url
        descriptor: dict[str, Any] = {
            "id": provider_id,
            "display_name": "",  # after the models, in the schema's key order
            "base_url": base_url,
            "implementation": implementation,
            "api_key": None,  # assigned once every provider is known: they are registry-unique
            "context_limit_patterns": list(CONTEXT_LIMIT_PATTERNS),
            "discovery": {"dialect": reached.dialect or _dialect(folder, npm, implementation)},
            "default_models": self.models(folder, implementation, base_url),
        }
        if reached.bare_model_prefix:
            _prefix_bare_ids(descriptor["default_models"], reached.bare_model_prefix)
        self._describe(descriptor, folder, toml, where)
        logo = self.logo(folder)
        if logo is not None:
            descriptor["logo"] = {"svg": f"logos/{provider_id}.svg"}
        docs_url = rules.docs_url(toml.get("doc"), self.notes, where)
        if docs_url is not None:
            descriptor["docs_url"] = docs_url
        if reached.variables:
            descriptor["variables"] = reached.variables
        if reached.auth:
            descriptor["auth"] = reached.auth
        self.ids[provider_id] = folder
        self.progress(f"providers/{folder}: {len(descriptor['default_models'])} models")
        key_env = reached.key_env or key_variable_in(toml.get("env"))
        return Candidate(folder, provider_id, descriptor, key_env, logo)

    def _id_problem(self, provider_id: str) -> str:
        if provider_id in self.ids:
            return f"its id {provider_id!r} is taken by providers/{self.ids[provider_id]}"
        if provider_id in self.hand_written:
            return f"the output folder has a hand-written providers/{provider_id}.yaml"
        return ""

    def _describe(self, descriptor: dict[str, Any], folder: str, toml: Any, where: str) -> None:
        provider_id = descriptor["id"]
        descriptor["display_name"] = rules.display_name(
            toml.get("name"), provider_id, self.notes, where
        )
        if provider_id != folder:
            message = f"folder name {folder!r} is not a provider id: imported as {provider_id}"
            self.notes.warn(where, "W501", message)

    def logo(self, folder: str) -> bytes | None:
        where = f"providers/{folder}/logo.svg"
        path = self.source / where
        if not path.exists():
            return None
        data, problem = read_regular_file(path)
        if data is None:
            self.notes.warn(where, LEFT_OUT_LOGO, f"unusable logo ({problem})")
            return None
        safe_svg, problems = sanitized_svg(data)
        if safe_svg is None:
            self.notes.warn(where, LEFT_OUT_LOGO, f"not a safe SVG: {'; '.join(problems)}")
            return None
        return safe_svg  # the checked tree, written out again, as the compiler ships it

    # --- models --------------------------------------------------------------------------------

    def models(self, folder: str, implementation: str, base_url: str) -> list[dict[str, Any]]:
        models: dict[str, dict[str, Any]] = {}
        for model_id, path in model_files(self.source / "providers" / folder / "models"):
            where = path.relative_to(self.source).as_posix()
            toml, problem = self._model_toml(model_id, path, implementation, base_url)
            if toml is None:
                self.notes.warn(where, LEFT_OUT_MODEL, problem)
                continue
            model = self.model(model_id, toml, where)
            if model is not None:
                models[model_id] = model
        return [models[model_id] for model_id in sorted(models)]

    def _model_toml(
        self, model_id: str, path: Path, implementation: str, base_url: str
    ) -> tuple[dict[str, Any] | None, str]:
        """The model's table, its base models merged in; or (None, why it is left out)."""
        problem = model_id_problem(model_id)
        if problem:
            return None, f"unusable model id: {problem}"
        toml, problem = read_toml(path)
        if toml is None:
            return None, f"model file {problem}"
        toml, problem = self.labs.inherit(toml)
        if toml is None:
            return None, problem
        problem = _served_elsewhere(toml.get("provider"), implementation, base_url) or ""
        return (None, problem) if problem else (toml, "")

    def model(self, model_id: str, toml: dict[str, Any], where: str) -> dict[str, Any] | None:
        modalities = rules.table(toml.get("modalities"))
        inputs = rules.strings(modalities.get("input")) if "input" in modalities else ["text"]
        outputs = rules.strings(modalities.get("output")) if "output" in modalities else ["text"]
        context = rules.positive_int(rules.table(toml.get("limit")).get("context"))
        problem = _text_model_problem(inputs, outputs) or (
            "no context window (limit.context missing, zero or not an integer)"
            if context is None
            else None
        )
        if problem or context is None:
            self.notes.warn(where, LEFT_OUT_MODEL, problem or "")
            return None
        notes = self.notes
        output = rules.max_output_tokens(
            rules.table(toml.get("limit")).get("output"), context, notes, where
        )
        model: dict[str, Any] = {
            "id": model_id,
            "display_name": "",
            "context_window": context,
            "max_output_tokens": output,
            "attachments": FlowList(rules.attachments(inputs, notes, where)),
        }
        model["display_name"] = rules.display_name(toml.get("name"), model_id, notes, where)
        _optional(model, "pricing", prices.pricing(toml.get("cost"), notes, where))
        _optional(model, "tools", rules.flag(toml.get("tool_call"), "tool_call", notes, where))
        if rules.flag(toml.get("reasoning"), "reasoning", notes, where):
            model["reasoning"] = _flow_efforts(
                rules.reasoning(toml.get("reasoning_options"), notes, where)
            )
        if toml.get("status") == "deprecated":
            model["deprecated"] = True
        if rules.table(toml.get("provider")).get("shape") == "responses":
            # Served by its OpenAI-compatible provider through the Responses API only.
            model["implementation"] = "openai_responses"
        return model


def _prefix_bare_ids(models: list[dict[str, Any]], prefix: str) -> None:
    """``prefix`` before every model id without a publisher (``gemini-x`` → ``google/gemini-x``),
    the models re-sorted by id; an id that would then collide keeps its own."""
    taken = {model["id"] for model in models}
    for model in models:
        if "/" not in model["id"] and prefix + model["id"] not in taken:
            model["id"] = prefix + model["id"]
    models.sort(key=lambda model: str(model["id"]))


def _optional(model: dict[str, Any], key: str, value: object) -> None:
    if value is not None:
        model[key] = value


def _flow_efforts(reasoning: dict[str, Any]) -> dict[str, Any]:
    if "efforts" in reasoning:
        reasoning["efforts"] = FlowList(reasoning["efforts"])
    return reasoning


def _text_model_problem(inputs: list[str], outputs: list[str]) -> str | None:
    if "text" not in outputs:
        return f"not a text model (outputs {', '.join(outputs) or 'nothing'})"
    if "text" not in inputs:
        return f"takes no text input (inputs {', '.join(inputs) or 'nothing'})"
    return None


# The two APIs of one OpenAI-compatible endpoint; a model may choose the other one.
_OPENAI_APIS = ("openai_compatible", "openai_responses")


def _served_elsewhere(override: Any, implementation: str, base_url: str) -> str | None:
    """Why a model served through another wire format or URL than its provider's cannot be
    listed under it."""
    if not isinstance(override, dict):
        return None
    npm = rules.string(override.get("npm"))
    if npm is not None and _IMPLEMENTATION_BY_NPM.get(npm, "openai_compatible") != implementation:
        return f"served through another API than its provider's ({npm})"
    api = rules.string(override.get("api"))
    if api is not None and api.rstrip("/") != base_url:
        return "served from another base URL than its provider's"
    if override.get("shape") == "responses" and implementation not in _OPENAI_APIS:
        return "served only through the Responses API, which its provider's format is not"
    return None


def _dialect(folder: str, npm: str | None, implementation: str) -> str:
    if folder == "openrouter" or npm == "@openrouter/ai-sdk-provider":
        return "openrouter"
    if folder == "ollama":
        return "ollama"
    return _DISCOVERY_BY_IMPLEMENTATION[implementation]
