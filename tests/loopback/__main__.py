"""``python -m tests.loopback [--listing-models N --listing-delay S]``: the loopback server in
a process of its own.

Prints its origin (``http://127.0.0.1:PORT``) as the first line of stdout, then serves until
stdin closes (the parent is done, or died) or MAX_LIFETIME passes. Try it by hand, then in
another shell: ``llm-registry chat PROVIDER::MODEL hello --base-url ORIGIN/ok/v1``.
"""

from __future__ import annotations

import argparse
import sys
import threading

from tests.loopback.responders import model_listing
from tests.loopback.server import MAX_LIFETIME, LoopbackServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.loopback")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--listing-models", type=int, default=0, metavar="N")
    parser.add_argument("--listing-delay", type=float, default=0.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    with LoopbackServer(args.host) as server:
        if args.listing_models:
            server.route(
                "/*/v1/models", model_listing(args.listing_models, delay=args.listing_delay)
            )
        print(server.origin, flush=True)
        stdin_closed = threading.Event()

        def wait_for_stdin_to_close() -> None:
            sys.stdin.read()
            stdin_closed.set()

        threading.Thread(target=wait_for_stdin_to_close, daemon=True).start()
        stdin_closed.wait(MAX_LIFETIME)
    return 0


if __name__ == "__main__":
    sys.exit(main())
