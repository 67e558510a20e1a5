"""A visitor signs a campaign, confirms through the mailed link, and a watcher sees the count rise live."""

import os
import re

from playwright.sync_api import expect

from tests.browser.conftest import assert_no_axe_violations, mail_text

CAMPAIGN = "/kampagnen/faire-beitraege-krankenversicherung/"
ORGANISER = "mitglied@example.org"


def _count(page) -> int:
    return int(page.locator(".campaign-main [data-count]").get_attribute("data-count"))


def test_sign_confirm_and_watch_live(live_site, new_context):
    watcher = new_context().new_page()
    watcher.goto(CAMPAIGN)
    before = _count(watcher)
    watcher.wait_for_timeout(1500)  # let the WebSocket connect

    visitor = new_context().new_page()
    visitor.goto("/kampagnen/")
    expect(visitor.locator("h1")).to_have_text("Kampagnen")
    assert_no_axe_violations(visitor)

    visitor.goto(CAMPAIGN)
    assert_no_axe_violations(visitor)
    address = f"besucherin-{os.getpid()}@example.net"
    visitor.locator("#id_name").fill("Berit Besucherin")
    visitor.locator("#id_email").fill(address)
    visitor.locator("#id_postcode").fill("04109")
    visitor.locator("#id_consent").check()
    visitor.get_by_role("button", name="Unterschreiben").click()
    expect(visitor.locator("h1")).to_contain_text("Fast geschafft")

    mails = live_site.wait_for_mail(address)
    assert mails, live_site.log_tail()
    link = re.search(r"https?://\S+/kampagnen/bestaetigen/\S+/", mail_text(mails[0])).group(0)

    visitor.goto(link)
    expect(visitor.get_by_role("button", name="Unterschrift bestätigen")).to_be_visible()
    assert_no_axe_violations(visitor)
    assert _count_from_api(live_site) == before  # opening the link alone changes nothing
    visitor.get_by_role("button", name="Unterschrift bestätigen").click()
    expect(visitor.locator("h1")).to_contain_text("Ihre Unterschrift zählt")
    assert_no_axe_violations(visitor)

    # the watcher sees the new count without reloading
    expect(watcher.locator(".campaign-main [data-count]")).to_have_attribute("data-count", str(before + 1), timeout=10_000)
    visitor.goto(CAMPAIGN)
    assert _count(visitor) == before + 1


def _count_from_api(live_site) -> int:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{live_site.url}/api/v1/campaigns/faire-beitraege-krankenversicherung/") as response:
        return json.loads(response.read())["signatures"]


def test_proposal_form_and_dashboard_are_accessible(live_site, new_context):
    from django.conf import settings

    page = new_context().new_page()
    page.goto("/konto/login/")
    page.locator("input[name=login]").fill(ORGANISER)
    page.locator("input[name=password]").fill(os.environ.get("HDS_DEMO_PASSWORD", settings.HDS_DEMO_PASSWORD))
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()

    page.goto("/kampagnen/vorschlagen/")
    expect(page.locator("h1")).to_have_text("Kampagne vorschlagen")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Vorschlag einreichen").click()  # empty: errors tied to fields
    expect(page.locator(".error-summary")).to_be_visible()
    assert_no_axe_violations(page)

    page.goto("/kampagnen/verwalten/faire-beitraege-krankenversicherung/")
    expect(page.locator("h1")).to_contain_text("Dashboard")
    assert_no_axe_violations(page)
