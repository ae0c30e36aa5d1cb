"""Validation: the JSON Schema for each descriptor, then the rules only the whole registry can
check."""

from __future__ import annotations

import difflib
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_registry.codegen.diagnostics import Diagnostic
from llm_registry.codegen.schema import descriptor_schema
from llm_registry.codegen.svg import sanitized_svg
from llm_registry.codegen.urls import url_problem
from llm_registry.codegen.yaml_loader import JsonPath, LoadedDocument, load_descriptor

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

DESCRIPTOR_SUFFIX = ".yaml"
# Headers the HTTP client must own: framing, routing and connection management.
_RESERVED_HEADERS = {
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "expect",
}
_CREDENTIAL_HEADERS = {
    "authorization",
    "proxy-authorization",
    "x-api-key",
    "api-key",
    "x-goog-api-key",
    "cookie",
}


@dataclass(frozen=True)
class Descriptor:
    """A descriptor that passed every check, with what the compiler needs to emit it."""

    source: str  # relative to the registry folder, e.g. "providers/acme.yaml"
    value: dict[str, Any]
    logo_svg: bytes | None


@dataclass
class Registry:
    """The outcome of validating a registry folder."""

    descriptors: list[Descriptor]
    diagnostics: list[Diagnostic]


def format_path(path: JsonPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "descriptor"


@cache
def _validator() -> Draft202012Validator:
    # Imported here: only an invalid descriptor needs the full, error-collecting validator.
    from jsonschema import Draft202012Validator

    return Draft202012Validator(descriptor_schema())


def _leaf_errors(error: ValidationError) -> Iterator[ValidationError]:
    """anyOf errors say little; descend into the branch that fits the value's type."""
    if error.validator != "anyOf" or not error.context:
        yield error
        return
    instance_is_mapping = isinstance(error.instance, dict)
    branches = {sub.schema_path[0] for sub in error.context}
    for branch in sorted(branches):
        branch_schema = error.schema["anyOf"][branch]  # type: ignore[index]
        if instance_is_mapping and "$ref" in branch_schema:
            for sub in error.context:
                if sub.schema_path[0] == branch:
                    yield from _leaf_errors(sub)
            return
    yield error


@cache
def _fast_check() -> Callable[[Any], Any]:
    """The schema compiled to Python code: an order of magnitude faster than walking it.

    It stops at the first error, so it only answers "valid or not"; an invalid descriptor
    then goes through jsonschema, which reports every error with its location. The schema
    uses nothing whose meaning differs between the drafts the two libraries implement.
    """
    import fastjsonschema

    return fastjsonschema.compile(descriptor_schema(), use_default=False)


def _schema_diagnostics(document: LoadedDocument) -> list[Diagnostic]:
    from fastjsonschema import JsonSchemaException

    try:
        _fast_check()(document.value)
        return []
    except JsonSchemaException:
        pass
    diagnostics: list[Diagnostic] = []
    for top in _validator().iter_errors(document.value):
        for error in _leaf_errors(top):
            diagnostics.extend(_describe(document, error))
    return diagnostics


def _describe(document: LoadedDocument, error: ValidationError) -> Iterator[Diagnostic]:
    path: JsonPath = tuple(error.absolute_path)
    where = format_path(path)
    kind = error.validator

    def at(position_path: JsonPath, code: str, message: str, *, key: bool = False) -> Diagnostic:
        position = document.position_of(position_path, key=key)
        return Diagnostic(document.path, position.line, position.column, code, message)

    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))  # type: ignore[union-attr]
        for key in error.instance:
            if key in allowed:
                continue
            guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = (
                f"; did you mean {guess[0]!r}?"
                if guess
                else f"; allowed keys: {', '.join(allowed)}"
            )
            location = "" if not path else f" in {where}"
            yield at((*path, key), "E201", f"unknown key {key!r}{location}{hint}", key=True)
    elif kind == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        location = "" if not path else f" in {where}"
        yield at(path, "E202", f"missing required key {missing!r}{location}")
    elif kind in ("type", "anyOf"):
        expected = _expected_type(error)
        position = document.position_of(path)
        if position.read_as and position.source_text is not None and expected == "a string":
            source = position.source_text
            got = f'`{source}` is read as {position.read_as} in YAML; quote it: "{source}"'
        elif (
            isinstance(error.instance, str)
            and expected in ("an integer", "a number")
            and _looks_numeric(error.instance)
        ):
            got = (
                f"YAML reads `{error.instance}` as text; "
                "write the number in plain decimal (e.g. 150000, 0.5)"
            )
        else:
            got = f"got {_type_name(error.instance)}"
        yield at(path, "E203", f"{where} must be {expected}; {got}")
    elif kind == "enum":
        options = [str(option) for option in error.validator_value]  # type: ignore[union-attr]
        guess = difflib.get_close_matches(str(error.instance), options, n=1, cutoff=0.6)
        hint = f"; did you mean {guess[0]!r}?" if guess else ""
        yield at(
            path,
            "E204",
            f"{where} must be one of {', '.join(options)}; got {error.instance!r}{hint}",
        )
    elif kind == "pattern":
        # The schema's description says in words what the regular expression means.
        meaning = error.schema.get("description") if isinstance(error.schema, dict) else None
        yield at(
            path,
            "E204",
            f"{where} {error.instance!r} does not match {error.validator_value}"
            + (f": {meaning}" if meaning else ""),
        )
    elif kind == "uniqueItems":
        yield at(path, "E204", f"{where} lists the same item more than once")
    else:
        yield at(path, "E204", f"{where}: {error.message}")


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _expected_type(error: ValidationError) -> str:
    if error.validator == "anyOf":
        return "a mapping or null"
    names = (
        error.validator_value
        if isinstance(error.validator_value, list)
        else [error.validator_value]
    )
    return " or ".join(_TYPE_WORDS.get(str(name), str(name)) for name in names)


