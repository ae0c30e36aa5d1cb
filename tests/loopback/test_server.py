"""The loopback server itself, where no other test looks: routes by pattern, the request log,
the long replies the benchmarks read, and the server in a process of its own."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.loopback import Format, LoopbackServer, own_process
from tests.loopback.responders import json_body, model_listing

# The events a long-<chunks> reply has besides its text pieces, per format (see long_streams).
FRAMING_EVENTS: dict[Format, int] = {"openai": 3, "anthropic": 5, "gemini": 0}
CHAT_PATHS: dict[Format, str] = {
    "openai": "/chat/completions",
    "anthropic": "/messages",
    "gemini": "/models/m:streamGenerateContent",
}


def sse_data(body: str) -> list[str]:
    return [line.removeprefix("data: ") for line in body.splitlines() if line.startswith("data:")]


def test_an_exact_route_wins_over_a_pattern_and_every_request_is_logged() -> None:
    with LoopbackServer() as server:
        server.route("/*/v1/models", model_listing(2))
        server.route("/special/v1/models", json_body({"data": []}))
        listed = httpx.get(f"{server.origin}/p07/v1/models").json()
        special = httpx.get(f"{server.origin}/special/v1/models").json()
        missing = httpx.get(f"{server.origin}/v1/nothing-here")
        posted = httpx.post(server.base_url("ok", "openai") + "/chat/completions", json={"a": 1})
        log = server.requests
    assert [m["id"] for m in listed["data"]] == ["p07-model-000", "p07-model-001"]
    assert special == {"data": []}
    assert missing.status_code == 404
    assert posted.status_code == 200
    assert [(r.method, r.path) for r in log] == [
        ("GET", "/p07/v1/models"),
        ("GET", "/special/v1/models"),
        ("GET", "/v1/nothing-here"),
        ("POST", "/ok/v1/chat/completions"),
    ]
    assert log[-1].json == {"a": 1}


@pytest.mark.parametrize("wire_format", ["openai", "anthropic", "gemini"])
def test_a_long_reply_has_exactly_the_events_asked_for(wire_format: Format) -> None:
    with LoopbackServer() as server:
        url = server.base_url("long-40", wire_format) + CHAT_PATHS[wire_format]
        body = httpx.post(url, json={}).text
    events = [data for data in sse_data(body) if data != "[DONE]"]
    assert len(events) == 40
    texts = [e for e in events if "word" in e]
    assert len(texts) == 40 - FRAMING_EVENTS[wire_format]
    assert all(isinstance(json.loads(e), dict) for e in events)


def test_the_long_error_scenario_is_not_a_long_reply() -> None:
    with LoopbackServer() as server:
        reply = httpx.post(server.base_url("long-error", "openai") + "/chat/completions", json={})
    assert reply.status_code == 400


def test_in_its_own_process_it_serves_listings_and_streams() -> None:
    with own_process(listing_models=3) as server:
        listed = httpx.get(f"{server.origin}/p01/v1/models", timeout=10).json()
        url = server.base_url("ok", "gemini") + CHAT_PATHS["gemini"]
        streamed = httpx.post(url, params={"alt": "sse"}, json={}, timeout=10)
    assert [m["id"] for m in listed["data"]] == ["p01-model-000", "p01-model-001", "p01-model-002"]
    assert streamed.status_code == 200 and len(sse_data(streamed.text)) == 4
