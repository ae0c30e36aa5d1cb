"""The settings page over HTTP, against `llm-registry serve` running on loopback: the gate
(token, Host, CSRF, Origin, headers), the key actions (a key is never sent back), model
visibility, and refresh progress."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.serve.conftest import GOOD_KEY, LISTED, WRONG_KEY, Page, ndjson, opened_client


@pytest.fixture
def client(page: Page) -> Iterator[httpx.Client]:
    with opened_client(page) as client:
        yield client


def test_the_printed_url_sets_a_strict_cookie_and_leaves_the_token_out_of_the_address(
    page: Page,
) -> None:
    with httpx.Client(base_url=page.origin) as client:
        answer = client.get(f"/?token={page.token}")
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert page.token not in answer.headers["location"]
        assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/fragments/models", "/static/app.js", "/logos/wire-openai.svg"]
)
def test_without_the_token_every_page_is_refused(page: Page, path: str) -> None:
    answer = httpx.get(page.origin + path)
    assert answer.status_code == 403
    assert "token" in answer.text


def test_a_wrong_token_is_refused(page: Page) -> None:
    answer = httpx.get(f"{page.origin}/?token=not-the-token")
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers


def test_another_host_name_is_refused_even_with_the_cookie(
    page: Page, client: httpx.Client
) -> None:
    # What a page whose DNS name was rebound to 127.0.0.1 would send.
    answer = client.get("/", headers={"host": "attacker.example:80"})
    assert answer.status_code == 403
    assert "Host" in answer.text
    assert client.get("/", headers={"host": page.origin.removeprefix("http://")}).is_success


def test_a_change_from_another_origin_is_refused(client: httpx.Client) -> None:
    answer = client.put(
        "/api/keys/wire-openai", json={"key": GOOD_KEY}, headers={"origin": "http://evil.test"}
    )
    assert answer.status_code == 403
    assert "cross-origin" in answer.text


def test_a_change_without_the_csrf_token_is_refused(client: httpx.Client) -> None:
    answer = client.put(
        "/api/keys/wire-openai", json={"key": GOOD_KEY}, headers={"x-csrf-token": "guess"}
    )
    assert answer.status_code == 403
    assert "CSRF" in answer.text


def test_every_answer_carries_a_strict_policy(client: httpx.Client) -> None:
    page = client.get("/")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and " on" + "click=" not in page.text
    logo = client.get("/logos/wire-openai.svg")
    assert logo.headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in logo.headers["content-security-policy"]
    assert "script-src" not in logo.headers["content-security-policy"]


def test_the_key_form_lists_every_provider_that_takes_a_key(client: httpx.Client) -> None:
    html = client.get("/").text
    for name in ("Wire OpenAI", "Wire Anthropic", "Wire Gemini"):
        assert f">{name} API key</label>" in html
    assert "Wire Local API key" not in html  # keyless
    assert 'href="https://wire-openai.test/keys"' in html
    assert 'placeholder="sk-wire-..."' in html
    assert "WIRE_OPENAI_API_KEY" in html


def test_a_saved_key_is_never_sent_back(page: Page, client: httpx.Client) -> None:
    saved = client.put("/api/keys/wire-openai", json={"key": GOOD_KEY})
    assert saved.status_code == 200
    assert saved.json()["masked_key"] == "••••" + GOOD_KEY[-4:]
    assert saved.json()["key_source"] == "key store"
    for answer in (saved, client.get("/"), client.get("/fragments/models")):
        assert GOOD_KEY not in answer.text
        assert GOOD_KEY[:-4] not in answer.text
    listed = page.run_cli("keys", "list", "--package", "page_registry")
    assert listed.returncode == 0, listed.stderr
    assert GOOD_KEY[-4:] in listed.stdout and GOOD_KEY not in listed.stdout


def test_a_key_no_header_can_carry_is_refused_without_quoting_it(client: httpx.Client) -> None:
    answer = client.put("/api/keys/wire-openai", json={"key": "sk-bad\nkey-0123456789"})
    assert answer.status_code == 400
    assert "sk-bad" not in answer.text
    assert "line break" in answer.json()["error"]


def test_a_keyless_or_unknown_provider_has_no_key_to_save(client: httpx.Client) -> None:
    assert client.put("/api/keys/wire-local", json={"key": GOOD_KEY}).status_code == 400
    assert client.put("/api/keys/no-such", json={"key": GOOD_KEY}).status_code == 404


def test_test_says_how_many_models_the_key_lists(client: httpx.Client) -> None:
    client.put("/api/keys/wire-openai", json={"key": GOOD_KEY})
    outcome = client.post("/api/keys/wire-openai/test").json()
    assert outcome["ok"] is True
    assert outcome["models"] >= len(LISTED)
    assert outcome["message"].startswith("✓ ")


def test_test_with_a_wrong_key_says_it_is_wrong(client: httpx.Client) -> None:
    client.put("/api/keys/wire-openai", json={"key": WRONG_KEY})
    outcome = client.post("/api/keys/wire-openai/test").json()
    assert outcome["ok"] is False
    assert outcome["message"].startswith("✗ Wrong key")
    assert WRONG_KEY not in outcome["message"]


def test_a_hidden_model_stays_hidden_through_a_refresh_and_a_reseed(
    page: Page, client: httpx.Client
) -> None:
    client.put("/api/keys/wire-openai", json={"key": GOOD_KEY})
    client.post("/api/refresh", json={"providers": ["wire-openai"]})
    model = f"wire-openai::{LISTED[0]}"
    hidden = client.put("/api/models/visibility", json={"model_id": model, "hidden": True})
    assert hidden.json() == {"model_id": model, "hidden": True}
    client.post("/api/refresh", json={"providers": None})
    seeded = page.run_cli("seed", "--package", "page_registry")
    assert seeded.returncode == 0, seeded.stderr
    html = client.get("/fragments/models").text
    box = re.search(rf'<input type="checkbox" data-model="{re.escape(model)}"[^>]*>', html)
    assert box is not None and "checked" not in box.group(0)
    other = re.search(rf'data-model="wire-openai::{LISTED[1]}"[^>]*>', html)
    assert other is not None and "checked" in other.group(0)


def test_an_unknown_model_cannot_be_hidden(client: httpx.Client) -> None:
    answer = client.put(
        "/api/models/visibility", json={"model_id": "wire-openai::nope", "hidden": True}
    )
    assert answer.status_code == 404


def test_refresh_all_reports_each_provider_then_a_summary(client: httpx.Client) -> None:
    client.put("/api/keys/wire-openai", json={"key": GOOD_KEY})
    answer = client.post("/api/refresh", json={"providers": None})
    assert answer.headers["content-type"].startswith("application/x-ndjson")
    events = ndjson(answer.text)
    outcomes = {e["outcome"]["provider_id"]: e["outcome"] for e in events if "outcome" in e}
    assert outcomes["wire-openai"]["ok"] is True
    # The keyless local server is not running: its models fall back to the registry's.
    assert outcomes["wire-local"]["ok"] is False
    assert "Unreachable" in outcomes["wire-local"]["message"]
    assert "wire-anthropic" not in outcomes  # no key: nothing to refresh
    summary = events[-1]["summary"]
    assert summary["failed"] == ["wire-local"]
    assert "Refreshed 2 providers" in summary["message"]


def test_bad_requests_get_a_clear_error(client: httpx.Client) -> None:
    not_json = client.put(
        "/api/keys/wire-openai", content=b"key", headers={"content-type": "text/plain"}
    )
    assert not_json.status_code == 400
    assert "application/json" in not_json.json()["error"]
    wrong_shape = client.put("/api/models/visibility", json={"model_id": 3})
    assert wrong_shape.status_code == 400
    assert client.post("/api/refresh", json={"providers": "all"}).status_code == 400


def test_the_page_prints_no_key_and_no_traceback(page: Page, client: httpx.Client) -> None:
    client.put("/api/keys/wire-openai", json={"key": WRONG_KEY})
    client.post("/api/keys/wire-openai/test")
    client.post("/api/refresh", json={"providers": None})
    client.put("/api/keys/wire-openai", content=b"{", headers={"content-type": "application/json"})
    printed = "".join(page.output)
    assert WRONG_KEY not in printed
    assert "Traceback" not in printed


def test_a_templated_base_url_has_its_variables_on_the_key_card(client: httpx.Client) -> None:
    html = client.get("/").text
    assert ">Wire OpenAI Scenario</label>" in html
    assert "In use: <code>ok</code> (from the default)" in html
    client.put("/api/keys/wire-openai", json={"key": GOOD_KEY})

    refused = client.put("/api/variables/wire-openai/scenario", json={"value": "up/../x"})
    assert refused.status_code == 400
    assert "structure" in refused.json()["error"] and "up/../x" not in refused.text

    saved = client.put("/api/variables/wire-openai/scenario", json={"value": "elsewhere"})
    assert saved.json()["variables"] == [
        {"name": "scenario", "stored": "elsewhere", "value": "elsewhere", "source": "key store"}
    ]
    # The listing now goes to /elsewhere/v1/models, which the server does not serve.
    assert client.post("/api/keys/wire-openai/test").json()["ok"] is False

    cleared = client.put("/api/variables/wire-openai/scenario", json={"value": ""})
    assert cleared.json()["variables"][0]["source"] == "default"
    assert client.post("/api/keys/wire-openai/test").json()["ok"] is True
    assert client.put("/api/variables/wire-openai/nope", json={"value": "x"}).status_code == 400
