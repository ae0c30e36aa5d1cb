"""The variable half of ``llm-registry keys``: values of a templated base URL's variables (an
Azure resource, an AWS region, a Google Cloud project) kept in the key store under
``"<provider id>:<name>"``, where a request looks for them after their environment variables.

Values are not secrets, so they are given on the command line, and `keys list` shows them. But
a key pasted into the wrong place would be one: an error names the variable and the rule it
breaks, never the value, and a value that breaks a rule, or that is one of the keys at hand, is
not shown by `keys list` either.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from llm_registry.runtime._cli.package_option import _registry_from_args
from llm_registry.runtime._endpoint import variable_problem, variable_store_name
from llm_registry.runtime._errors import ConfigError
from llm_registry.runtime._keys import (
    ReadOnceKeyStore,
    locate_api_key,
    locate_variable,
    mask_key,
    missing_variables,
)
from llm_registry.runtime._keystore import default_key_store
from llm_registry.runtime._registry import get_provider, providers
from llm_registry.runtime._urls import template_names

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor, Variable
    from llm_registry.runtime._keystore import KeyStore
    from llm_registry.runtime._registry import Registry

__all__ = ["delete_variables", "list_variables", "print_table", "set_variables", "skipped_lines"]

_MISSING: Final = "-"


def set_variables(args: argparse.Namespace) -> int:
    """``keys set PROVIDER --var NAME=VALUE ...``: every value checked first, then all stored."""
    parser: argparse.ArgumentParser = args.parser
    descriptor = get_provider(args.provider, registry=_registry_from_args(args))
    checked = [_checked_assignment(parser, descriptor, given) for given in args.assignments]
    store = default_key_store()
    for name, value in checked:
        store.set(variable_store_name(descriptor.id, name), value)
    for name, _ in checked:
        print(f"stored the {_called(descriptor, name)} in {store.location}")
        _environment_note(descriptor, name)
    return 0


def delete_variables(args: argparse.Namespace) -> int:
    """``keys delete PROVIDER --var NAME ...``."""
    parser: argparse.ArgumentParser = args.parser
    descriptor = get_provider(args.provider, registry=_registry_from_args(args))
    names = [_known_name(parser, descriptor, name.strip()) for name in args.names]
    store = default_key_store()
    for name in names:
        if store.delete(variable_store_name(descriptor.id, name)):
            print(f"removed the {_called(descriptor, name)} from {store.location}")
        else:
            print(f"no {_called(descriptor, name)} in {store.location}; nothing removed")
        _environment_note(descriptor, name)
    return 0


def list_variables(registry: Registry | None, store: KeyStore, keys: Sequence[str]) -> list[str]:
    """Print where each base-URL variable of ``registry`` takes its value from, and the value
    (none of ``keys`` is shown); return the problems to report (a value a request would refuse,
    a store that cannot be read)."""
    rows = [("PROVIDER", "VARIABLE", "FROM", "VALUE")]
    problems: list[str] = []
    for descriptor in providers(registry=registry):
        for name in template_names(descriptor.base_url):
            source, shown, problem = _variable_row(descriptor, name, store, keys)
            rows.append((descriptor.id, name, source, shown))
            if problem is not None and problem not in problems:
                problems.append(problem)
    if len(rows) > 1:
        print()
        print_table(rows)
    return problems


def skipped_lines(skipped: Sequence[ProviderDescriptor]) -> list[str]:
    """What ``models --refresh`` says of the providers it left out: those without a key in one
    line, then one line per provider lacking a base-URL variable's value, saying how to set it.
    """
    store = ReadOnceKeyStore(default_key_store())
    no_key: list[str] = []
    lines: list[str] = []
    for descriptor in skipped:
        try:
            names = missing_variables(descriptor, key_store=store)
            has_key = descriptor.api_key is None or bool(
                locate_api_key(descriptor, key_store=store)
            )
        except ConfigError:  # the store cannot be read: its key is as good as missing here
            names, has_key = [], False
        if not has_key:
            no_key.append(descriptor.id)
        elif names:
            lines.append(_unset(descriptor, names))
    return ([f"skipped (no API key): {', '.join(no_key)}"] if no_key else []) + lines


def _unset(descriptor: ProviderDescriptor, names: Sequence[str]) -> str:
    """ "skipped wire-x: no value for {resource} (Resource name); set …, or run …"."""
    parts = []
    for name in names:
        spec = _spec(descriptor, name)
        command = f"run `llm-registry keys set {descriptor.id} --var {name}=VALUE`"
        env = spec.env if spec is not None else None
        how = f"set {env}, or {command}" if env else command
        parts.append(f"no value for {{{name}}} ({spec.label if spec else name}); {how}")
    return f"skipped {descriptor.id}: " + "; ".join(parts)


def print_table(rows: Sequence[Sequence[str]]) -> None:
    """``rows`` in columns two spaces apart, the last one unpadded."""
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [f"{cell:<{width}}" for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]))


def _variable_row(
    descriptor: ProviderDescriptor, name: str, store: KeyStore, keys: Sequence[str]
) -> tuple[str, str, str | None]:
    """(where the value comes from, the value as shown, the problem to report or None)."""
    try:
        found = locate_variable(descriptor, name, key_store=store)
    except ConfigError as error:
        return "unusable", _MISSING, error.message
    if found is None:
        return "missing", _MISSING, None
    source = f"env {found.where}" if found.source == "environment" else found.source
    problem = variable_problem(descriptor, name, found.value)
    if problem is not None:
        where = found.where if found.source != "default" else "its default"
        message = f"the {descriptor.display_name} variable {name!r} (from {where}) {problem}"
        return "unusable", _MISSING, message
    shown = mask_key(found.value) if found.value in keys else found.value
    return source, shown, None


def _checked_assignment(
    parser: argparse.ArgumentParser, descriptor: ProviderDescriptor, given: str
) -> tuple[str, str]:
    """(name, value) from one ``--var NAME=VALUE``, or a usage error that never quotes the
    value (nor the whole argument, which may be a key without its ``NAME=``)."""
    name, equals, value = given.partition("=")
    if not equals:
        parser.error(
            "--var takes NAME=VALUE, e.g. --var resource=my-resource; this one has no '=' "
            "(not shown, in case it is a key)"
        )
    name = _known_name(parser, descriptor, name.strip())
    value = value.strip()
    if not value:
        parser.error(
            f"the value for {name!r} is empty; to remove a stored value use `llm-registry keys "
            f"delete {descriptor.id} --var {name}`"
        )
    problem = variable_problem(descriptor, name, value)
    if problem is None and not (value.isascii() and value.isprintable()):
        problem = "holds a non-ASCII or control character, which the key store cannot keep"
    if problem is not None:
        parser.error(f"the {descriptor.display_name} variable {name!r} {problem}")
    return name, value


def _known_name(parser: argparse.ArgumentParser, descriptor: ProviderDescriptor, name: str) -> str:
    """``name`` if it is a variable of ``descriptor``'s base URL, else a usage error listing
    them."""
    names = template_names(descriptor.base_url)
    if name in names:
        return name
    if not names:
        parser.error(f"{descriptor.display_name} ({descriptor.id}) has no base-URL variables")
    listed = ", ".join(_with_label(descriptor, known) for known in names)
    # The name given is not echoed: a key pasted after --var would be.
    parser.error(f"{descriptor.display_name} has no such variable; its variables: {listed}")


def _spec(descriptor: ProviderDescriptor, name: str) -> Variable | None:
    variables = getattr(descriptor, "variables", None) or {}
    spec: Variable | None = variables.get(name)
    return spec


def _with_label(descriptor: ProviderDescriptor, name: str) -> str:
    spec = _spec(descriptor, name)
    return f"{name} ({spec.label})" if spec is not None else name


def _called(descriptor: ProviderDescriptor, name: str) -> str:
    """ "Wire Templated variable resource (Resource name)"."""
    return f"{descriptor.display_name} variable {_with_label(descriptor, name)}"


def _environment_note(descriptor: ProviderDescriptor, name: str) -> None:
    spec = _spec(descriptor, name)
    env = spec.env if spec is not None else None
    if env and os.environ.get(env, "").strip():
        print(f"note: {env} is set here, and is used before the key store")
    sys.stdout.flush()
