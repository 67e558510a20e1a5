"""Every page type is valid HTML: the Nu HTML Checker (``vnu-jar`` from npm, Java 17) finds no error.

The pages are fetched as the server sends them (through the browser context, so with its
session cookie: a member's pages are the member's), saved to files and checked by one run
of the checker (one JVM start: it is slow). German pages, a few under /en/, the error pages.
Under CI=true a missing Java or vnu.jar fails the test; locally it skips.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser.conftest import BASE_DIR
from tests.conftest import require

pytestmark = pytest.mark.browser

VNU_JAR = BASE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
MEMBER = "mitglied@example.org"  # the demo member, organiser of the demo campaigns
THREAD_TITLE = "Wie kalkuliert ihr euren Tagessatz?"
CAMPAIGN_SLUG = "faire-beitraege-krankenversicherung"

# run in the live site's database (manage.py shell): a reaction and a hidden post in the demo
# thread, a pending signature to confirm; prints what the URLs need
SETUP = f"""
import json
from django.contrib.auth import get_user_model
from community import services as forum
from community.models import Post, Thread
from campaigns import services as campaigns
from campaigns.models import CampaignPage
User = get_user_model()
member = User.objects.get(email__iexact="{MEMBER}")
moderator = User.objects.get(email__iexact="moderation@example.org")
thread = Thread.objects.get(title="{THREAD_TITLE}")
posts = list(Post.objects.filter(thread=thread).order_by("number"))
own = next(p for p in posts if p.author_id == member.pk)
other = next(p for p in posts if p.author_id != member.pk)
if not other.reactions.filter(user=member).exists():
    forum.toggle_reaction(post=other, user=member, kind="thumbsup")
hidden = posts[-1] if posts[-1].author_id != member.pk else posts[-2]
if hidden.status != "hidden":
    forum.hide_post(post=hidden, moderator=moderator, reason="Test: verborgener Beitrag")
campaign = CampaignPage.objects.get(slug="{CAMPAIGN_SLUG}")
signature = campaigns.sign_campaign(campaign=campaign, name="Vera Valide", email="vnu@example.org",
                                    postcode="10115", consent_given=True).signature
