"""A page whose live connection resumes from before the pruned event log gets ``resync`` and shows what it missed.

The page's script is held back (Playwright routes its request) after the page
itself has been rendered with its ``data-last-seq``. Meanwhile the site
changes (replies, a campaign update and a signature) and ``prune_live_events
--days 0`` deletes the replay log. Then the script runs: its socket resumes
from the page's seq, the consumer cannot replay without a gap and answers
``resync`` (hds_site/realtime.py ``replay_since``), and the page fetches
itself again and swaps in the current content (community/live.js,
campaigns/campaign.js), without a navigation.
"""

from __future__ import annotations

import json
import secrets
import time

from playwright.sync_api import expect

CAMPAIGN_SLUG = "faire-beitraege-krankenversicherung"

PRELUDE = """
import json
from django.contrib.auth import get_user_model
from hds_site import realtime
from hds_site.models import LiveEvent
User = get_user_model()
def done(**values):
    print("RESULT " + json.dumps(values))
"""

NEW_THREAD = """
from community import events, services
from community.models import Category
jana = User.objects.get(email="mitglied@example.org")
thread = services.create_thread(category=Category.objects.get(slug="honorare-preise"), author=jana, title=TITLE,
                                body="Wer liest nach dem Aufräumen noch mit?", enforce_limits=False)
done(url=thread.get_absolute_url(), id=thread.pk, group=events.thread_group(thread.pk))
"""

REPLIES = """
from community import services
from community.models import Thread
mehmet = User.objects.get(email="mitglied2@example.org")
thread = Thread.objects.get(pk=THREAD_ID)
posts = [services.post_reply(thread=thread, author=mehmet, body=body, enforce_limits=False) for body in BODIES]
done(status=[post.status for post in posts])
"""

CAMPAIGN_CHANGES = """
from campaigns import services
from campaigns.models import CampaignPage
campaign = CampaignPage.objects.get(slug=SLUG)
editor = User.objects.get(email="redaktion@example.org")
services.post_update(campaign=campaign, author=editor, title=UPDATE_TITLE, body="Was Sie verpasst haben.")
signed = services.sign_campaign(campaign=campaign, name="Rita Resync", email=EMAIL, postcode="10115", consent_given=True)
confirmed = services.confirm_signature(signature_id=signed.signature.pk)
done(group=campaign.group_name, outcome=signed.outcome)
"""

LOG = """
done(events=LiveEvent.objects.filter(group=GROUP).count(), last_seq=realtime.last_seq(GROUP))
"""


def _shell(live_site, code: str, **values) -> dict:
    """Run ``code`` in ``manage.py shell`` against the live site's database; what it passed to done()."""
    assignments = "".join(f"{name} = json.loads({json.dumps(json.dumps(value))})\n" for name, value in values.items())
    result = live_site.manage("shell", "-c", PRELUDE + assignments + code)
    line = next((line for line in result.stdout.splitlines() if line.startswith("RESULT ")), None)
    assert line, result.stdout + result.stderr
    return json.loads(line.removeprefix("RESULT "))


def _open_holding_script(page, path: str, script: str) -> tuple[list, list[dict]]:
    """Open ``path`` with the request for ``script`` held; return the held route and the frames the page will get."""
    held, frames = [], []

    def on_websocket(ws):
        ws.on("framereceived", lambda payload: frames.append(json.loads(payload)))

    page.on("websocket", on_websocket)
    page.route(f"**/{script}", lambda route: held.append(route))
    page.goto(path, wait_until="commit")
    deadline = time.monotonic() + 15
    while not held:
        assert time.monotonic() < deadline, f"{script} was never requested"
        page.wait_for_timeout(50)
    return held, frames


def _prune_everything(live_site, group: str) -> int:
    """The real clean-up command with no retention; the group's last seq (which never goes back)."""
    result = live_site.manage("prune_live_events", "--days", "0")
    assert "deleted" in result.stdout, result.stdout
    log = _shell(live_site, LOG, GROUP=group)
    assert log["events"] == 0, log
    return log["last_seq"]


