"""Stored XSS: the usual filter-evasion vectors, stored through the services, shown in a real Chromium.

The vectors go into forum thread titles and posts, a live-pushed reply (over
the thread WebSocket, through the consumer and the service), display names
and bios, an interest group and its category, a campaign proposal
(title, demands, addressee, reasons) and an organiser update, reports in the
moderation queue, and the search query. Every page where they show is opened
once, and on each:

* no dialog fires (``alert``/``confirm``/``prompt`` are what the vectors call);
* no injected element exists: no element carries a marker id/class
  (``XSS…``/``xss-…``), no attribute is an event handler, no ``href``/``src``/
  ``action``/``data`` is a ``javascript:``/``vbscript:``/``data:text/html`` URL,
  no inline script holds a vector;
* the Content-Security-Policy reports no violation (a listener for
  ``securitypolicyviolation`` is installed before any page script runs);
* the text is shown as written (the vector is visible as text, escaped).

Data is inserted once, through the services, in the live site's database
(``manage.py shell``); display names the profile validators refuse are written
to the row directly as well, so their output escaping is tested too.
"""

from __future__ import annotations

import json
import os
import re
import time
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = os.environ.get("HDS_DEMO_PASSWORD") or "hds-demo-2026"
HOSTILE_PASSWORD = "Xss-Test-Passwort-2026!"

# ~30 vectors; each carries a marker (XSSnn) that must never become an element id or run
VECTORS = [
    "<script>alert('XSS01')</script>",
    "<img src=x onerror=\"alert('XSS02')\" id=\"XSS02\">",
    "<svg onload=alert('XSS03') id=XSS03>",
    "<svg><script>alert('XSS04')</script></svg>",
    "[klick XSS05](javascript:alert('XSS05'))",
    "[klick XSS06](JaVaScRiPt:alert('XSS06'))",
    "[klick XSS07](&#106;avascript:alert('XSS07'))",
    "![bild XSS08](javascript:alert('XSS08'))",
    "![bild XSS09](data:text/html;base64,PHNjcmlwdD5hbGVydCgnWFNTMDknKTwvc2NyaXB0Pg==)",
    "[daten XSS10](data:text/html,<script>alert('XSS10')</script>)",
    "<iframe src=\"javascript:alert('XSS11')\" id=\"XSS11\"></iframe>",
    "<style>#main{background:url(\"javascript:alert('XSS12')\")}</style><div class=\"xss-12\">XSS12</div>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('XSS13') id=XSS13>",
    "<a href=\"javascript&colon;alert('XSS14')\" id=\"XSS14\">XSS14</a>",
    "{{ 7*7 }} {% debug %} ${alert('XSS15')} #{alert('XSS15')} XSS15",
    "<IMG SRC=JaVaScRiPt:alert('XSS16') ID=XSS16>",
    "<scr<script>ipt>alert('XSS17')</scr</script>ipt>",
    "\"><img src=x onerror=alert('XSS18') id=XSS18>",
    "\\u003cscript\\u003ealert('XSS19')\\u003c/script\\u003e ＜script＞alert('XSS19')＜/script＞",
    "<details open ontoggle=alert('XSS20') id=XSS20>XSS20</details>",
    "<body onload=alert('XSS21')>",
    "<object data=\"javascript:alert('XSS22')\" id=XSS22></object>",
    "<embed src=\"data:text/html,<script>alert('XSS23')</script>\" id=XSS23>",
    "<form action=\"javascript:alert('XSS24')\"><button id=XSS24>XSS24</button></form>",
    "<a href=\"jav&#x09;ascript:alert('XSS25')\" id=XSS25>XSS25</a> [XSS25b](  javascript:alert('XSS25'))",
    "</textarea></title><script>alert('XSS26')</script>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('XSS27')\">",
    "<base href=\"javascript:alert('XSS28')//\">",
    "[XSS29](vbscript:msgbox('XSS29'))",
    "<a href=\"https://example.org\" onmouseover=\"alert('XSS30')\" class=\"xss-30\">XSS30</a>",
    "'-alert('XSS31')-' \";alert('XSS31');// </script><script>alert('XSS31')</script>",
    "<a href=\"#\" style=\"position:fixed;top:0;left:0;width:100%;height:100%\" id=XSS32>XSS32</a>",
]

