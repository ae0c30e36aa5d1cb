"""The settings page in a real browser: Playwright driving Debian's chromium (never a browser
downloaded by a test tool), headless, against `llm-registry serve` on loopback. Elements are
found as a screen reader finds them, by role and accessible name. A screenshot of each screen
is saved in the test's folder.

`make test` installs chromium where the machine allows (root with apt-get, as in CI); where it
is missing the test is skipped, unless LLM_REGISTRY_REQUIRE_BROWSER is set (CI sets it), when a
missing browser fails the run instead of hiding it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.serve.conftest import GOOD_KEY, LISTED, WRONG_KEY, Page

CHROMIUM = Path("/usr/bin/chromium")
# As the machine's probe starts it: no sandbox (root), and no background connections to hosts
# this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not CHROMIUM.exists():
    if os.environ.get("LLM_REGISTRY_REQUIRE_BROWSER"):
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} is not installed (Debian's chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture
def browser_page() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            yield context.new_page()
        finally:
            browser.close()


def test_keys_models_and_refresh_in_a_browser(
    page: Page, browser_page: Any, tmp_path: Path
) -> None:
    tab = browser_page
    tab.goto(page.url)
    assert tab.url == f"{page.origin}/"  # the token left the address bar
    expect(tab.get_by_role("heading", name="API keys")).to_be_visible()
    card = tab.get_by_role("article", name="Wire OpenAI")
    expect(card.get_by_role("link", name="Get a key")).to_have_attribute(
        "href", "https://wire-openai.test/keys"
    )
    tab.screenshot(path=tmp_path / "1-keys.png", full_page=True)

    # Save by keyboard: the key field, then Enter.
    field = tab.get_by_label("Wire OpenAI API key")
    field.focus()
    tab.keyboard.type(GOOD_KEY)
    tab.keyboard.press("Enter")
    result = card.get_by_role("status")
    expect(result).to_contain_text("Saved in")
    expect(card).to_contain_text("••••" + GOOD_KEY[-4:])
    expect(field).to_have_value("")
    assert GOOD_KEY not in tab.content()

    card.get_by_role("button", name="Test").click()
    expect(result).to_contain_text(re.compile(r"✓ \d+ models"))
    tab.screenshot(path=tmp_path / "2-key-tested.png", full_page=True)

    # The tested listing is in the model database: after a reload the model shows; hide it.
    tab.reload()
    switch = tab.get_by_role("checkbox", name=f"Show {LISTED[0]}")
    expect(switch).to_be_checked()
    switch.uncheck()
    tab.wait_for_load_state("networkidle")
    tab.reload()
    expect(tab.get_by_role("checkbox", name=f"Show {LISTED[0]}")).not_to_be_checked()
    expect(tab.get_by_role("checkbox", name=f"Show {LISTED[1]}")).to_be_checked()

    tab.get_by_label("Search models").fill(LISTED[1])
    expect(tab.get_by_role("checkbox", name=f"Show {LISTED[1]}")).to_be_visible()
    expect(tab.get_by_role("checkbox", name=f"Show {LISTED[0]}")).to_be_hidden()
    tab.get_by_label("Search models").fill("")

    tab.get_by_role("button", name="Refresh all").click()
    summary = tab.locator("#refresh-status")
    expect(summary).to_contain_text("Refreshed 2 providers")
    expect(tab.get_by_role("list", name="Providers refreshed")).to_contain_text("wire-openai")
    expect(tab.get_by_role("checkbox", name=f"Show {LISTED[0]}")).not_to_be_checked()
    tab.screenshot(path=tmp_path / "3-refreshed.png", full_page=True)

    field.fill(WRONG_KEY)
    card.get_by_role("button", name="Save").click()
    expect(result).to_contain_text("Saved in")
    card.get_by_role("button", name="Test").click()
    expect(result).to_contain_text("✗ Wrong key")
    tab.screenshot(path=tmp_path / "4-wrong-key.png", full_page=True)
    assert WRONG_KEY not in tab.content()


def test_a_provider_without_a_key_is_dimmed_and_links_to_its_card(
    page: Page, browser_page: Any
) -> None:
    tab = browser_page
    tab.goto(page.url)
    section = tab.locator("#models-wire-anthropic")
    expect(section).to_have_class(re.compile(r"\bno-key\b"))
    section.get_by_role("link", name="Add a Wire Anthropic key").click()
    assert tab.url.endswith("#key-wire-anthropic")
    expect(tab.locator("#models-wire-local")).not_to_have_class(re.compile(r"\bno-key\b"))


def test_a_base_url_variable_is_set_and_cleared_on_its_card(page: Page, browser_page: Any) -> None:
    tab = browser_page
    tab.goto(page.url)
    card = tab.get_by_role("article", name="Wire OpenAI")
    field = tab.get_by_label("Wire OpenAI Scenario")
    expect(card).to_contain_text("In use: ok (from the default)")
    field.fill("elsewhere")
    card.get_by_role("button", name="Save").click()
    expect(card.get_by_role("status")).to_contain_text("Saved in")
    expect(card).to_contain_text("In use: elsewhere (from the key store)")
    field.fill("")
    card.get_by_role("button", name="Save").click()
    expect(card).to_contain_text("In use: ok (from the default)")
