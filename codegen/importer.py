"""Import the models.dev catalogue as registry descriptors.

models.dev (https://models.dev) describes providers as TOML: ``providers/<folder>/provider.toml``,
``providers/<folder>/models/**/<model>.toml`` (a ``/`` in a model id is a sub-folder), an optional
``logo.svg``, and lab-level facts under ``models/<lab>/<model>.toml`` that provider files inherit with
``base_model`` (minus the dotted keys in ``base_model_omit``).

:func:`import_models_dev` turns such a checkout into ``DIR/providers/<id>.yaml`` and ``DIR/logos/<id>.svg``.
The catalogue does not follow this project's rules everywhere, so the importer repairs what it can
(counted per rule in :attr:`ImportReport.repairs`) and leaves out what it cannot, saying why
(:attr:`ImportReport.exclusions`). Every descriptor it writes passes the JSON Schema and the semantic
rules of ``python -m codegen validate``; whatever would not is left out instead.

Output is deterministic: the same input gives byte-identical files, and files whose bytes would not
change are not rewritten.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from jsonschema import Draft202012Validator

from llm_registry.codegen.schema import descriptor_schema
from llm_registry.codegen.svg import svg_problems
from llm_registry.codegen.urls import is_loopback_host, url_problem
from llm_registry.codegen.validate import read_regular_file

__all__ = ["HEADER_PREFIX", "ImportReport", "ImporterError", "import_models_dev"]

# The first line of every descriptor the importer writes; it also marks files the importer may remove
# when their provider disappears from the catalogue (hand-written descriptors never carry it).
HEADER_PREFIX = "# Imported from models.dev"

# Vendors whose provider.toml names no `api` (their AI SDK package knows it) but whose API root is fixed
# and public. Vendors whose URL depends on the user's account, region or resource are left out.
KNOWN_BASE_URLS: dict[str, str] = {
    "aihubmix": "https://aihubmix.com/v1",
    "anthropic": "https://api.anthropic.com/v1",
    "cerebras": "https://api.cerebras.ai/v1",
    "cohere": "https://api.cohere.ai/compatibility/v1",
    "deepinfra": "https://api.deepinfra.com/v1/openai",
    "google": "https://generativelanguage.googleapis.com/v1beta",
    "groq": "https://api.groq.com/openai/v1",
    "mistral": "https://api.mistral.ai/v1",
    "openai": "https://api.openai.com/v1",
    "perplexity": "https://api.perplexity.ai",
    "togetherai": "https://api.together.xyz/v1",
    "v0": "https://api.v0.dev/v1",
    "venice": "https://api.venice.ai/api/v1",
    "vercel": "https://ai-gateway.vercel.sh/v1",
    "xai": "https://api.x.ai/v1",
}

_IMPLEMENTATION_BY_NPM = {"@ai-sdk/anthropic": "anthropic", "@ai-sdk/google": "google"}
_DISCOVERY_BY_IMPLEMENTATION = {
    "anthropic": "anthropic",
    "google": "google",
    "openai_compatible": "openai",
}

# Substrings that providers put in context-overflow errors (OpenAI-style, Anthropic, Gemini, vLLM, …).
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

# Attachment kinds in the schema's order; models.dev input modalities outside this set (audio, video)
# have no attachment kind here and are mapped away.
_ATTACHMENT_ORDER = ("text", "image", "pdf")

_PROVIDER_ID_MAX = 64
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_ENV_NAME_MAX = 128
# An env variable that holds a secret, as opposed to a region, project, host or account id.
_KEY_ENV = re.compile(r"(?:^|_|API)(?:KEY|TOKEN|PAT|SECRET)$")
_EFFORT = re.compile(r"^[a-z][a-z0-9_-]*$")
_BASE_MODEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._:-]*)+$")
_TEMPLATE = re.compile(r"\$\{[^}]*\}|\{\{")
# Control characters and line/paragraph separators: nothing a display name should hold.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]+")
_ENDPOINT_SUFFIXES = ("/chat/completions", "/completions", "/messages")
_MODEL_ID_MAX = 256
_DISPLAY_NAME_MAX = 200
_BASE_MODEL_DEPTH = 8


class ImporterError(Exception):
    """The import cannot run at all: the source is not a models.dev checkout, or DIR cannot be written.

    Problems with single providers or models are never raised; they are repaired or left out and reported.
    """


@dataclass
class ImportReport:
    """What an import wrote, repaired and left out."""

    providers: list[str] = field(default_factory=list)
    """Ids of the providers written, sorted."""
    models: list[str] = field(default_factory=list)
    """``<provider id>::<model id>`` of every model written, sorted."""
    repairs: dict[str, int] = field(default_factory=dict)
    """Rule → number of fields repaired or dropped under it."""
    exclusions: list[tuple[str, str]] = field(default_factory=list)
    """(what was left out, why): providers, models and logos, named by their path in the source."""
    renames: list[tuple[str, str]] = field(default_factory=list)
    """(source name, name in the registry) for provider ids and key variables that had to change."""
    files_written: list[str] = field(default_factory=list)
    """Files (relative to DIR) created or changed by this run."""
    files_unchanged: int = 0
    """Files that already held exactly the bytes this run would write, left untouched."""
    files_removed: list[str] = field(default_factory=list)
    """Earlier imported files whose provider or logo is no longer imported."""

    def format(self) -> str:
        """A human-readable summary: counts, renames, repairs by rule, exclusions grouped by reason."""
        lines = [
            f"Imported {len(self.providers)} providers with {len(self.models)} models "
            f"({len(self.files_written)} files written, {self.files_unchanged} unchanged, "
            f"{len(self.files_removed)} removed)."
        ]
        if self.renames:
            lines.append(f"Renamed ({len(self.renames)}):")
            lines.extend(f"  {source} -> {target}" for source, target in self.renames)
        if self.repairs:
            lines.append(f"Repaired ({sum(self.repairs.values())} fields, by rule):")
            width = max(len(rule) for rule in self.repairs)
            lines.extend(
                f"  {rule:<{width}}  {count}" for rule, count in sorted(self.repairs.items())
            )
        if self.exclusions:
            lines.append(f"Left out ({len(self.exclusions)}, by reason):")
            by_reason: dict[str, list[str]] = {}
            for what, why in self.exclusions:
                by_reason.setdefault(why, []).append(what)
            for why, whats in sorted(by_reason.items(), key=lambda item: (-len(item[1]), item[0])):
                lines.append(f"  {len(whats)} x {why}:")
                lines.extend(f"      {what}" for what in whats)
        return "\n".join(lines)


# --- the import --------------------------------------------------------------------------------------


def import_models_dev(
    source: Path, out: Path, *, progress: Callable[[str], None] | None = None
) -> ImportReport:
    """Import the models.dev checkout at ``source`` into the registry folder ``out``.

    Writes ``out/providers/<id>.yaml`` and ``out/logos/<id>.svg``; removes earlier imported files whose
    provider is gone. Raises :class:`ImporterError` only when the import cannot run at all.
    """
    source, out = Path(source), Path(out)
    providers_dir = source / "providers"
    if not providers_dir.is_dir():
        raise ImporterError(f"{source} is not a models.dev checkout: it has no providers/ folder")
    run = _Run(source, progress or (lambda message: None))
    run.hand_written = _hand_written_key_variables(out)

    folders = sorted(
        entry.name
        for entry in os.scandir(providers_dir)
        if entry.is_dir() and not entry.name.startswith(".")
    )
    candidates = [
        candidate for folder in folders if (candidate := run.provider(folder)) is not None
    ]
    run.assign_key_variables(candidates)

    documents: dict[str, bytes] = {}
    logos: dict[str, bytes] = {}
    for candidate in candidates:
        problem = run.schema_problem(candidate.descriptor)
        if problem:
            run.exclude(candidate.what, f"would fail validation: {problem}")
            continue
        documents[candidate.id] = _render(candidate)
        if candidate.logo is not None:
            logos[candidate.id] = candidate.logo
        run.report.providers.append(candidate.id)
        run.report.models.extend(
            f"{candidate.id}::{model['id']}" for model in candidate.descriptor["default_models"]
        )

    _write_registry(out, documents, logos, run.report)
    run.report.providers.sort()
    run.report.models.sort()
    run.report.repairs = dict(sorted(run.repairs.items()))
    return run.report


@dataclass
class _Candidate:
    """A provider that survived the per-provider checks; its key variable is assigned across providers."""

    folder: str
    id: str
    descriptor: dict[str, Any]
    key_env: str | None  # the catalogue's key variable, or None when it names none
    logo: bytes | None

    @property
    def what(self) -> str:
        return f"providers/{self.folder}"


class _Run:
    """State of one import: the lab models read so far and the report being built."""

    def __init__(self, source: Path, progress: Callable[[str], None]) -> None:
        self.source = source
        self.progress = progress
        self.report = ImportReport()
        self.repairs: Counter[str] = Counter()
        self.ids: dict[str, str] = {}  # provider id -> folder that took it
        # Descriptors in DIR that the importer did not write: never overwritten, their key variables kept.
        self.hand_written: dict[str, str | None] = {}
        self.labs: dict[str, tuple[dict[str, Any] | None, str]] = {}
        self.validator = Draft202012Validator(descriptor_schema())

    def repair(self, rule: str, count: int = 1) -> None:
        self.repairs[rule] += count

    def exclude(self, what: str, why: str) -> None:
        self.report.exclusions.append((what, why))

    # --- providers -----------------------------------------------------------------------------------

    def provider(self, folder: str) -> _Candidate | None:
        what = f"providers/{folder}"
        directory = self.source / "providers" / folder
        toml, problem = _read_toml(directory / "provider.toml")
        if toml is None:
            self.exclude(what, f"provider.toml {problem}")
            return None

        provider_id = _provider_id(folder)
        if provider_id in self.ids:
            self.exclude(
                what,
                f"its id {provider_id!r} is taken by providers/{self.ids[provider_id]}",
            )
            return None
        if provider_id in self.hand_written:
            self.exclude(
                what,
                f"the output folder has a hand-written providers/{provider_id}.yaml",
            )
            return None
        npm = _string(toml.get("npm"))
        implementation = _IMPLEMENTATION_BY_NPM.get(npm or "", "openai_compatible")
        base_url, problem = self.base_url(folder, _string(toml.get("api")))
        if base_url is None:
            self.exclude(what, problem)
            return None

        models = self.models(folder, directory / "models", implementation, base_url)
        descriptor: dict[str, Any] = {
            "id": provider_id,
            "display_name": self.display_name(toml.get("name"), fallback=provider_id),
            "base_url": base_url,
            "implementation": implementation,
            "api_key": None,  # assigned once every provider is known: key variables are registry-unique
            "context_limit_patterns": list(CONTEXT_LIMIT_PATTERNS),
            "discovery": {"dialect": _dialect(folder, npm, implementation)},
            "default_models": models,
        }
        logo = self.logo(folder, directory / "logo.svg")
        if logo is not None:
            descriptor["logo"] = {"svg": f"logos/{provider_id}.svg"}
        docs_url = self.https_url(toml.get("doc"), "docs_url_dropped")
        if docs_url is not None:
            descriptor["docs_url"] = docs_url
        self.ids[provider_id] = folder
        if provider_id != folder:
            self.repair("provider_id_renamed")
            self.report.renames.append((what, provider_id))
        self.progress(f"{what}: {len(models)} models")
        return _Candidate(folder, provider_id, descriptor, _key_env(toml.get("env")), logo)

    def base_url(self, folder: str, api: str | None) -> tuple[str | None, str]:
        if api is None:
            if folder not in KNOWN_BASE_URLS:
                return (
                    None,
                    "no base URL: provider.toml has no api, and the vendor has no fixed public URL known to the importer",
                )
            api = KNOWN_BASE_URLS[folder]
            self.repair("base_url_from_vendor_table")
        if _TEMPLATE.search(api):
            return (
                None,
                "base URL holds template variables (it depends on the user's account, region or host)",
            )
        if api.endswith("/"):
            api = api.rstrip("/")
            self.repair("base_url_trailing_slash_removed")
        for suffix in _ENDPOINT_SUFFIXES:
            if api.endswith(suffix):
                api = api[: -len(suffix)]
                self.repair("base_url_endpoint_path_removed")
                break
        if _CONTROL.search(api):
            return None, "base URL holds control characters"
        problem = url_problem(api, allow_loopback_http=True, is_base=True)
        if problem:
            return None, f"base URL rejected: {problem[1]}"
        return api, ""

    def https_url(self, value: Any, rule: str) -> str | None:
        url = _string(value)
        if url is None:
            return None
        if (
            _CONTROL.search(url)
            or url_problem(url, allow_loopback_http=False, is_base=False)
            or len(url) > 2048
        ):
            self.repair(rule)
            return None
        return url

    def display_name(self, value: Any, *, fallback: str) -> str:
        name = _string(value)
        if name is None:
            self.repair("display_name_from_id")
            return fallback[:_DISPLAY_NAME_MAX]
        cleaned = name.strip()
        if _CONTROL.search(cleaned):
            # A tab or line break inside a name was meant as a space; runs of them become one.
            cleaned = " ".join(_CONTROL.sub(" ", cleaned).split())
            self.repair("control_characters_removed")
        if not cleaned:
            self.repair("display_name_from_id")
            return fallback[:_DISPLAY_NAME_MAX]
        if len(cleaned) > _DISPLAY_NAME_MAX:
            self.repair("display_name_truncated")
            cleaned = cleaned[:_DISPLAY_NAME_MAX].rstrip()
        return cleaned

    def logo(self, folder: str, path: Path) -> bytes | None:
        if not path.exists():
            return None
        data, problem = read_regular_file(path)
        if data is None:
            self.exclude(f"providers/{folder}/logo.svg", f"unusable logo ({problem})")
            return None
        problems = svg_problems(data)
        if problems:
            self.exclude(f"providers/{folder}/logo.svg", f"not a safe SVG: {'; '.join(problems)}")
            return None
        return data

    # --- key variables -------------------------------------------------------------------------------

    def assign_key_variables(self, candidates: list[_Candidate]) -> None:
        """Give every provider a registry-unique key variable (or none, for loopback servers).

        The first provider in folder order keeps a variable the catalogue gives several providers
        (e.g. MINIMAX_API_KEY for minimax); later ones get <ID>_API_KEY, reported as renames.
        """
        catalogue_names = {candidate.key_env for candidate in candidates if candidate.key_env}
        taken = {env for env in self.hand_written.values() if env}
        for candidate in candidates:
            descriptor = candidate.descriptor
            env = candidate.key_env
            if env is None and is_loopback_host(urlsplit(descriptor["base_url"]).hostname or ""):
                descriptor["api_key"] = None
                continue
            if env is None:
                rule = "api_key_env_derived"
            elif not _ENV_NAME.match(env) or len(env) > _ENV_NAME_MAX:
                rule = "api_key_env_invalid_renamed"
            elif env in taken:
                rule = "api_key_env_duplicate_renamed"
            else:
                rule = ""
            if rule:
                new_env = _derived_env(candidate.id, taken | catalogue_names)
                self.repair(rule)
                self.report.renames.append((f"{candidate.what} env {env or '(none)'}", new_env))
                env = new_env
            assert env is not None
            taken.add(env)
            descriptor["api_key"] = {
                "env": env,
                "placeholder": "",
                "url": self.key_url(descriptor),
            }

    def key_url(self, descriptor: Mapping[str, Any]) -> str:
        """models.dev has no key page; the docs are the closest https page, else the API's origin."""
        if "docs_url" in descriptor:
            return str(descriptor["docs_url"])
        parts = urlsplit(descriptor["base_url"])
        return f"https://{parts.netloc}"

    # --- models --------------------------------------------------------------------------------------

    def models(
        self, folder: str, models_dir: Path, implementation: str, base_url: str
    ) -> list[dict[str, Any]]:
        models: dict[str, dict[str, Any]] = {}
        for model_id, path in _model_files(models_dir):
            what = f"providers/{folder}/models/{model_id}"
            model = self.model(what, model_id, path, implementation, base_url)
            if model is None:
                continue
            # Unreachable from one folder tree; kept so the rule holds whatever the walk yields.
            if model_id in models:
                self.exclude(what, "duplicate model id")
                continue
            models[model_id] = model
        return [models[model_id] for model_id in sorted(models)]

    def model(
        self, what: str, model_id: str, path: Path, implementation: str, base_url: str
    ) -> dict[str, Any] | None:
        problem = _model_id_problem(model_id)
        if problem:
            self.exclude(what, problem)
            return None
        toml, problem = _read_toml(path)
        if toml is None:
            self.exclude(what, f"model file {problem}")
            return None
        toml, problem = self.inherit(toml)
        if toml is None:
            self.exclude(what, problem)
            return None
        problem = _served_elsewhere(toml.get("provider"), implementation, base_url)
        if problem:
            self.exclude(what, problem)
            return None

        modalities = _table(toml.get("modalities"))
        inputs = _strings(modalities.get("input")) if "input" in modalities else ["text"]
        outputs = _strings(modalities.get("output")) if "output" in modalities else ["text"]
        if "text" not in outputs:
            self.exclude(what, f"not a text model (outputs {', '.join(outputs) or 'nothing'})")
            return None
        if "text" not in inputs:
            self.exclude(what, f"takes no text input (inputs {', '.join(inputs) or 'nothing'})")
            return None

        limit = _table(toml.get("limit"))
        context = _positive_int(limit.get("context"))
        if context is None:
            self.exclude(
                what,
                "no context window (limit.context missing, zero or not an integer)",
            )
            return None
        output = _positive_int(limit.get("output"))
        if output is None:
            self.repair("max_output_tokens_filled_from_context")
            output = context
        elif output > context:
            self.repair("max_output_tokens_clamped_to_context")
            output = context

        unmapped = [kind for kind in inputs if kind not in _ATTACHMENT_ORDER]
        if unmapped:
            self.repair("attachment_kinds_unmapped", len(set(unmapped)))
        model: dict[str, Any] = {
            "id": model_id,
            "display_name": self.display_name(toml.get("name"), fallback=model_id),
            "context_window": context,
            "max_output_tokens": output,
            "attachments": _FlowList(kind for kind in _ATTACHMENT_ORDER if kind in inputs),
        }
        pricing = self.pricing(toml.get("cost"))
        if pricing is not None:
            model["pricing"] = pricing
        tools = toml.get("tool_call")
        if isinstance(tools, bool):
            model["tools"] = tools
        elif tools is not None:
            self.repair("wrong_type_dropped")
        reasoning = toml.get("reasoning")
        if reasoning is True:
            model["reasoning"] = self.reasoning(toml.get("reasoning_options"))
        elif reasoning is not None and not isinstance(reasoning, bool):
            self.repair("wrong_type_dropped")
        if toml.get("status") == "deprecated":
            model["deprecated"] = True
        return model

    def inherit(self, toml: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
        """The model with its base_model chain merged in: the provider's own values win."""
        seen: list[str] = []
        while "base_model" in toml:
            base_name = toml["base_model"]
            if (
                not isinstance(base_name, str)
                or not _BASE_MODEL.match(base_name)
                or ".." in base_name
            ):
                return None, f"base_model {base_name!r} is not a <lab>/<model> name"
            if base_name in seen or len(seen) >= _BASE_MODEL_DEPTH:
                return (
                    None,
                    f"base_model chain {' -> '.join([*seen, base_name])} does not end",
                )
            seen.append(base_name)
            base, problem = self.lab_model(base_name)
            if base is None:
                return None, f"base model models/{base_name}.toml {problem}"
            omit = toml.get("base_model_omit", [])
            for dotted in omit if isinstance(omit, list) else []:
                if isinstance(dotted, str):
                    base = _without(base, dotted.split("."))
            own = {
                key: value
                for key, value in toml.items()
                if key not in ("base_model", "base_model_omit")
            }
            toml = _merged(base, own)
        return toml, ""

    def lab_model(self, name: str) -> tuple[dict[str, Any] | None, str]:
        if name not in self.labs:
            self.labs[name] = _read_toml(self.source / "models" / f"{name}.toml")
        return self.labs[name]

    def pricing(self, cost: Any) -> dict[str, float] | None:
        if cost is None:
            return None
        prices = [_price(_table(cost).get(key)) for key in ("input", "output")]
        if prices[0] is None or prices[1] is None:
            self.repair("pricing_dropped_invalid")
            return None
        return {"input_per_million": prices[0], "output_per_million": prices[1]}

    def reasoning(self, options: Any) -> dict[str, Any]:
        """Effort levels when the model offers them, else a token budget, else reasoning without control."""
        entries = (
            [entry for entry in options if isinstance(entry, dict)]
            if isinstance(options, list)
            else []
        )
        for entry in entries:
            if entry.get("type") == "effort":
                values = _strings(entry.get("values"))
                efforts = list(
                    dict.fromkeys(
                        value for value in values if _EFFORT.match(value) and value != "null"
                    )
                )
                if len(efforts) != len(values):
                    self.repair("reasoning_efforts_filtered")
                if efforts:
                    return {"mode": "effort", "efforts": _FlowList(efforts)}
        for entry in entries:
            if entry.get("type") == "budget_tokens":
                reasoning: dict[str, Any] = {"mode": "budget_tokens"}
                minimum = entry.get("min")
                if _positive_int(minimum) is not None:
                    reasoning["min_budget_tokens"] = _positive_int(minimum)
                elif minimum is not None:
                    self.repair("reasoning_min_budget_dropped")
                return reasoning
        return {"mode": "always"}

    # --- the final guard -----------------------------------------------------------------------------

    def schema_problem(self, descriptor: dict[str, Any]) -> str | None:
        """The first schema error, should a repair above have missed a case; None when valid."""
        error = next(iter(self.validator.iter_errors(descriptor)), None)
        if error is None:
            return None
        where = "/".join(str(part) for part in error.absolute_path) or "descriptor"
        return f"{where}: {error.message[:200]}"


# --- reading the catalogue ---------------------------------------------------------------------------


def _read_toml(path: Path) -> tuple[dict[str, Any] | None, str]:
    if not path.exists():
        return None, "is missing"
    data, problem = read_regular_file(path)  # never a FIFO or a device: they would hang the import
    if data is None:
        return None, f"cannot be read ({problem})"
    try:
        return tomllib.loads(data.decode("utf-8")), ""
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        return None, f"is not valid TOML ({error})"


def _model_files(models_dir: Path) -> Iterator[tuple[str, Path]]:
    """(model id, file) for every models/**/*.toml; sub-folders become '/' in the id."""
    if not models_dir.is_dir():
        return
    for directory, subdirectories, files in os.walk(models_dir):
        subdirectories[:] = sorted(name for name in subdirectories if not name.startswith("."))
        relative = os.path.relpath(directory, models_dir)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        for name in sorted(files):
            if name.endswith(".toml") and not name.startswith("."):
                yield prefix + name[: -len(".toml")], Path(directory, name)


def _provider_id(folder: str) -> str:
    """The folder name made a valid provider id: lower case, runs of other characters as '-'."""
    slug = re.sub(r"[^a-z0-9]+", "-", folder.lower()).strip("-")
    if not slug or not slug[0].isalpha():
        slug = f"provider-{slug}".rstrip("-")
    return slug[:_PROVIDER_ID_MAX].rstrip("-")


def _model_id_problem(model_id: str) -> str | None:
    if "::" in model_id:
        return "model id contains '::' (the registry's provider/model separator)"
    if not model_id or any(char.isspace() or _CONTROL.match(char) for char in model_id):
        return "model id is empty or contains white space or control characters"
    if len(model_id) > _MODEL_ID_MAX:
        return f"model id longer than {_MODEL_ID_MAX} characters"
    return None


def _served_elsewhere(override: Any, implementation: str, base_url: str) -> str | None:
    """Why a model served through another wire format or URL than its provider's cannot be listed under it."""
    if not isinstance(override, dict):
        return None
    npm = _string(override.get("npm"))
    if npm is not None and _IMPLEMENTATION_BY_NPM.get(npm, "openai_compatible") != implementation:
        return f"served through another API than its provider's ({npm})"
    api = _string(override.get("api"))
    if api is not None and api.rstrip("/") != base_url:
        return "served from another base URL than its provider's"
    if override.get("shape") == "responses":
        return "served only through the Responses API"
    return None


def _key_env(env: Any) -> str | None:
    """The first variable in provider.toml's env that holds a key; regions, hosts and ids are not keys."""
    for name in _strings(env):
        if _KEY_ENV.search(name.upper()):
            return name
    return None


def _derived_env(provider_id: str, taken: set[str]) -> str:
    stem = re.sub(r"[^A-Z0-9]+", "_", provider_id.upper()).strip("_")
    base = f"{stem}_API_KEY"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{stem}_{number}_API_KEY", number + 1
    return candidate


def _dialect(folder: str, npm: str | None, implementation: str) -> str:
    if folder == "openrouter" or npm == "@openrouter/ai-sdk-provider":
        return "openrouter"
    if folder == "ollama":
        return "ollama"
    return _DISCOVERY_BY_IMPLEMENTATION[implementation]


def _merged(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """Deep merge of tables; own values (and own arrays, whole) win."""
    result = dict(base)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merged(result[key], value)
        else:
            result[key] = value
    return result


def _without(table: dict[str, Any], path: list[str]) -> dict[str, Any]:
    """table minus the key at a dotted path, copying only along the path."""
    head, rest = path[0], path[1:]
    if head not in table:
        return table
    result = dict(table)
    if not rest:
        del result[head]
    elif isinstance(result[head], dict):
        result[head] = _without(result[head], rest)
    return result


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _price(value: Any) -> float | None:
    """A finite, non-negative price as a float; + 0.0 turns -0.0 into 0.0, so a price always prints the same."""
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    ):
        return float(value) + 0.0
    return None


def _positive_int(value: Any) -> int | None:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return None


# --- writing the registry ----------------------------------------------------------------------------


class _FlowList(list[str]):
    """A short list of words, written on one line: `attachments: [text, image]`."""


class _Dumper(yaml.SafeDumper):
    """SafeDumper that never writes anchors/aliases and writes _FlowList in flow style."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_flow_list(dumper: yaml.SafeDumper, data: _FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(_FlowList, _represent_flow_list)


def _render(candidate: _Candidate) -> bytes:
    folder = "".join(
        char if char.isprintable() else f"\\x{ord(char):02x}" for char in candidate.folder
    )
    header = f"{HEADER_PREFIX} (providers/{folder}); re-run `python -m codegen import-models-dev` instead of editing.\n"
    # safe_dump quotes strings that YAML 1.1 would read as booleans, numbers or null ("yes", "1.0", "~").
    body = yaml.dump(
        candidate.descriptor,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
        default_flow_style=False,
    )
    return (header + body).encode("utf-8")


def _write_registry(
    out: Path,
    documents: dict[str, bytes],
    logos: dict[str, bytes],
    report: ImportReport,
) -> None:
    """Write what changed, leave identical files alone, remove earlier imported files now gone."""
    wanted: dict[str, bytes] = {
        f"providers/{provider_id}.yaml": data for provider_id, data in documents.items()
    }
    wanted.update({f"logos/{provider_id}.svg": data for provider_id, data in logos.items()})
    try:
        for folder in ("providers", "logos"):
            (out / folder).mkdir(parents=True, exist_ok=True)
        for relative in sorted(wanted):
            path = out / relative
            data = wanted[relative]
            if _read_bytes(path) == data:
                report.files_unchanged += 1
                continue
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, path)
            report.files_written.append(relative)
        for relative in sorted(_stale_imports(out, documents)):
            if relative not in wanted:
                (out / relative).unlink()
                report.files_removed.append(relative)
    except OSError as error:
        raise ImporterError(f"cannot write {error.filename or out}: {error.strerror}") from error


def _hand_written_key_variables(out: Path) -> dict[str, str | None]:
    """Provider id -> key variable of each descriptor in DIR that does not carry the importer's header."""
    found: dict[str, str | None] = {}
    for path in sorted((out / "providers").glob("*.yaml")):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if data.startswith(HEADER_PREFIX.encode()):
            continue
        try:
            api_key = yaml.safe_load(data).get("api_key")
            env = api_key.get("env") if isinstance(api_key, dict) else None
        except (yaml.YAMLError, AttributeError, UnicodeDecodeError):
            env = None  # validate reports what is wrong with it; its id stays reserved all the same
        found[path.stem] = env if isinstance(env, str) else None
    return found


def _stale_imports(out: Path, documents: dict[str, bytes]) -> list[str]:
    """Files an earlier import wrote: descriptors carrying the header, and the logos of imported ids."""
    imported_ids = set(documents)
    stale = []
    for path in sorted((out / "providers").glob("*.yaml")):
        with path.open("rb") as file:
            if file.readline().startswith(HEADER_PREFIX.encode()):
                imported_ids.add(path.stem)
                stale.append(f"providers/{path.name}")
    stale.extend(
        f"logos/{provider_id}.svg"
        for provider_id in sorted(imported_ids)
        if (out / "logos" / f"{provider_id}.svg").exists()
    )
    return stale


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
