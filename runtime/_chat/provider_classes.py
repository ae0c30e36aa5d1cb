"""Provider classes the application registered, found by the name a descriptor gives.

A descriptor's ``provider_class`` is a registration name (``acme-fast``), never an import path:
the runtime imports nothing a descriptor names. A name resolves, in this order, through the
``provider_classes`` mapping passed to ``create_provider``, then :func:`register_provider_class`,
then the entry points of group ``llm_registry.provider_classes`` that installed distributions
declare (read only when a descriptor names a class). Whatever is found must subclass the class
of the descriptor's wire format, so a registration can change how a format is spoken, not which.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final

from llm_registry.runtime._chat.base import ChatProvider
from llm_registry.runtime._errors import ConfigError

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from llm_registry.runtime._descriptor import ProviderDescriptor

__all__ = [
    "ENTRY_POINT_GROUP",
    "PROVIDER_CLASS_NAME",
    "register_provider_class",
    "registered_provider_class",
]

ENTRY_POINT_GROUP: Final = "llm_registry.provider_classes"
PROVIDER_CLASS_NAME: Final = re.compile(
    r"^[a-z][a-z0-9]*(-[a-z0-9]+)*(\.[a-z][a-z0-9]*(-[a-z0-9]+)*)*$"
)
"""Lower-case words joined by single hyphens, optionally in dotted parts (``acme.fast-chat``);
the descriptor JSON Schema repeats it and a test keeps the two equal."""

_registered: dict[str, type[ChatProvider]] = {}


def register_provider_class(name: str, cls: type[ChatProvider]) -> None:
    """Register ``cls`` under ``name`` for every ``create_provider`` call in this process.

    A descriptor selects it with ``provider_class: <name>``. Registering the same class twice
    is harmless; another class under a taken name is a ``ValueError``, as is a name that is
    not lower-case words joined by hyphens (dots allowed), and anything but a
    :class:`ChatProvider` subclass is a ``TypeError``.
    """
    if not isinstance(name, str) or not PROVIDER_CLASS_NAME.fullmatch(name):
        raise ValueError(
            f"provider class name {name!r} must be lower-case words joined by single "
            "hyphens, optionally dotted (e.g. 'acme-fast' or 'acme.fast-chat')"
        )
    if not (isinstance(cls, type) and issubclass(cls, ChatProvider)):
        raise TypeError(f"{_describe(cls)} is not a ChatProvider subclass")
    taken = _registered.get(name)
    if taken is not None and taken is not cls:
        raise ValueError(
            f"provider class name {name!r} is already registered for {_qualified(taken)}"
        )
    _registered[name] = cls


def registered_provider_class(
    descriptor: ProviderDescriptor,
    base: type[ChatProvider],
    provider_classes: Mapping[str, type[ChatProvider]] | None,
) -> type[ChatProvider]:
    """The class registered under ``descriptor.provider_class``, checked to subclass ``base``."""
    name = str(descriptor.provider_class)
    if not PROVIDER_CLASS_NAME.fullmatch(name):
        # A descriptor the compiler accepted never gets here; one built by hand may.
        raise ConfigError(
            f"provider {descriptor.id!r} names provider class {name!r}, which is not a "
            "registration name: a provider_class is the name an application registers its "
            "class under (lower-case words joined by single hyphens, optionally dotted, e.g. "
            "'acme-fast'), never an import path",
            provider_id=descriptor.id,
        )
    if provider_classes is not None and name in provider_classes:
        found: object = provider_classes[name]
        source = "create_provider(provider_classes=...)"
    elif name in _registered:
        found = _registered[name]
        source = "register_provider_class()"
    else:
        entry_point = _entry_point(descriptor, name, provider_classes)
        source = f"entry point {entry_point.value!r} of {_distribution(entry_point)}"
        try:
            found = entry_point.load()
        except Exception as error:  # the application's own module failed to import
            raise ConfigError(
                f"provider {descriptor.id!r} names provider class {name!r}, registered by "
                f"{source}, which cannot be loaded ({type(error).__name__}: {error})",
                provider_id=descriptor.id,
            ) from error
    if not (isinstance(found, type) and issubclass(found, base)):
        raise ConfigError(
            f"provider {descriptor.id!r} names provider class {name!r}, registered by {source} "
            f"as {_describe(found)}, which is not a subclass of {base.__name__} (the class for "
            f"implementation {_implementation(descriptor)!r})",
            provider_id=descriptor.id,
        )
    return found


def _entry_point(
    descriptor: ProviderDescriptor,
    name: str,
    provider_classes: Mapping[str, type[ChatProvider]] | None,
) -> EntryPoint:
    # Imported here: only a descriptor that names a class pays for reading installed metadata.
    from importlib.metadata import entry_points

    declared = entry_points(group=ENTRY_POINT_GROUP)
    matches = {
        (point.value, _distribution(point)): point for point in declared if point.name == name
    }
    if len(matches) == 1:
        return next(iter(matches.values()))
    if matches:
        owners = ", ".join(sorted(f"{value!r} of {owner}" for value, owner in matches))
        raise ConfigError(
            f"provider {descriptor.id!r} names provider class {name!r}, which several entry "
            f"points in group {ENTRY_POINT_GROUP!r} declare: {owners}; keep one, or pass "
            f"create_provider(provider_classes={{{name!r}: cls}})",
            provider_id=descriptor.id,
        )
    known = sorted({*(provider_classes or {}), *_registered, *(point.name for point in declared)})
    raise ConfigError(
        f"provider {descriptor.id!r} names provider class {name!r}, which is not registered "
        f"(registered: {', '.join(known) if known else 'none'}). A provider_class is the name "
        "an application registers its class under, never an import path; register it with "
        f"create_provider(..., provider_classes={{{name!r}: cls}}), "
        f"register_provider_class({name!r}, cls), or an entry point "
        f"'{name} = package.module:Class' in group {ENTRY_POINT_GROUP!r} of your distribution",
        provider_id=descriptor.id,
    )


def _distribution(point: EntryPoint) -> str:
    dist = point.dist
    return f"distribution {dist.name!r}" if dist is not None else "an unnamed distribution"


def _implementation(descriptor: ProviderDescriptor) -> str:
    implementation: object = descriptor.implementation
    return str(getattr(implementation, "value", implementation))


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _describe(found: object) -> str:
    if isinstance(found, type):
        return f"class {_qualified(found)}"
    return f"a {type(found).__name__} (not a class)"