from community.models import InterestGroup
print(json.dumps({{
    "thread": thread.pk, "category": thread.category.slug, "own_post": own.pk, "other_post": other.pk,
    "group": InterestGroup.objects.order_by("pk").first().slug, "campaign_id": campaign.pk,
    "campaign_url": campaign.url, "confirm_token": campaigns.confirm_token(signature),
    "display_name": member.profile.display_name,
}}))
"""


def _log_in(context, live_site):
    from django.conf import settings

    page = context.new_page()
    page.goto("/konto/login/")
    page.locator("input[name=login]").fill(MEMBER)
    page.locator("input[name=password]").fill(os.environ.get("HDS_DEMO_PASSWORD", settings.HDS_DEMO_PASSWORD))
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    page.close()


def _fetch(context, url: str, method: str = "GET"):
    response = context.request.fetch(url, method=method, max_redirects=5)
    return response.status, response.text()


def _vnu(files: list[Path]) -> list[dict]:
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True, text=True, timeout=600,
    )
    report = json.loads(result.stdout or "{}")
    return [m for m in report.get("messages", []) if m.get("type") in ("error", "non-document-error")]


def test_every_page_type_is_valid_html(live_site, new_context, tmp_path):
    require(shutil.which("java") is not None, "java is missing (apt-get install default-jre-headless)")
    require(VNU_JAR.exists(), f"{VNU_JAR.relative_to(BASE_DIR)} is missing (run `npm ci`)")
    data = json.loads(live_site.manage("shell", "-c", SETUP).stdout.strip().splitlines()[-1])
    thread = f"/forum/t/{data['thread']}/"
    campaign = data["campaign_url"]

    visitor = new_context()
    member = new_context()
    _log_in(member, live_site)

    # (name, context, url, expected status[, method])
    pages = [
        ("home", visitor, "/", 200),
        ("home-en", visitor, "/en/", 200),
        ("login", visitor, "/konto/login/", 200),
        ("login-en", visitor, "/en/konto/login/", 200),
        ("signup", visitor, "/konto/signup/", 200),
        ("password-reset", visitor, "/konto/password/reset/", 200),
        ("not-found", visitor, "/gibt-es-nicht/", 404),
        ("not-found-en", visitor, "/en/gibt-es-nicht/", 404),
        ("member-home", member, "/", 200),
        ("topic", member, "/soziale-absicherung/", 200),
        ("article-index", member, "/ratgeber/", 200),
        ("article", member, "/ratgeber/kuenstlersozialkasse/", 200),
        ("article-en", member, "/en/ratgeber/kuenstlersozialkasse/", 200),
        ("standard-page", member, "/impressum/", 200),
        ("finder", member, "/beratung-finden/", 200),
        ("finder-search", member, "/beratung-finden/?plz=10115", 200),
        ("forum-index", member, "/forum/", 200),
        ("forum-index-en", member, "/en/forum/", 200),
        ("category", member, f"/forum/c/{data['category']}/", 200),
        ("thread", member, thread, 200),
        ("thread-en", member, "/en" + thread, 200),
        ("groups", member, "/forum/gruppen/", 200),
        ("group", member, f"/forum/gruppen/{data['group']}/", 200),
        ("new-thread", member, f"/forum/c/{data['category']}/neu/", 200),
        ("reply", member, f"/forum/t/{data['thread']}/antworten/", 200),
        ("edit", member, f"/forum/p/{data['own_post']}/bearbeiten/", 200),
        ("report", member, f"/forum/p/{data['other_post']}/melden/", 200),
        ("notifications", member, "/forum/benachrichtigungen/", 200),
        ("profile-edit", member, "/konto/profil/", 200),
        ("member-profile", member, f"/konto/mitglieder/{data['display_name']}/", 200),
        ("my-data", member, "/konto/daten/", 200),
        ("campaign-index", member, "/kampagnen/", 200),
        ("campaign", member, campaign, 200),
        ("campaign-en", member, "/en" + campaign, 200),
        ("proposal", member, "/kampagnen/vorschlagen/", 200),
        ("sign-thanks", member, f"/kampagnen/unterschreiben/{data['campaign_id']}/danke/", 200),
        ("confirm", visitor, f"/kampagnen/bestaetigen/{data['confirm_token']}/", 200),
        ("confirm-invalid", visitor, "/kampagnen/bestaetigen/ungueltig/", 400),
        ("dashboard", member, f"/kampagnen/verwalten/{CAMPAIGN_SLUG}/", 200),
        ("dashboard-en", member, f"/en/kampagnen/verwalten/{CAMPAIGN_SLUG}/", 200),
        ("search-hits", member, "/suche/?q=Tagessatz", 200),
        ("search-hits-en", member, "/en/suche/?q=Tagessatz", 200),
        ("search-none", member, "/suche/?q=xylophonquartett", 200),
        ("forbidden", member, "/forum/moderation/", 403),
        ("method-not-allowed", member, "/csp-report/", 405),
    ]
    files, wrong_status = [], []
    for name, context, url, expected in pages:
        status, html = _fetch(context, url)
        if status != expected:
            wrong_status.append(f"{name}: GET {url} → {status}, expected {expected}")
            continue
        path = tmp_path / f"{name}.html"
        path.write_text(html, encoding="utf-8")
        files.append(path)
    assert not wrong_status, "\n".join(wrong_status)

    thread_html = (tmp_path / "thread.html").read_text(encoding="utf-8")
    assert "post-reactions" in thread_html or "reaction" in thread_html
    assert 'class="post' in thread_html and "is-hidden" in thread_html, "the thread shows no hidden-post placeholder"

    errors = _vnu(files)
    report = "\n".join(
        f"{Path(m.get('url', '')).name}:{m.get('lastLine', '?')}: {m.get('message')} [{m.get('extract', '').strip()[:80]}]"
        for m in errors
    )
    assert not errors, f"The Nu HTML Checker found {len(errors)} error(s):\n{report}"