def test_a_thread_page_resumed_after_the_log_was_pruned_reloads_its_posts(live_site, page):
    token = secrets.token_hex(4)
    thread = _shell(live_site, NEW_THREAD, TITLE=f"Nach dem Aufräumen {token}")
    held, frames = _open_holding_script(page, thread["url"], "community/live.js")

    posts = page.locator("#post-list > li")
    expect(posts).to_have_count(1)
    seen = int(page.locator("#thread-live").get_attribute("data-last-seq"))

    bodies = [f"Verpasste Antwort eins {token}.", f"Verpasste Antwort zwei {token}."]
    assert _shell(live_site, REPLIES, THREAD_ID=thread["id"], BODIES=bodies)["status"] == ["approved", "approved"]
    assert _prune_everything(live_site, thread["group"]) == seen + 2
    expect(posts).to_have_count(1)  # nothing has reached the page yet

    held[0].continue_()
    for body in bodies:
        expect(posts.filter(has_text=body)).to_be_visible(timeout=10_000)
    expect(posts).to_have_count(3)
    expect(page.locator("#live-announcer")).to_have_text("Die Beiträge wurden neu geladen.")
    expect(page.locator("#live-status")).to_have_count(0)  # no "please reload" fallback
    assert page.url.endswith(thread["url"])
    types = [frame["type"] for frame in frames]
    assert "resync" in types, types
    assert "post.created" not in types, types  # shown by the reload, not replayed


def test_a_campaign_page_resumed_after_the_log_was_pruned_reloads_updates_and_count(live_site, page):
    token = secrets.token_hex(4)
    held, frames = _open_holding_script(page, f"/kampagnen/{CAMPAIGN_SLUG}/", "campaigns/campaign.js")

    root = page.locator("[data-campaign-live]")
    count = page.locator(".campaign-main [data-count]")
    before = int(count.get_attribute("data-count"))
    update_title = f"Neuigkeit nach dem Aufräumen {token}"

    changes = _shell(live_site, CAMPAIGN_CHANGES, SLUG=CAMPAIGN_SLUG, UPDATE_TITLE=update_title,
                     EMAIL=f"rita-{token}@example.net")
    assert changes["outcome"] == "created", changes
    seen = int(root.get_attribute("data-last-seq"))
    assert _prune_everything(live_site, changes["group"]) > seen
    expect(page.locator("[data-updates]")).not_to_contain_text(update_title)

    held[0].continue_()
    expect(root).to_have_attribute("data-resynced", "true", timeout=10_000)
    expect(page.locator("[data-updates]")).to_contain_text(update_title)
    expect(count).to_have_attribute("data-count", str(before + 1))
    types = [frame["type"] for frame in frames]
    assert "resync" in types, types
    assert "campaign.update" not in types, types  # shown by the reload, not replayed


def test_a_page_ahead_of_the_log_follows_the_server_after_resync(live_site, page, new_context):
    """A page that saw more than the log holds (e.g. rendered before the database was restored from a backup)
    gets ``resync`` with the server's seq and counts from there: the next reply arrives live, not dropped as
    "already seen" (hds_site/static/js/site.js)."""
    from tests.browser.test_forum_live import MEHMET, log_in

    token = secrets.token_hex(4)
    thread = _shell(live_site, NEW_THREAD, TITLE=f"Vor der Sicherung {token}")
    held, frames = _open_holding_script(page, thread["url"], "community/live.js")
    posts = page.locator("#post-list > li")
    expect(posts).to_have_count(1)
    # as if this page had been rendered by the site before the restore: 1,000 events further on
    page.evaluate("document.getElementById('thread-live').dataset.lastSeq = '1000'")

    held[0].continue_()
    deadline = time.monotonic() + 10
    while "ready" not in [frame["type"] for frame in frames]:
        assert time.monotonic() < deadline, frames
        page.wait_for_timeout(50)
    assert [frame for frame in frames if frame["type"] == "resync"], frames

    # a member replies through the site (the live event goes through the site's channel layer)
    mehmet = log_in(new_context(), MEHMET[0])
    mehmet.goto(thread["url"])
    body = f"Nach der Wiederherstellung {token}."
    mehmet.locator("#reply-form textarea").fill(body)
    mehmet.get_by_role("button", name="Antwort senden").click()
    expect(mehmet.locator("#post-list > li", has_text=token)).to_be_visible()

    expect(posts.filter(has_text=body)).to_be_visible(timeout=10_000)
    assert "post.created" in [frame["type"] for frame in frames]
