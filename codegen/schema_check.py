"""The JSON Schema check of one descriptor, and the wording of what it finds.

A fast compiled check answers "valid or not"; only an invalid descriptor goes through
jsonschema, whose errors are turned into diagnostics that point at the offending spot and say
what was expected in the registry's own words (``E201``-``E204``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from llm_registry.codegen.diagnostics import Diagnostic
from llm_registry.codegen.schema import descriptor_schema
from llm_registry.codegen.yaml_loader import JsonPath, LoadedDocument

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

__all__ = ["format_path", "schema_diagnostics"]


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


def schema_diagnostics(document: LoadedDocument) -> list[Diagnostic]:
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


# bool before int: a YAML `true` is a bool, which isinstance also calls an int.
_VALUE_TYPE_WORDS: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "a mapping"),
)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    words = (word for kind, word in _VALUE_TYPE_WORDS if isinstance(value, kind))
    return next(words, type(value).__name__)