_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "a mapping",
    "array": "a list",
    "null": "null",
}


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class _SemanticChecker:
    """Rules over one descriptor that a schema cannot express, written defensively:
    they run even when the schema already found problems, so every error shows at once.
    """

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
        self._url(("base_url",), value.get("base_url"), allow_loopback_http=True, is_base=True)
        self._url(
            ("docs_url",),
            value.get("docs_url"),
            allow_loopback_http=False,
            is_base=False,
        )
        api_key = value.get("api_key")
        if isinstance(api_key, dict):
            self._url(
                ("api_key", "url"),
                api_key.get("url"),
                allow_loopback_http=False,
                is_base=False,
            )
        headers = value.get("headers")
        if isinstance(headers, dict):
            for name in headers:
                if isinstance(name, str) and name.lower() in _CREDENTIAL_HEADERS:
                    self.error(
                        ("headers", name),
                        "E313",
                        f"header {name!r} carries credentials; keys come from api_key",
                        key=True,
                    )
                elif isinstance(name, str) and name.lower() in _RESERVED_HEADERS:
                    self.error(
                        ("headers", name),
                        "E204",
                        f"header {name!r} is set by the HTTP client, not a descriptor",
                        key=True,
                    )
        models = value.get("default_models")
        if isinstance(models, list):
            self._models(models)
        logo = value.get("logo")
        if isinstance(logo, dict) and isinstance(logo.get("svg"), str):
            self._logo(logo["svg"])

    def _url(self, path: JsonPath, url: Any, *, allow_loopback_http: bool, is_base: bool) -> None:
        if not isinstance(url, str) or not url:
            return
        problem = url_problem(url, allow_loopback_http=allow_loopback_http, is_base=is_base)
        if problem:
            self.error(path, *problem)

    def _models(self, models: list[Any]) -> None:
        first_index: dict[str, int] = {}
        for index, model in enumerate(models):
            if not isinstance(model, dict):
                continue
            path: JsonPath = ("default_models", index)
            model_id = model.get("id")
            if isinstance(model_id, str):
                if "::" in model_id:
                    self.error(
                        (*path, "id"),
                        "E306",
                        f"model id {model_id!r} must not contain '::' "
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
            reasoning = model.get("reasoning")
            if isinstance(reasoning, dict):
                self._reasoning((*path, "reasoning"), reasoning)

    def _reasoning(self, path: JsonPath, reasoning: dict[str, Any]) -> None:
        mode = reasoning.get("mode")
        if mode == "effort" and "efforts" not in reasoning:
            self.error(
                path,
                "E312",
                "reasoning mode 'effort' needs the list of efforts the model accepts",
            )
        if mode != "effort" and "efforts" in reasoning:
            self.error(
                (*path, "efforts"),
                "E312",
                f"efforts only apply to reasoning mode 'effort', not {mode!r}",
                key=True,
            )
        if mode != "budget_tokens" and "min_budget_tokens" in reasoning:
            self.error(
                (*path, "min_budget_tokens"),
                "E312",
                f"min_budget_tokens only applies to reasoning mode 'budget_tokens', not {mode!r}",
                key=True,
            )

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


MAX_FILE_BYTES = 16 * 1024 * 1024


def read_regular_file(path: Path) -> tuple[bytes | None, str]:
    """(contents, "") or (None, why not): only regular files of sane size are read, so a FIFO
    or a link to /dev/zero can neither hang the compiler nor fill its memory."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            return None, "not a regular file"
        if status.st_size > MAX_FILE_BYTES:
            return None, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1), ""
    except OSError as error:
        return None, f"cannot read file: {error.strerror}"


def _ignored(name: str) -> bool:
    """Hidden files, editor backups and notes beside the descriptors."""
    return name.startswith(".") or name.endswith(("~", ".swp", ".bak", ".orig", ".md", ".txt"))


def descriptor_files(registry_dir: Path) -> tuple[list[Path], list[Diagnostic]]:
    """The descriptor files of a registry, sorted; stray files in providers/ are errors, not
    silence."""
    providers_dir = registry_dir / "providers"
    files, diagnostics = [], []
    for path in sorted(providers_dir.iterdir()):
        if _ignored(path.name) or (path.is_dir() and path.suffix != DESCRIPTOR_SUFFIX):
            continue
        if path.suffix == DESCRIPTOR_SUFFIX and path.is_dir():
            diagnostics.append(
                Diagnostic(str(path), 0, 0, "E003", "a folder, not a descriptor file")
            )
        elif path.suffix == DESCRIPTOR_SUFFIX:
            files.append(path)
        else:
            diagnostics.append(
                Diagnostic(
                    str(path),
                    0,
                    0,
                    "E003",
                    f"not a descriptor: descriptor files are named <id>{DESCRIPTOR_SUFFIX}",
                )
            )
    return files, diagnostics


def validate_registry(registry_dir: Path) -> Registry:
    """Load and check every descriptor; every problem in every file is collected."""
    files, diagnostics = descriptor_files(registry_dir)
    unique = _UniquenessCheck()
    checked: list[Descriptor] = []
    for path in files:
        data, problem = read_regular_file(path)
        if data is None:
            diagnostics.append(Diagnostic(str(path), 0, 0, "E002", problem))
            continue
        document, problems = load_descriptor(data, str(path))
        diagnostics.extend(problems)
        if document is None:
            continue
        file_problems = list(problems)
        # The loader already explained a value it refused (.nan, 0b101, …); the schema
        # complaining about the same spot would only repeat it with worse advice.
        refused = {(problem.line, problem.column) for problem in problems}
        file_problems.extend(
            d for d in _schema_diagnostics(document) if (d.line, d.column) not in refused
        )
        checker = _SemanticChecker(document, registry_dir)
        checker.run(path.stem)
        file_problems.extend(checker.diagnostics)
        file_problems.extend(unique.check(document))
        diagnostics.extend(file_problems[len(problems) :])
        if not file_problems:
            source = path.relative_to(registry_dir).as_posix()
            checked.append(Descriptor(source, document.value, checker.logo_svg))
        # The document (and its YAML nodes) is dropped here: a large registry is never
        # held in memory as nodes all at once.
    if not files:
        diagnostics.append(
            Diagnostic(
                str(registry_dir / "providers"), 0, 0, "E004", "the registry has no descriptors"
            )
        )
    return Registry(checked if not diagnostics else [], sorted(diagnostics))


class _UniquenessCheck:
    """Ids and key variables unique across files, over every file that parsed (even ones
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
