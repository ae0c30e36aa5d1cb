"""``llm-registry serve``: the settings page (API keys, model visibility, refresh) on loopback.

The page needs the ``[ui]`` extra (Starlette, uvicorn, Jinja2); it is imported only here, when
the command runs, so that neither the runtime nor the rest of the CLI pays for it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from llm_registry.runtime._cli.package_option import _registry_from_args, add_package_option
from llm_registry.runtime._errors import ConfigError

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

__all__ = ["register"]

_LOOPBACK = "127.0.0.1"
_WILDCARDS = frozenset({"0.0.0.0", "::", ""})


def register(subparsers: Subparsers) -> None:
    """Add ``serve`` to the runtime's CLI."""
    serve = subparsers.add_parser(
        "serve",
        help="open the settings page: API keys, model visibility, refresh",
        description="Serve the settings page on 127.0.0.1 and print its URL (with a one-time "
        "token; the page refuses requests without it). Keys saved there go to the key store "
        "(see `llm-registry keys`); model choices to the model database. Needs the [ui] extra.",
    )
    serve.add_argument(
        "--port", type=int, default=0, metavar="N", help="port to listen on (default: any free)"
    )
    serve.add_argument(
        "--host",
        default=None,
        metavar="HOST",
        help=f"address to listen on (default {_LOOPBACK}); anything else exposes your keys' page "
        "to the network and is refused unless given here explicitly",
    )
    serve.add_argument(
        "--db",
        metavar="PATH",
        type=Path,
        default=None,
        help="the model database (default: the registry's file in the user data folder)",
    )
    serve.add_argument("--no-browser", action="store_true", help="do not open a browser")
    serve.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="time allowed for each provider's listing (default 30)",
    )
    add_package_option(serve)
    serve.set_defaults(handler=_serve_command)


def _serve_command(args: argparse.Namespace) -> int:
    try:
        from llm_registry.runtime._serve import server
    except ImportError as error:
        raise ConfigError(
            f"the settings page needs the [ui] extra ({error.name} is not installed): "
            "pip install 'llm-provider-registry[ui]'"
        ) from None
    from llm_registry.runtime._keystore import default_key_store
    from llm_registry.runtime._registry import resolve_registry
    from llm_registry.runtime._store.store import ModelStore

    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port {args.port} is not a TCP port (0 to 65535)")
    host = args.host or _LOOPBACK
    if host in _WILDCARDS:
        # The page answers only to the Host name it listens on (against DNS rebinding), and
        # "every address" is no name a browser would send.
        raise ConfigError(
            f"--host {host} listens on every address; give the one address browsers will use"
        )
    if host != _LOOPBACK:
        print(
            f"warning: listening on {host}: anyone who can reach it and has the printed URL "
            "can read and change your keys",
            file=sys.stderr,
            flush=True,
        )
    registry = resolve_registry(_registry_from_args(args))
    store = ModelStore(args.db, registry=registry)
    try:
        sock = server.bind(host, args.port)
    except OSError as error:
        raise ConfigError(f"cannot listen on {host}:{args.port}: {error.strerror}") from None
    try:
        server.run(
            registry=registry,
            store=store,
            key_store=default_key_store(),
            sock=sock,
            open_browser=not args.no_browser,
            timeout=args.timeout,
        )
    finally:
        sock.close()
    return 0
