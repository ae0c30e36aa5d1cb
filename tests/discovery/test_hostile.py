"""Servers that misbehave: each ends in a fallback result with a reason, never an exception,
never a hang, and the key never reaches another host or comes back out."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import pytest

from llm_registry.runtime import ProviderError, RateLimitError
from llm_registry.runtime._discovery.merge import registry_models
from llm_registry.runtime._discovery.service import (
    DEFAULT_MAX_BYTES,
    DiscoveryResult,
    discover_models,
)
from llm_registry.runtime._store.store import ModelStore
from tests.discovery.conftest import (
    KEY,
    OTHER_HOST,
    SHORT_TIMEOUT,
    database_bytes,
    registry_provider,
    run,
)
from tests.discovery.listings import anthropic_page, google_model, openai_listing
from tests.loopback import LoopbackServer, Responder
from tests.loopback.responders import (
    huge_body,
    json_body,
    paged,
    raw_body,
    redirect,
    slow_drip,
    stall,
)

# (provider, API root path, listing path, the header that carries the key)
DIALECT_ENDPOINTS = [
    ("wire-openai", "/v1", "/v1/models", "authorization"),
    ("wire-anthropic", "/v1", "/v1/models", "x-api-key"),
    ("wire-gemini", "/v1beta", "/v1beta/models", "x-goog-api-key"),
]

VALID_LISTINGS = {
    "wire-openai": openai_listing(["plain-model"]),
    "wire-anthropic": anthropic_page([("budget-model", "Budget")], has_more=False),
    "wire-gemini": {"models": [google_model("gemini-2.5-pro", "Gemini 2.5 Pro")]},
}


# A server that answers at once still gets this long: a loaded machine (a test suite beside
# other work) can take more than SHORT_TIMEOUT to serve a listing; only the deadline tests
# pass SHORT_TIMEOUT.
ANSWER_TIMEOUT = 10.0


def discover_from(
    server: LoopbackServer,
    store: ModelStore,
    *,
    provider: str = "wire-openai",
    root: str = "/v1",
    timeout: float = ANSWER_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    refresh: bool = False,
) -> DiscoveryResult:
    return run(
        discover_models(
            provider,
            base_url=f"{server.origin}{root}",
            api_keys={provider: KEY},
            store=store,
            timeout=timeout,
            max_bytes=max_bytes,
            refresh=refresh,
        )
    )


def assert_clean_fallback(result: DiscoveryResult, provider: str, kind: str) -> ProviderError:
    """Check the fallback is clean and return the error that forced it."""
    assert result.source == "fallback"
    assert result.error is not None, "a fallback forced by a failure names it"
    assert result.error.kind == kind, result.error
    assert KEY not in result.error.message
    assert "\n" not in result.error.message
    assert [m.id for m in result.models] == [
        m.id for m in registry_models(registry_provider(provider))
    ]
    return result.error


def rate_limit_error(result: DiscoveryResult) -> RateLimitError:
    assert isinstance(result.error, RateLimitError), result.error
    assert result.error.kind == "rate_limit"
    return result.error


def test_slow_drip_is_cut_off_by_the_deadline(server: LoopbackServer, store: ModelStore) -> None:
    server.route("/v1/models", slow_drip(interval=0.05))
    result = discover_from(server, store, timeout=SHORT_TIMEOUT)
    error = assert_clean_fallback(result, "wire-openai", "unavailable")
    assert f"within {SHORT_TIMEOUT:g} s" in error.message


def test_silent_server_is_cut_off_by_the_deadline(
    server: LoopbackServer, store: ModelStore
) -> None:
    server.route("/v1/models", stall(60))
    result = discover_from(server, store, timeout=SHORT_TIMEOUT)
    assert_clean_fallback(result, "wire-openai", "unavailable")


def test_huge_streamed_body_is_refused_with_bounded_memory(
    server: LoopbackServer, store: ModelStore
) -> None:
    # 512 MiB with no Content-Length: only counting while reading can stop it.
    server.route("/v1/models", huge_body(512 * 1024 * 1024, declare_length=False))
    cap = 4 * 1024 * 1024
    tracemalloc.start()
    try:
        result = discover_from(server, store, timeout=10, max_bytes=cap)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    error = assert_clean_fallback(result, "wire-openai", "unavailable")
    assert "larger than 4 MiB" in error.message
    assert peak < 8 * cap, f"peak {peak} bytes while refusing a listing over {cap}"


def test_declared_huge_body_is_refused_before_reading(
    server: LoopbackServer, store: ModelStore
) -> None:
    server.route("/v1/models", huge_body(700 * 1024 * 1024, declare_length=True))
    result = discover_from(server, store, timeout=10)
    error = assert_clean_fallback(result, "wire-openai", "unavailable")
    assert "larger than 32 MiB" in error.message


@pytest.mark.parametrize(("provider", "root", "path", "key_header"), DIALECT_ENDPOINTS)
def test_cross_host_redirect_never_carries_the_key(
    server: LoopbackServer,
    other_host: LoopbackServer,
    store: ModelStore,
    provider: str,
    root: str,
    path: str,
    key_header: str,
) -> None:
    # The other host serves a perfectly good listing: following the redirect would "work".
    other_host.route(path, json_body(VALID_LISTINGS[provider]))
    server.route(path, redirect(f"{other_host.origin}{path}", status=307))

    result = discover_from(server, store, provider=provider, root=root)

    # A redirect is a matter of the base URL, as it is when a stream meets one.
    error = assert_clean_fallback(result, provider, "config")
    assert "redirected to another host" in error.message
    assert OTHER_HOST in error.message
    assert server.requests[0].headers[key_header].endswith(KEY)
    for request in other_host.requests:
        assert all(KEY not in value for value in request.headers.values())
        assert KEY not in str(request.query)
    assert other_host.requests == []


def test_redirect_to_another_port_is_another_origin(
    server: LoopbackServer, store: ModelStore
) -> None:
    with LoopbackServer() as same_host_other_port:
        same_host_other_port.route("/v1/models", json_body(VALID_LISTINGS["wire-anthropic"]))
        server.route("/v1/models", redirect(f"{same_host_other_port.origin}/v1/models"))
        result = discover_from(server, store, provider="wire-anthropic")
        assert result.source == "fallback"
        assert same_host_other_port.requests == []


def test_same_origin_redirect_is_followed(server: LoopbackServer, store: ModelStore) -> None:
    server.route("/v1/models", redirect("/v2/models", status=308))
    server.route("/v2/models", json_body(openai_listing(["plain-model", "moved-model"])))
    result = discover_from(server, store)
    assert result.source == "api", result.error
    assert "wire-openai::moved-model" in [m.id for m in result.models]
    assert [r.path for r in server.requests] == ["/v1/models", "/v2/models"]


def test_keyless_cross_host_redirect_is_followed_without_credentials(
    server: LoopbackServer, other_host: LoopbackServer, store: ModelStore
) -> None:
    other_host.route(
        "/api/tags", json_body({"models": [{"name": "qwen3:8b", "model": "qwen3:8b"}]})
    )
    server.route("/api/tags", redirect(f"{other_host.origin}/api/tags"))
    result = run(
        discover_models(
            "wire-local", base_url=f"{server.origin}/v1", store=store, timeout=SHORT_TIMEOUT
        )
    )
    assert result.source == "api", result.error
    (request,) = other_host.requests
    assert "authorization" not in request.headers


def test_redirect_loop_ends(server: LoopbackServer, store: ModelStore) -> None:
    server.route("/v1/models", redirect("/v1/models"))
    result = discover_from(server, store)
    error = assert_clean_fallback(result, "wire-openai", "config")
    assert "redirected more than" in error.message


@pytest.mark.parametrize(
    ("responder", "kind", "phrase"),
    [
        (
            json_body({"error": {"message": f"Incorrect API key provided: {KEY}"}}, status=401),
            "auth",
            "Check the key in WIRE_OPENAI_API_KEY",
        ),
        (json_body({"error": {"message": "forbidden"}}, status=403), "auth", "HTTP 403"),
        (
            json_body({"error": "slow down"}, status=429, headers={"retry-after": "7"}),
            "rate_limit",
            "retry after 7s",
        ),
        (json_body({"error": "boom"}, status=500), "unavailable", "HTTP 500"),
        (raw_body(b"<html>Bad gateway</html>", status=502), "unavailable", "HTTP 502"),
        (
            raw_body(b"<!doctype html><html><body>Welcome to nginx!</body></html>"),
            "unavailable",
            "not JSON",
        ),
        (
            raw_body(b"\xff\xfe\x00garbage", content_type="application/json"),
            "unavailable",
            "not JSON",
        ),
        (raw_body(b"[" * 100_000, content_type="application/json"), "unavailable", "not JSON"),
        (
            raw_body(b"[" * 60_000, status=400, content_type="application/json"),
            "bad_request",
            "HTTP 400",
        ),
        (json_body({"models": "none here"}), "unavailable", "not a model listing"),
        (json_body([1, 2, 3]), "openai-bare-list", ""),
        (json_body({"error": "no such route"}, status=404), "bad_request", "HTTP 404"),
        (json_body({"error": "teapot"}, status=418), "bad_request", "HTTP 418"),
    ],
)
def test_error_statuses_and_bad_bodies_fall_back_with_a_reason(
    server: LoopbackServer, store: ModelStore, responder: Responder, kind: str, phrase: str
) -> None:
    server.route("/v1/models", responder)
    result = discover_from(server, store)
    if kind == "openai-bare-list":
        # A bare list is an accepted OpenAI-compatible shape; its entries are unusable: no models.
        assert result.source == "api" and result.models == ()
        return
    error = assert_clean_fallback(result, "wire-openai", kind)
    assert phrase in error.message


def test_rate_limit_carries_retry_after(server: LoopbackServer, store: ModelStore) -> None:
    server.route("/v1/models", json_body({}, status=429, headers={"retry-after": "12"}))
    result = discover_from(server, store)
    assert rate_limit_error(result).retry_after == 12


@pytest.mark.parametrize(
    ("provider", "root", "body"),
    [
        ("wire-openai", "/v1", {"error": {"message": "LONG", "type": "invalid_request_error"}}),
        ("wire-gemini", "/v1beta", {"error": {"code": 400, "message": "LONG", "status": "X"}}),
        ("wire-anthropic", "/v1", {"type": "error", "error": {"type": "x", "message": "LONG"}}),
    ],
)
def test_an_error_body_longer_than_is_read_still_gives_its_message(
    server: LoopbackServer, store: ModelStore, provider: str, root: str, body: dict[str, object]
) -> None:
    import json

    from llm_registry.runtime._error_body import MAX_ERROR_BODY_BYTES

    message = 'Quota "exceeded" for this project. ' * (MAX_ERROR_BODY_BYTES // 20)
    raw = json.dumps(body).replace('"LONG"', json.dumps(message)).encode()
    server.route(f"{root}/models", raw_body(raw, status=400, content_type="application/json"))
    result = discover_from(server, store, provider=provider, root=root)
    assert result.error is not None and result.error.kind == "bad_request"
    detail = result.error.message.split("(HTTP 400): ", 1)[1]
    assert detail.startswith('Quota "exceeded" for this project. Quota "exceeded"'), detail


def test_retry_after_as_an_http_date_is_seconds_from_now(
    server: LoopbackServer, store: ModelStore
) -> None:
    import re
    import time
    from email.utils import formatdate

    when = formatdate(time.time() + 90, usegmt=True)  # "Wed, 21 Oct 2026 07:28:00 GMT"
    server.route("/v1/models", json_body({}, status=429, headers={"retry-after": when}))
    result = discover_from(server, store)
    error = rate_limit_error(result)
    # The date has whole seconds; a slow machine has used some.
    assert error.retry_after is not None and 0 < error.retry_after <= 90
    shown = re.search(r"retry after (\S+)s\b", error.message)
    assert shown is not None and shown.group(1).isdigit(), error.message
    assert 0 < int(shown.group(1)) <= 90


def test_pagination_that_loops_ends(server: LoopbackServer, store: ModelStore) -> None:
    looping = anthropic_page([("claude-a", "A")], has_more=True)
    server.route("/v1/models", paged({None: looping, "claude-a": looping}, "after_id"))
    result = discover_from(server, store, provider="wire-anthropic")
    error = assert_clean_fallback(result, "wire-anthropic", "unavailable")
    assert "loop" in error.message
    assert len(server.requests) == 2


def test_connection_refused(store: ModelStore) -> None:
    with LoopbackServer() as gone:
        origin = gone.origin
    result = run(
        discover_models(
            "wire-openai",
            base_url=f"{origin}/v1",
            api_keys={"wire-openai": KEY},
            store=store,
            timeout=2,
        )
    )
    error = assert_clean_fallback(result, "wire-openai", "unavailable")
    assert "could not connect" in error.message


def test_listing_that_echoes_the_key_keeps_it_out_of_results_and_database(
    server: LoopbackServer, store: ModelStore, db_path: object
) -> None:
    server.route(
        "/v1/models",
        json_body(
            {
                "data": [
                    {"id": "plain-model"},
                    {"id": f"echo-{KEY}"},
                    {"id": "named", "name": f"key is {KEY}"},
                ]
            }
        ),
    )
    result = discover_from(server, store)
    assert result.source == "api"
    assert [m.id for m in result.models] == ["wire-openai::plain-model"]
    assert KEY.encode() not in database_bytes(store.path)


def test_a_listing_echoing_the_key_upper_cased_or_cut_keeps_it_out_too(
    server: LoopbackServer, store: ModelStore
) -> None:
    server.route(
        "/v1/models",
        json_body(
            {
                "data": [
                    {"id": "plain-model"},
                    {"id": f"echo-{KEY.upper()}"},
                    {"id": "named", "name": f"key is {KEY[:-1]}"},
                ]
            }
        ),
    )
    result = discover_from(server, store)
    assert result.source == "api"
    assert [m.id for m in result.models] == ["wire-openai::plain-model"]
    assert KEY[:-1].lower().encode() not in database_bytes(store.path).lower()


@pytest.mark.parametrize(
    "echo", [str.upper, lambda key: key[1:], lambda key: key[:12]], ids=["upper", "cut", "piece"]
)
def test_an_error_echoing_the_key_in_another_form_is_scrubbed(
    server: LoopbackServer, store: ModelStore, echo: Callable[[str], str]
) -> None:
    echoed = echo(KEY)
    server.route("/v1/models", json_body({"error": {"message": f"bad key {echoed}"}}, status=401))
    result = discover_from(server, store)
    assert result.error is not None and result.error.kind == "auth"
    assert "[REDACTED]" in result.error.message
    assert echoed.lower() not in result.error.message.lower()


def test_every_failure_leaves_the_key_out_of_the_database(
    server: LoopbackServer, store: ModelStore
) -> None:
    server.route("/v1/models", json_body(openai_listing(["plain-model"])))
    discover_from(server, store)
    server.route("/v1/models", json_body({"error": f"bad key {KEY}"}, status=401))
    result = discover_from(server, store, refresh=True)
    assert result.source == "cache"
    assert KEY not in repr(result)
    assert KEY.encode() not in database_bytes(store.path)


GEMINI_BAD_KEY = {
    "error": {
        "code": 400,
        "message": "API key not valid. Please pass a valid API key.",
        "status": "INVALID_ARGUMENT",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
            }
        ],
    }
}
GEMINI_QUOTA = {
    "error": {
        "code": 429,
        "message": "Resource has been exhausted (e.g. check quota).",
        "status": "RESOURCE_EXHAUSTED",
        "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "31s"}],
    }
}


def test_geminis_real_bad_key_reply_is_an_auth_error(
    server: LoopbackServer, store: ModelStore
) -> None:
    server.route("/v1beta/models", json_body(GEMINI_BAD_KEY, status=400))
    result = discover_from(server, store, provider="wire-gemini", root="/v1beta")
    error = assert_clean_fallback(result, "wire-gemini", "auth")
    assert "WIRE_GEMINI_API_KEY" in error.message


@pytest.mark.parametrize(
    ("responder", "retry_after"),
    [
        (json_body({}, status=429, headers={"retry-after-ms": "1500"}), 1.5),
        (json_body({}, status=429, headers={"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}), 0.0),
        (json_body(GEMINI_QUOTA, status=429), 31.0),
    ],
)
def test_retry_after_is_read_as_a_stream_reads_it(
    server: LoopbackServer, store: ModelStore, responder: Responder, retry_after: float
) -> None:
    server.route("/v1/models", responder)
    result = discover_from(server, store)
    assert rate_limit_error(result).retry_after == retry_after


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, GEMINI_BAD_KEY),
        (401, {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}),
        (403, {"type": "error", "error": {"type": "permission_error", "message": "no"}}),
        (429, GEMINI_QUOTA),
        (500, {"error": {"message": "boom", "type": "server_error"}}),
        (503, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
        (404, {"error": {"message": "no such route"}}),
        (422, {"detail": "unprocessable"}),
    ],
)
def test_a_status_and_body_map_to_the_class_a_stream_would_raise(
    server: LoopbackServer, store: ModelStore, status: int, body: object
) -> None:
    from llm_registry.runtime._error_mapping import error_from_response

    server.route("/v1/models", json_body(body, status=status))
    result = discover_from(server, store)
    expected = error_from_response(registry_provider("wire-openai"), None, status=status, body=body)
    assert result.error is not None and type(result.error) is type(expected)
    assert f"HTTP {status}" in result.error.message
    assert f"127.0.0.1:{server.port}" in result.error.message
