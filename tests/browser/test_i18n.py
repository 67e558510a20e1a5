"""The English UI in a real Chromium: the switcher goes both ways, English pages are axe-clean.

The demo content is German only, so English pages show German page content
inside the English UI (marked lang="de").
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_axe_violations

pytestmark = pytest.mark.browser

ARTICLE_PATH = "/ratgeber/kuenstlersozialkasse/"


def test_language_switcher_round_trip(page):
    page.goto(ARTICLE_PATH)
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(re.compile(f"^http://[^/]+/en{ARTICLE_PATH}$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    nav = page.get_by_role("navigation", name="Main navigation")
    for label in ("Advice", "Forum", "Campaigns", "Find advice", "Log in", "Sign up"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.locator("h1")).to_have_attribute("lang", "de")

    page.get_by_role("button", name="Deutsch").click()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page).to_have_url(re.compile(f"^http://[^/]+{ARTICLE_PATH}$"))
    expect(page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Anmelden")).to_be_visible()


@pytest.mark.parametrize(
    "path",
    ["/en/", "/en/soziale-absicherung/", f"/en{ARTICLE_PATH}", "/en/beratung-finden/?bundesland=DE-SN", "/en/konto/signup/"],
)
def test_english_pages_have_no_wcag_violations(page, path):
    response = page.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_count(1)
    assert_no_axe_violations(page)


@pytest.mark.parametrize("path", ["/en/kampagnen/", "/en/kampagnen/faire-beitraege-krankenversicherung/"])
def test_english_campaign_pages_mark_german_texts(page, path):
    """Campaign texts are German: inside the English UI they carry lang="de"; axe stays clean."""
    response = page.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    if path.endswith("/kampagnen/"):
        expect(page.locator(".campaign-card h3 a").first).to_have_attribute("lang", "de")
    else:
        expect(page.locator("h1")).to_have_attribute("lang", "de")
        expect(page.get_by_role("heading", name="Our demands")).not_to_have_attribute("lang", "de")
    assert_no_axe_violations(page)