# display names (≤ 40 characters, no "/": they are part of profile URLs)
NAME_VECTORS = [
    "<img src=x onerror=alert('XSS40')>",
    "\"><svg onload=alert('XSS41')>",
    "<script>alert('XSS42')",
    "Ann{{ 7*7 }}a XSS43",
    "\u202eXSS44 evil",
]

SEED = r'''
import json
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from campaigns import services as campaigns
from community import services as forum
from community.models import Post
from hds_site.accounts import services as accounts
from hds_site.accounts.models import Profile

V = json.loads(VECTORS_JSON)
NAMES = json.loads(NAMES_JSON)
User = get_user_model()
jana = User.objects.get(email="mitglied@example.org")
moderator = User.objects.get(email="moderation@example.org")
editor = User.objects.filter(is_superuser=True).first()
out = {"refused_names": [], "members": []}

members = []
for i, name in enumerate(NAMES):
    user, _ = User.objects.get_or_create(username=f"xss-{i}", defaults={"email": f"xss{i}@example.net"})
    user.set_password(HOSTILE_PASSWORD)
    user.date_joined = timezone.now() - timedelta(days=60)
    user.save()
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    accounts.update_profile(user=user, bio="\n".join(V)[:500], profession=V[i][:100], is_public=True)
    try:
        accounts.update_profile(user=user, display_name=name)
    except ValidationError:
        out["refused_names"].append(name)
        Profile.objects.filter(user=user).update(display_name=name)  # as if it came from an import
    members.append(user)
    out["members"].append({"email": user.email, "name": name})

quiet = {"HDS_FORUM_PREMODERATION": {"enabled": False},
         "HDS_FORUM_RATE_LIMITS": {"per_minute": 0, "per_day_new_member": 0, "duplicate_window": None},
         "HDS_FORUM_REPORT_RATE_LIMIT": {"count": 0, "window": timedelta(0)}}  # Jana files ~8 reports below
with override_settings(**quiet):
    group = forum.upsert_group(slug="xss-gruppe", name="XSSGRUPPE " + V[1][:100], description="\n\n".join(V))
    forum.add_group_member(group=group, user=members[0], role="admin")
    category = forum.upsert_category(slug="xss-kategorie", name="XSSKAT " + V[2][:100], description="\n".join(V),
                                     group=group)
    threads = []
    for i, vector in enumerate(V):
        thread = forum.create_thread(category=category, author=members[i % len(members)],
                                     title=("XSSMARK " + vector)[:200], body="XSSMARK " + vector, kind="discussion",
                                     enforce_limits=False)
        threads.append(thread)
    main = threads[0]
    for i, vector in enumerate(V):
        # seeding is not rate-limited: on Redis the limits are shared with the live site, and the live test's
        # reply by members[0] must not be refused as "too fast" because of these
        post = forum.post_reply(thread=main, author=members[i % len(members)], body=f"XSSMARK {vector}",
                                enforce_limits=False)
        if i % 4 == 0:
            forum.report_post(post=post, reporter=jana, reason="other", text=vector)
out["threads"] = [t.get_absolute_url() for t in threads]
out["main_thread"] = main.get_absolute_url()
out["main_thread_id"] = main.pk
out["category"] = category.get_absolute_url()
out["group"] = group.get_absolute_url()

# a new member's post waits in the moderation queue
newbie, _ = User.objects.get_or_create(username="xss-neu", defaults={"email": "xss-neu@example.net"})
EmailAddress.objects.update_or_create(user=newbie, email=newbie.email, defaults={"verified": True, "primary": True})
accounts.update_profile(user=newbie, display_name="XSS Neuling")
with override_settings(HDS_FORUM_RATE_LIMITS=quiet["HDS_FORUM_RATE_LIMITS"]):
    pending = forum.post_reply(thread=main, author=newbie, body="XSSMARK pending " + "\n\n".join(V[:12]))
out["pending_status"] = pending.status

page = campaigns.propose_campaign(proposer=jana, title="XSSKAMPAGNE " + V[2][:100], demands="\n".join(V),
                                  addressee=V[1][:200], why="\n\n".join(V), goal=100)
page.get_latest_revision().publish(user=editor, skip_permission_checks=True)
page.refresh_from_db()
campaigns.post_update(campaign=page, author=jana, title="XSSUPDATE " + V[0][:100], body="\n\n".join(V))
out["campaign"] = page.url
print("XSS-SEED " + json.dumps(out))
'''


