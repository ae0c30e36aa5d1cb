"""One TLS context per process for httpx clients.

Building a context loads the CA bundle, which takes tens of milliseconds and holds the
event loop while it does: a context per request would serialise concurrent requests.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    import httpx

    return httpx.create_ssl_context()
