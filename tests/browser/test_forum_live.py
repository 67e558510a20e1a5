"""The live forum in a real Chromium against a real Daphne (seeded demo site).

- Two members in two browser contexts open the same thread; one replies and
  mentions the other; the other sees the reply appear within 2 seconds without
  reloading, and their notification badge count rises. Typing shows up as
  "… schreibt gerade" on the other side.
- axe-core finds no WCAG 2.1 A/AA violation on the forum index, a category, a
  thread, a group page and the new-thread form.
"""

import os
import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_axe_violations

pytestmark = pytest.mark.browser

PASSWORD = os.environ.get("HDS_DEMO_PASSWORD") or "hds-demo-2026"
JANA = ("mitglied@example.org", "Jana Freiberg")
MEHMET = ("mitglied2@example.org", "Mehmet K.")
CATEGORY_PATH = "/forum/c/honorare-preise/"
THREAD_TITLE = "Wie kalkuliert ihr euren Tagessatz?"
GROUP_PATH = "/forum/gruppen/kreative-medien/"

@pytest.fixture(scope="module")
def established_members(live_site):
    """seed_demo dates the demo members back (established members post without pre-moderation)."""
    return live_site


def log_in(context, email):
    page = context.new_page()
    page.goto("/konto/login/")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort", exact=True).or_(page.get_by_label("Passwort:", exact=True)).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Mein Konto")).to_be_visible()
    return page


def open_thread(page):
    page.goto(CATEGORY_PATH)
    page.get_by_role("main").get_by_role("link", name=THREAD_TITLE).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(THREAD_TITLE)


def badge_count(page) -> int:
    return int(page.locator("#notification-badge").inner_text().strip())


def test_a_reply_with_a_mention_appears_live_and_raises_the_badge(new_context, established_members):
    jana = log_in(new_context(), JANA[0])
    mehmet = log_in(new_context(), MEHMET[0])
    open_thread(jana)
    open_thread(mehmet)

    # both sockets are connected once each page counts two viewers
    expect(mehmet.locator("#viewer-count")).to_have_text("2", timeout=10_000)
    expect(jana.locator("#viewer-count")).to_have_text("2", timeout=10_000)
    badge_before = badge_count(mehmet)
    posts_before = mehmet.locator("#post-list > li").count()

    # typing is shown to the other member (and not to oneself)
    mehmet.locator("#reply-form textarea").press_sequentially("Moment", delay=20)
    expect(jana.locator("#typing-indicator")).to_have_text(re.compile(r"Mehmet K\. schreibt gerade"), timeout=5_000)
    expect(mehmet.locator("#typing-indicator")).to_have_text("")

    token = secrets.token_hex(4)
    text = f"@{MEHMET[1]} danke für den Tipp mit den 120 Tagen – Kontrollnummer {token}."
    jana.locator("#reply-form textarea").fill(text)
    jana.get_by_role("button", name="Antwort senden").click()

    # Mehmet, without reloading: the reply within 2 s, and one more unread notification
    reply = mehmet.locator("#post-list > li", has_text=token)
    expect(reply).to_be_visible(timeout=2_000)
    expect(reply).to_contain_text(JANA[1])
    expect(reply.locator("a.mention")).to_have_text(f"@{MEHMET[1]}")
    expect(mehmet.locator("#post-list > li")).to_have_count(posts_before + 1)
    expect(mehmet.locator("#notification-badge")).to_have_text(str(badge_before + 1), timeout=2_000)
    expect(mehmet.locator("#live-announcer")).to_contain_text(re.compile(r"Neue (Antwort von Jana Freiberg|Benachrichtigung)"))
    assert mehmet.evaluate("() => performance.getEntriesByType('navigation').length") == 1
    assert mehmet.evaluate("() => performance.getEntriesByType('navigation')[0].type") != "reload"

    # Jana's own page reloaded after posting and shows the reply too
    expect(jana.locator("#post-list > li", has_text=token)).to_be_visible()


def test_forum_pages_have_no_axe_violations(new_context, established_members):
    page = log_in(new_context(), JANA[0])
    pages = {
        "forum index": "/forum/",
        "category": CATEGORY_PATH,
        "group": GROUP_PATH,
        "new thread form": CATEGORY_PATH + "neu/",
    }
    for _name, path in pages.items():
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        assert_no_axe_violations(page)
    open_thread(page)
    expect(page.locator("#viewer-count")).to_have_text(re.compile(r"\d+"))
    assert_no_axe_violations(page)


def test_visitors_watch_the_forum_without_a_badge_and_without_axe_violations(page):
    page.goto("/forum/")
    expect(page.locator("#notification-badge")).to_have_count(0)
    assert_no_axe_violations(page)
    open_thread(page)
    assert_no_axe_violations(page)