@pytest.fixture(scope="module")
def seeded(live_site):
    code = (
        f"VECTORS_JSON = {json.dumps(json.dumps(VECTORS))}\nNAMES_JSON = {json.dumps(json.dumps(NAME_VECTORS))}\n"
        f"HOSTILE_PASSWORD = {HOSTILE_PASSWORD!r}\n" + SEED
    )
    result = live_site.manage("shell", "-c", code)
    line = next(line for line in result.stdout.splitlines() if line.startswith("XSS-SEED "))
    return json.loads(line[len("XSS-SEED "):])


WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber} ${e.sample}`);
});
"""

FIND_INJECTED = r"""() => {
  const bad = [];
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'background', 'poster'];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = (a.value || '').replace(/[\s\u0000-\u001f]/g, '').toLowerCase();
      if (name.startsWith('on')) bad.push(`${el.tagName} has ${name}="${a.value}"`);
      if (urlAttrs.includes(name) && /^(javascript|vbscript|data:text\/html|data:image\/svg)/.test(value))
        bad.push(`${el.tagName} ${name}="${a.value}"`);
      if (name === 'http-equiv' && value === 'refresh') bad.push(`meta refresh ${el.outerHTML}`);
    }
    if (/^xss/i.test(el.id || '')) bad.push(`element with marker id ${el.tagName}#${el.id}`);
    for (const c of el.classList) if (/^xss/i.test(c)) bad.push(`element with marker class ${el.tagName}.${c}`);
    if (['IFRAME', 'OBJECT', 'EMBED', 'BASE', 'MATH', 'SVG', 'svg', 'math'].includes(el.tagName)) {
      const html = el.outerHTML;
      if (/xss/i.test(html)) bad.push(`injected ${el.tagName}: ${html.slice(0, 120)}`);
    }
    if (el.tagName === 'SCRIPT' && !el.src && /xss|alert\(/i.test(el.textContent)) bad.push(`inline script ${el.textContent.slice(0, 80)}`);
    if (el.tagName === 'STYLE' && /xss/i.test(el.textContent)) bad.push(`injected style ${el.textContent.slice(0, 80)}`);
  }
  return bad;
}"""


class Watch:
    """One page with the dialog and CSP watchers installed."""

    def __init__(self, context):
        context.add_init_script(WATCH_CSP)
        self.page = context.new_page()
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message} on {self.page.url}")
        dialog.dismiss()

    def visit(self, path: str, *, expect_text: str | None = None) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status < 400, f"{path}: {response and response.status}"
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(150)  # let deferred scripts (live.js) run
        if expect_text:
            expect(self.page.locator("main")).to_contain_text(expect_text)
        self.check()

    def check(self) -> None:
        where = self.page.url
        assert not self.dialogs, f"a dialog fired: {self.dialogs}"
        injected = self.page.evaluate(FIND_INJECTED)
        assert not injected, f"injected markup on {where}:\n" + "\n".join(injected)
        violations = self.page.evaluate("() => window.__cspViolations || []")
        assert not violations, f"CSP violations on {where}: {violations}"


def log_in(context, email: str, password: str):
    page = context.new_page()
    page.goto("/konto/login/")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort", exact=True).or_(page.get_by_label("Passwort:", exact=True)).fill(password)
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Mein Konto")).to_be_visible()
    page.close()
    return context


def test_forum_pages_show_the_vectors_as_text(seeded, new_context):
    watch = Watch(new_context())
    watch.visit(seeded["category"], expect_text="XSSMARK")
    for path in seeded["threads"]:
        watch.visit(path, expect_text="XSSMARK")
    # the main thread shows every vector as a post; spot-check that they read as written
    watch.visit(seeded["main_thread"])
    main_text = watch.page.locator("main").inner_text()
    for needle in ("<script>alert('XSS01')</script>", "{{ 7*7 }}", "onerror=alert('XSS18')"):
        assert needle in main_text, f"{needle!r} is not shown as text"
    watch.visit("/forum/")


def test_live_pushed_post_with_every_vector(seeded, new_context, live_site):
    from websockets.sync.client import connect

    watch = Watch(new_context())
    watch.visit(seeded["main_thread"] + "?page=999")  # the last page: live posts are appended there
    watch.page.wait_for_timeout(1000)  # the socket connects and resumes

    member = seeded["members"][0]
    author = log_in(new_context(), member["email"], HOSTILE_PASSWORD)
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in author.cookies())
    ws_url = live_site.url.replace("http://", "ws://") + f"/ws/community/threads/{seeded['main_thread_id']}/"
    body = "XSSLIVE\n\n" + "\n\n".join(VECTORS)
    with connect(ws_url, origin=live_site.url, additional_headers={"Cookie": cookies}, open_timeout=10) as socket:
        socket.send(json.dumps({"type": "typing"}))
        socket.send(json.dumps({"type": "reply", "body": body}))
        deadline = time.monotonic() + 10
        saved = None
        while time.monotonic() < deadline and saved is None:
            frame = json.loads(socket.recv(timeout=10))
            if frame["type"] == "reply.saved":
                saved = frame
            assert frame["type"] != "error", frame
        assert saved, "the reply was not saved"

    expect(watch.page.locator("#post-list")).to_contain_text("XSSLIVE", timeout=5_000)
    watch.page.wait_for_timeout(300)
    watch.check()
    expect(watch.page.locator("#post-list")).to_contain_text("<script>alert('XSS01')</script>")


def test_profiles_group_and_campaign_pages(seeded, new_context):
    watch = Watch(new_context())
    for member in seeded["members"]:
        watch.visit(f"/konto/mitglieder/{quote(member['name'], safe='')}/")
    watch.visit(seeded["group"], expect_text="XSSGRUPPE")
    watch.visit("/forum/gruppen/")
    watch.visit(seeded["campaign"], expect_text="XSSKAMPAGNE")
    expect(watch.page.locator("main")).to_contain_text("XSSUPDATE")
    watch.visit("/kampagnen/")


def test_search_results_and_queries(seeded, new_context):
    watch = Watch(new_context())
    watch.visit("/suche/?q=XSSMARK")
    assert watch.page.locator("main mark, main .highlight, main em").count() >= 0  # highlighting present or not: no injection
    for vector in VECTORS + NAME_VECTORS:
        watch.visit("/suche/?q=" + quote(vector, safe=""))
        # the query is echoed as text (in the search box and the heading), never as markup
        value = watch.page.locator("input[name=q]").first.input_value()
        assert value == vector.strip()[:200], (value, vector)
    watch.visit("/suche/vorschlaege/?q=" + quote(VECTORS[1], safe=""))


def test_moderation_queue(seeded, new_context):
    context = log_in(new_context(), "moderation@example.org", PASSWORD)
    watch = Watch(context)
    watch.visit("/forum/moderation/")
    expect(watch.page.locator("main")).to_contain_text("XSS")
    if seeded["pending_status"] == "pending":
        expect(watch.page.locator("main")).to_contain_text("XSSMARK pending")


def test_the_vectors_did_not_run_in_the_member_area(seeded, new_context):
    member = seeded["members"][1]
    context = log_in(new_context(), member["email"], HOSTILE_PASSWORD)
    watch = Watch(context)
    watch.visit("/konto/profil/")
    watch.visit("/forum/benachrichtigungen/")
    watch.visit(seeded["main_thread"])
    # the reply form and its quote function with a vector in the quoted post
    first_reply = watch.page.locator("#post-list > li").nth(1)
    assert re.search("XSS", first_reply.inner_text())
