"""Key variables for imported providers: which variable of a catalogue provider's ``env`` holds
its key, and a registry-unique key variable for every provider, assigned across them all once
each provider's descriptor is built (descriptors.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from llm_registry.codegen.importer import rules
from llm_registry.codegen.importer.rules import Notes
from llm_registry.codegen.urls import is_loopback_host
from llm_registry.runtime._urls import sample_url

if TYPE_CHECKING:
    from llm_registry.codegen.importer.descriptors import Candidate

__all__ = ["assign_key_variables", "key_variable_in"]

_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_ENV_NAME_MAX = 128
# An env variable that holds a secret, as opposed to a region, project, host or account id.
_KEY_ENV = re.compile(r"(?:^|_|API)(?:KEY|TOKEN|PAT|SECRET)$")


def assign_key_variables(
    candidates: list[Candidate], hand_written: Mapping[str, str | None], notes: Notes
) -> None:
    """Give every provider a registry-unique key variable (or none, for loopback servers).

    The first provider in folder order keeps a variable the catalogue gives several providers
    (e.g. MINIMAX_API_KEY for minimax); later ones get <ID>_API_KEY (W509-W511).
    """
    catalogue_names = {candidate.key_env for candidate in candidates if candidate.key_env}
    taken = {env for env in hand_written.values() if env}
    for candidate in candidates:
        descriptor, env = candidate.descriptor, candidate.key_env
        if env is None and is_loopback_host(urlsplit(descriptor["base_url"]).hostname or ""):
            descriptor["api_key"] = None
            continue
        rule = _key_env_rule(env, taken)
        if rule:
            code, why = rule
            new_env = _derived_env(candidate.id, taken | catalogue_names)
            notes.warn(candidate.where, code, f"{why}: the key variable is {new_env}")
            env = new_env
        assert env is not None
        taken.add(env)
        descriptor["api_key"] = {"env": env, "placeholder": "", "url": _key_url(descriptor)}


def _key_env_rule(env: str | None, taken: set[str]) -> tuple[str, str] | None:
    if env is None:
        return "W509", "env names no key variable"
    if not _ENV_NAME.match(env) or len(env) > _ENV_NAME_MAX:
        return "W510", f"env {env!r} is not a valid variable name"
    if env in taken:
        return "W511", f"env {env} is another provider's key variable"
    return None


def _key_url(descriptor: Mapping[str, Any]) -> str:
    """models.dev has no key page; the docs are the closest https page, else the API's
    origin."""
    if "docs_url" in descriptor:
        return str(descriptor["docs_url"])
    return f"https://{urlsplit(sample_url(descriptor['base_url'])).netloc}"


def key_variable_in(env: Any) -> str | None:
    """The first variable in provider.toml's env that holds a key; regions, hosts and ids are
    not keys."""
    for name in rules.strings(env):
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
