"""``llm-registry keys set|list|delete``: the user's API keys, and the values of templated base
URLs' variables (an Azure resource, an AWS region), in their key store.

A key is never taken from the command line (it would stay in the shell's history and show in
the process list): ``keys set`` reads it from a hidden prompt on a terminal, else one line
from stdin. Nothing prints a key; ``keys list`` shows at most its last four characters.

A variable's value is not a secret, so ``keys set PROVIDER --var NAME=VALUE`` takes it on the
command line, checked by the runtime's own rules before it is stored; an error names the
variable, never the value (a key pasted into the wrong place would be one). `key_variables`
holds the variable half.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from llm_registry.runtime._cli.key_variables import (
    delete_variables,
    list_variables,
    print_table,
    set_variables,
)
from llm_registry.runtime._cli.package_option import _registry_from_args, add_package_option
from llm_registry.runtime._errors import ConfigError
from llm_registry.runtime._keys import locate_api_key, mask_key
from llm_registry.runtime._keystore import KEY_STORE_ENV, default_key_store
from llm_registry.runtime._registry import get_provider, providers

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor
    from llm_registry.runtime._keys import FoundKey

    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

__all__ = ["register"]

_MISSING = "-"


def register(subparsers: Subparsers) -> None:
    """Add ``keys set``, ``keys list`` and ``keys delete`` to the runtime's CLI."""
    keys = subparsers.add_parser(
        "keys",
        help="store, list or remove your API keys",
        description="Keep your API keys in your key store: the system keychain when there is\n"
        "one, else a file only you can read (keys.json in your user config folder);\n"
        f"{KEY_STORE_ENV}=keyring or =file forces one. A provider's environment\n"
        "variable, when set, is used before the key store.\n\n"
        "keys set PROVIDER     store a key, typed at a hidden prompt or piped on stdin\n"
        "                      (never on the command line)\n"
        "keys list             where each provider's key comes from, masked, and where\n"
        "                      each base-URL variable's value comes from\n"
        "keys delete PROVIDER  remove a stored key\n\n"
        "A templated base URL (an Azure resource, an AWS region, a Google Cloud project)\n"
        "takes its variables from their environment variables, else the key store:\n"
        "keys set PROVIDER --var NAME=VALUE   store a value (not a secret: given here)\n"
        "keys delete PROVIDER --var NAME      remove it (its default applies again)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = keys.add_subparsers(dest="keys_action", metavar="ACTION", required=True)
    set_key = actions.add_parser(
        "set",
        help="store a provider's key (hidden prompt, or one line on stdin), or with --var a "
        "variable of its base URL",
        description="Store PROVIDER's API key in the key store, replacing any. On a terminal "
        "the key is typed at a hidden prompt; otherwise the first line of stdin is read, "
        "e.g. `pass show openai | llm-registry keys set openai`. With --var, store values of "
        "the variables of PROVIDER's base URL instead, e.g. `llm-registry keys set "
        "azure-openai --var resource=my-resource`; each is checked as a request would check "
        "it. A variable's environment variable, when set, is used before the key store.",
    )
    set_key.add_argument("provider", metavar="PROVIDER", help="a provider id of the registry")
    set_key.add_argument(
        "--var",
        dest="assignments",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="store VALUE for the base-URL variable NAME (repeatable); no key is read",
    )
    # Caught here so that argparse's "unrecognized arguments" does not print a key given there.
    set_key.add_argument("argv_key", nargs="*", help=argparse.SUPPRESS)
    set_key.set_defaults(handler=_set_command, parser=set_key)
    list_keys = actions.add_parser(
        "list",
        help="where each provider's key (masked) and base-URL variables come from",
        description="Say which key store is in use, then for each provider of the registry "
        "that takes a key: where its key comes from (env VARIABLE, key store, or missing) "
        "and the key masked to its last four characters; then for each variable of a "
        "templated base URL: where its value comes from (env VARIABLE, key store, default, "
        "or missing) and the value. Exit 1 if a key or a value cannot be used.",
    )
    list_keys.set_defaults(handler=_list_command)
    delete = actions.add_parser(
        "delete",
        help="remove a provider's stored key, or with --var a stored variable",
        description="Remove PROVIDER's key from the key store; with --var, remove the stored "
        "value of a variable of its base URL instead (its default, if any, applies again).",
    )
    delete.add_argument("provider", metavar="PROVIDER", help="a provider id of the registry")
    delete.add_argument(
        "--var",
        dest="names",
        metavar="NAME",
        action="append",
        default=[],
        help="remove the stored value of the base-URL variable NAME (repeatable)",
    )
    delete.set_defaults(handler=_delete_command, parser=delete)
    for parser in (set_key, list_keys, delete):
        add_package_option(parser)


def _keyed_provider(args: argparse.Namespace) -> ProviderDescriptor:
    descriptor = get_provider(args.provider, registry=_registry_from_args(args))
    if descriptor.api_key is None:
        raise ConfigError(
            f"{descriptor.display_name} ({descriptor.id}) takes no API key; there is nothing "
            "to store",
            provider_id=descriptor.id,
        )
    return descriptor


def _read_key(descriptor: ProviderDescriptor) -> str:
    """The key typed at a hidden prompt (a terminal), else the first line of stdin."""
    if sys.stdin is None:
        return ""
    if sys.stdin.isatty():
        import getpass

        try:
            return getpass.getpass(f"{descriptor.display_name} API key (hidden): ")
        except EOFError:
            return ""
    return sys.stdin.readline()


def _environment_note(descriptor: ProviderDescriptor) -> None:
    assert descriptor.api_key is not None
    env = descriptor.api_key.env
    if os.environ.get(env, "").strip():
        print(f"note: {env} is set here, and is used before the key store")


def _set_command(args: argparse.Namespace) -> int:
    if args.argv_key:
        parser: argparse.ArgumentParser = args.parser
        parser.error(
            "the key is never taken from the command line (shell history, the process list); "
            "type it at the prompt, or pipe it on stdin"
        )
    if args.assignments:
        return set_variables(args)
    descriptor = _keyed_provider(args)
    store = default_key_store()
    key = _read_key(descriptor).strip()
    store.set(descriptor.id, key)
    _reconfigure_stdout()
    print(f"stored the {descriptor.display_name} key {mask_key(key)} in {store.location}")
    _environment_note(descriptor)
    return 0


def _delete_command(args: argparse.Namespace) -> int:
    if args.names:
        return delete_variables(args)
    descriptor = _keyed_provider(args)
    store = default_key_store()
    if store.delete(descriptor.id):
        print(f"removed the {descriptor.display_name} key from {store.location}")
    else:
        print(f"no {descriptor.display_name} key in {store.location}; nothing removed")
    _environment_note(descriptor)
    return 0


def _list_command(args: argparse.Namespace) -> int:
    registry = _registry_from_args(args)
    store = default_key_store()
    _reconfigure_stdout()
    print(f"key store: {store.location}")
    rows = [("PROVIDER", "KEY FROM", "KEY")]
    problems: list[str] = []
    found_keys: list[FoundKey] = []
    for descriptor in providers(registry=registry):
        if descriptor.api_key is None:
            continue
        try:
            found = locate_api_key(descriptor, key_store=store)
        except ConfigError as error:
            rows.append((descriptor.id, "unusable", _MISSING))
            if error.message not in problems:
                problems.append(error.message)
            continue
        if found is None:
            rows.append((descriptor.id, "missing", _MISSING))
        else:
            found_keys.append(found)
            source = f"env {found.where}" if found.source == "environment" else found.source
            rows.append((descriptor.id, source, mask_key(found.key)))
    print_table(rows)
    keys = [found.key for found in found_keys]
    problems.extend(p for p in list_variables(registry, store, keys) if p not in problems)
    for problem in problems:
        print(f"error: config: {' '.join(problem.split())}", file=sys.stderr)
    return 1 if problems else 0


def _reconfigure_stdout() -> None:
    # The mask is not ASCII: a terminal that cannot show it gets '?' rather than a traceback.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="replace")
