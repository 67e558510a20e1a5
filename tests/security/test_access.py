"""Access control: every role × every protected action, over HTTP and WebSocket.

The expected matrix is data (``MATRIX``). Each cell is the outcome the role must get:

``ok``        the action succeeds (and its effect is in the database)
``own``       200, but only the requester's own data (nobody reads another member's export)
``login``     redirect to the site login (``/konto/login/?next=…``); over WebSocket: close 4401
``cms-login`` redirect to the Wagtail admin login (``/cms/login/``): Wagtail's answer to
              everybody without the ``wagtailadmin.access_admin`` permission
``cms-refused`` redirect to the admin dashboard (``/cms/``) with Wagtail's "no permission"
              message: Wagtail's answer to admin users without the permission for the action
``403``       signed in but not allowed (HTTP 403; WebSocket: close 4403 or a ``forbidden`` error frame)
``404``       members-only content is not revealed to anonymous visitors

The rule behind the cells: anonymous visitors are sent to log in where an account could help,
but members-only content does not reveal that it exists (404; the live socket closes 4403, as it
cannot tell "log in" from "not yours" without revealing the same); signed-in members without the
right get 403. A denied cell writes nothing: the rows of the forum, the campaigns and Wagtail's
pages/revisions/workflow tables, and the fields an action would change, are the same afterwards.

The second half checks that ids and tokens in URLs cannot be guessed into someone else's data.
"""

from __future__ import annotations

import hashlib
import json
import time
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.core import signing
from django.test import Client
from django.urls import reverse

from campaigns import services as campaign_services
from campaigns.models import AuditLogEntry, CampaignPage, Signature
from community import services as forum_services
from community import tasks as forum_tasks
from community.models import Category, InterestGroup, Membership, Notification, Post, Thread
from community.permissions import MODERATION_GROUP
from tests.factories import (
    ForumMemberFactory,
    campaign_index,
    confirmed_signature,
    forum_thread,
    make_campaign,
    pending_signature,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "group_member", "group_admin", "organiser", "moderator", "editor", "admin", "suspended"]

# Columns in the order of ROLES:
#        anonymous    member  group_member group_admin organiser moderator editor admin  suspended
MATRIX: dict[str, tuple[str, ...]] = {
    "read_members_only":  ("404",       "403",  "ok",   "ok",   "403",  "ok",   "ok",   "ok",   "ok"),
    "ws_subscribe":       ("403",       "403",  "ok",   "ok",   "403",  "ok",   "ok",   "ok",   "ok"),
    "post_reply":         ("login",     "403",  "ok",   "ok",   "403",  "ok",   "ok",   "ok",   "403"),
    "ws_reply":           ("403",       "403",  "ok",   "ok",   "403",  "ok",   "ok",   "ok",   "403"),
    "edit_others_post":   ("login",     "403",  "403",  "403",  "403",  "403",  "403",  "403",  "403"),
    "moderation_queue":   ("login",     "403",  "403",  "403",  "403",  "ok",   "403",  "ok",   "403"),
    "moderate_hide":      ("login",     "403",  "403",  "403",  "403",  "ok",   "403",  "ok",   "403"),
    "moderate_lock_pin":  ("login",     "403",  "403",  "403",  "403",  "ok",   "403",  "ok",   "403"),
    "approve_proposal":   ("cms-login", "cms-login", "cms-login", "cms-login", "cms-login", "cms-refused", "ok", "ok",
                           "cms-login"),
    "export_csv":         ("login",     "403",  "403",  "403",  "ok",   "403",  "ok",   "ok",   "403"),
    "export_pdf":         ("login",     "403",  "403",  "403",  "ok",   "403",  "ok",   "ok",   "403"),
    "others_gdpr_export": ("login",     "own",  "own",  "own",  "own",  "own",  "own",  "own",  "own"),
    "organiser_dashboard": ("login",    "403",  "403",  "403",  "ok",   "403",  "ok",   "ok",   "403"),
    "wagtail_admin":      ("cms-login", "cms-login", "cms-login", "cms-login", "cms-login", "ok", "ok", "ok", "cms-login"),
}

SIGNER_EMAIL = "sina.signer@example.com"
SIGNER_NAME = "Sina Unterzeichnerin"
VICTIM_EMAIL = "anna.autorin@example.com"


# --- the world every role meets ------------------------------------------------------------


@pytest.fixture
def world(settings):
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    settings.HDS_FORUM_RATE_LIMITS = {"per_minute": 0, "per_day_new_member": 0, "duplicate_window": None}
    from hds_site.content.services import ensure_editorial_setup

    campaign_index()  # the page tree first, so the editors' permissions and the workflow reach it
    ensure_editorial_setup()

    group = InterestGroup.objects.create(name="Freie Dozent:innen", slug="dozentinnen")
    category = Category.objects.create(name="Intern", slug="intern", group=group, members_only=True)
    author = ForumMemberFactory(email=VICTIM_EMAIL, display_name="Anna Autorin")
    forum_services.join_group(group=group, user=author)
    thread = forum_thread(author=author, category=category, title="Nur für uns hier", body="Interner Erstbeitrag.")
    target = forum_services.post_reply(thread=thread, author=author, body="Diese Antwort wird gleich versteckt.")
    other_thread = forum_thread(author=author, category=category, title="Zweites internes Thema", body="Noch intern.")

    moderation = Group.objects.get_or_create(name=MODERATION_GROUP)[0]
    redaktion = Group.objects.get(name="Redaktion")
    users = {
        "anonymous": None,
        "member": ForumMemberFactory(display_name="Mia Mitglied"),
        "group_member": ForumMemberFactory(display_name="Gero Gruppe"),
        "group_admin": ForumMemberFactory(display_name="Greta Gruppenadmin"),
        "organiser": ForumMemberFactory(display_name="Olga Organisatorin"),
        "moderator": ForumMemberFactory(display_name="Mo Deration", is_staff=True),
        "editor": ForumMemberFactory(display_name="Ria Redaktion", is_staff=True),
        "admin": ForumMemberFactory(display_name="Adi Admin", is_staff=True, is_superuser=True),
        "suspended": ForumMemberFactory(display_name="Susi Gesperrt"),
    }
    users["moderator"].groups.add(moderation)
    users["editor"].groups.add(redaktion)
    forum_services.join_group(group=group, user=users["group_member"])
    Membership.objects.create(user=users["group_admin"], group=group, role=Membership.Role.ADMIN)
    # the suspended member belongs to the group: what is denied is denied by the suspension
    forum_services.join_group(group=group, user=users["suspended"])
    forum_services.suspend_member(user=users["suspended"], moderator=users["moderator"], reason="Test", days=7)

    campaign = make_campaign(organisers=[users["organiser"]])
    confirmed_signature(campaign, email=SIGNER_EMAIL, name=SIGNER_NAME)
    proposal = campaign_services.propose_campaign(
        proposer=users["organiser"], title="Vorschlag im Review", demands="Eine Forderung", addressee="Bund",
        why="Weil es wichtig ist.", goal=500,
    )
    for user in users.values():
        if user is not None:
            user.refresh_from_db()
    return SimpleNamespace(
        group=group, category=category, author=author, thread=thread, target=target, other_thread=other_thread,
        users=users, campaign=campaign, proposal=CampaignPage.objects.get(pk=proposal.pk),
    )


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def fingerprint(w) -> str:
    """Row counts of the forum, campaign and Wagtail page/workflow tables, and the fields actions change."""
    parts = []
    models = [*apps.get_app_config("community").get_models(), *apps.get_app_config("campaigns").get_models()]
    models += [apps.get_model("wagtailcore", name) for name in ("Page", "Revision", "WorkflowState", "TaskState", "PageLogEntry")]
    for model in models:
        parts.append(f"{model._meta.label}={model._base_manager.count()}")
    parts.append(repr(list(Post.objects.order_by("pk").values_list("pk", "body", "is_hidden", "status", "edited_at"))))
    parts.append(repr(list(Thread.objects.order_by("pk").values_list("pk", "is_locked", "is_pinned", "category_id"))))
    parts.append(repr(list(CampaignPage.objects.order_by("pk").values_list("pk", "live", "has_unpublished_changes"))))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def classify(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("account_login")):
            return "login"
        if location.startswith(reverse("wagtailadmin_login")):
            return "cms-login"
        if location == reverse("wagtailadmin_home"):
            return "cms-refused"
        return f"302 {location}"
    if response.status_code in (403, 404):
        return str(response.status_code)
    return str(response.status_code)


# --- HTTP actions: each returns an outcome of the matrix -------------------------------------


def read_members_only(w, client, user) -> str:
    outcomes = set()
    for url in (w.category.get_absolute_url(), w.thread.get_absolute_url()):
        response = client.get(url)
        if response.status_code == 200:
            assert w.thread.title in response.content.decode()
            outcomes.add("ok")
        else:
            assert w.thread.title not in response.content.decode()
            outcomes.add(classify(response))
    assert len(outcomes) == 1, f"category and thread disagree: {outcomes}"
    return outcomes.pop()


def post_reply(w, client, user) -> str:
    body = "Eine Antwort über HTTP, die nur Berechtigte schreiben dürfen."
    response = client.post(reverse("community:thread_reply", args=[w.thread.pk]), {"body": body})
    created = Post.objects.filter(thread=w.thread, body=body).exists()
    if response.status_code == 302 and created:
        return "ok"
    assert not created
    return classify(response)


def edit_others_post(w, client, user) -> str:
    first = w.thread.first_post
    response = client.post(reverse("community:post_edit", args=[first.pk]), {"body": "Fremd überschrieben."})
    first.refresh_from_db()
    if first.body == "Fremd überschrieben.":
        return "ok"
    return classify(response)


def moderation_queue(w, client, user) -> str:
    response = client.get(reverse("community:moderation"))
    return "ok" if response.status_code == 200 else classify(response)


def moderate_hide(w, client, user) -> str:
    response = client.post(
        reverse("community:post_moderate", args=[w.target.pk]), {"op": "hide", "reason": "Verstoß gegen die Regeln"}
    )
    w.target.refresh_from_db()
    if w.target.is_hidden:
        return "ok"
    return classify(response)


def moderate_lock_pin(w, client, user) -> str:
    url = reverse("community:thread_moderate", args=[w.other_thread.pk])
    outcomes = {classify(client.post(url, {"op": op, "reason": "Test"})) for op in ("lock", "pin")}
    w.other_thread.refresh_from_db()
    if w.other_thread.is_locked and w.other_thread.is_pinned:
        return "ok"
    assert not w.other_thread.is_locked and not w.other_thread.is_pinned
    assert len(outcomes) == 1, outcomes
    return outcomes.pop()


def approve_proposal(w, client, user) -> str:
    page = w.proposal
    task_state = page.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, "approve", task_state.pk])
    response = client.post(url, {"comment": ""})
    page.refresh_from_db()
    if page.live:
        return "ok"
    assert page.current_workflow_state is not None and page.current_workflow_state.status == "in_progress"
    return classify(response)


def _export(w, client, fmt) -> str:
    before = AuditLogEntry.objects.count()
    response = client.get(reverse(f"campaigns:export_{fmt}", args=[w.campaign.slug]))
    if response.status_code == 200:
        content = response.content
        if fmt == "csv":
            assert SIGNER_NAME in content.decode("utf-8-sig")
        else:
            assert content.startswith(b"%PDF")
        assert AuditLogEntry.objects.count() == before + 1, "every export is in the audit log"
        return "ok"
    assert SIGNER_NAME.encode() not in response.content
    return classify(response)


def export_csv(w, client, user) -> str:
    return _export(w, client, "csv")


def export_pdf(w, client, user) -> str:
    return _export(w, client, "pdf")


def others_gdpr_export(w, client, user) -> str:
    """There is no URL that names a member: ids slipped into the query string are ignored."""
    victim = w.author
    response = client.get(
        reverse("accounts:data_export"), {"user": victim.pk, "user_id": victim.pk, "id": victim.pk, "email": VICTIM_EMAIL}
    )
    if response.status_code != 200:
        return classify(response)
    data = json.loads(response.content)
    text = response.content.decode()
    assert VICTIM_EMAIL not in text and "Anna Autorin" not in text
    if user is not None:
        assert user.email in text
    return "own" if data else "200-empty"


def organiser_dashboard(w, client, user) -> str:
    response = client.get(reverse("campaigns:dashboard", args=[w.campaign.slug]))
    return "ok" if response.status_code == 200 else classify(response)


def wagtail_admin(w, client, user) -> str:
    response = client.get("/cms/")
    return "ok" if response.status_code == 200 else classify(response)


# --- WebSocket actions ------------------------------------------------------------------------

WS_CLOSE = {4401: "login", 4403: "403", 4404: "404"}
WS_ERROR = {"login_required": "login", "forbidden": "403"}


async def _open(path: str, cookie: str | None):
    from hds_site.asgi import application

    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await comm.connect(timeout=5)
    assert connected, f"handshake refused for {path}"
    return comm


async def _next(comm, timeout: float = 5) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        output = await comm.receive_output(max(0.01, deadline - time.monotonic()))
        if output["type"] == "websocket.close":
            return {"type": "__closed__", "code": output.get("code")}
        event = json.loads(output["text"])
        if event["type"] not in ("viewers", "typing"):
            return event


async def _subscribe(path: str, cookie: str | None) -> tuple[str, WebsocketCommunicator | None]:
    comm = await _open(path, cookie)
    await comm.send_to(text_data=json.dumps({"type": "resume", "seq": 0}))
    while True:
        event = await _next(comm)
        if event["type"] == "__closed__":
            return WS_CLOSE.get(event["code"], f"closed {event['code']}"), None
        if event["type"] == "ready":
            return "ok", comm


def ws_subscribe(w, cookie) -> str:
    async def scenario():
        outcomes = set()
        for path in (f"/ws/community/threads/{w.thread.pk}/", f"/ws/community/categories/{w.category.pk}/"):
            outcome, comm = await _subscribe(path, cookie)
            outcomes.add(outcome)
            if comm is not None:
                await comm.disconnect()
        assert len(outcomes) == 1, f"thread and category sockets disagree: {outcomes}"
        return outcomes.pop()

    return async_to_sync(scenario)()


def ws_reply(w, cookie) -> str:
    body = "Eine Antwort über den WebSocket, die nur Berechtigte schreiben dürfen."

    async def scenario():
        outcome, comm = await _subscribe(f"/ws/community/threads/{w.thread.pk}/", cookie)
        if comm is None:
            return outcome
        await comm.send_to(text_data=json.dumps({"type": "reply", "body": body}))
        while True:
            event = await _next(comm)
            if event["type"] == "reply.saved":
                result = "ok"
                break
            if event["type"] == "error":
                result = WS_ERROR.get(event["code"], f"error {event['code']}")
                break
            assert event["type"] != "__closed__", event
        await comm.disconnect()
        return result

    outcome = async_to_sync(scenario)()
    created = Post.objects.filter(thread=w.thread, body=body).exists()
    assert created == (outcome == "ok")
    return outcome


HTTP_ACTIONS = {
    "read_members_only": read_members_only,
    "post_reply": post_reply,
    "edit_others_post": edit_others_post,
    "moderation_queue": moderation_queue,
    "moderate_hide": moderate_hide,
    "moderate_lock_pin": moderate_lock_pin,
    "approve_proposal": approve_proposal,
    "export_csv": export_csv,
    "export_pdf": export_pdf,
    "others_gdpr_export": others_gdpr_export,
    "organiser_dashboard": organiser_dashboard,
    "wagtail_admin": wagtail_admin,
}
WS_ACTIONS = {"ws_subscribe": ws_subscribe, "ws_reply": ws_reply}
assert set(HTTP_ACTIONS) | set(WS_ACTIONS) == set(MATRIX)
assert all(len(row) == len(ROLES) for row in MATRIX.values())


# transaction=True: the WebSocket stack (channels.db) closes the thread's connection around each
# query, which PostgreSQL cannot do inside the rollback-wrapped test transaction (as in tests/community/test_live.py)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_exactly_the_cells_of_the_matrix(world, role):
    user = world.users[role]
    client = client_for(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value if user is not None else None
    column = ROLES.index(role)
    got, wrong = {}, []
    for action in MATRIX:  # reads first, writes in an order where one does not block the next
        expected = MATRIX[action][column]
        before = fingerprint(world)
        if action in WS_ACTIONS:
            outcome = WS_ACTIONS[action](world, cookie)
        else:
            outcome = HTTP_ACTIONS[action](world, client, user)
        got[action] = outcome
        if outcome != expected:
            wrong.append(f"{action}: expected {expected}, got {outcome}")
        if expected not in ("ok",):
            assert fingerprint(world) == before, f"{role} / {action} ({outcome}) wrote to the database"
    assert not wrong, f"{role}: " + "; ".join(wrong)


# --- ids and tokens cannot be guessed into another person's data ---------------------------------


def _neighbour_tokens(token: str, salt: str, own_value, other_values) -> list[str]:
    """Forgeries an attacker can make from a valid token: other payloads under its signature,
    single-character changes, and the token cut short."""
    value_part, rest = token.split(":", 1)
    forged = []
    for other in other_values:
        other_token = signing.dumps(other, salt="not-the-salt", compress=True)
        forged.append(other_token.split(":", 1)[0] + ":" + rest)  # payload swapped, signature kept
        forged.append(signing.dumps(other, salt=salt, compress=True, key="guessed-secret-key"))
    for index in (0, len(value_part) - 1, len(token) - 1):
        char = token[index]
        forged.append(token[:index] + ("A" if char != "A" else "B") + token[index + 1:])
    forged.append(token[:-1])
    forged.append(token + "x")
    assert token not in forged
    return forged


@pytest.fixture
def signers(db):
    campaign = make_campaign(title="Gute Rente für alle", slug="rente")
    anna = confirmed_signature(campaign, email="anna@example.com", name="Anna Beispiel", updates_opt_in=True)
    neighbours = [
        pending_signature(campaign, email=f"nachbar{n}@example.com", name=f"Nachbar Nummer{n}", updates_opt_in=True)
        for n in range(3)
    ]
    return SimpleNamespace(campaign=campaign, anna=anna, neighbours=neighbours)


def _signature_state():
    return list(Signature.objects.order_by("pk").values_list("pk", "status", "updates_opt_in", "name", "email"))


@pytest.mark.parametrize(
    ("url_name", "salt", "make"),
    [
        ("campaigns:confirm", campaign_services.CONFIRM_SALT, campaign_services.confirm_token),
        ("campaigns:withdraw", campaign_services.WITHDRAW_SALT, campaign_services.withdraw_token),
        ("campaigns:unsubscribe", campaign_services.UNSUBSCRIBE_SALT, campaign_services.unsubscribe_token),
    ],
)
def test_signature_links_cannot_be_turned_into_a_neighbours(client, signers, url_name, salt, make):
    token = make(signers.anna)
    other_ids = [s.pk for s in signers.neighbours] + [signers.anna.pk - 1, signers.anna.pk + 1]
    forged = _neighbour_tokens(token, salt, signers.anna.pk, other_ids)
    # a valid token of another purpose does not open this one
    forged += [
        other(signers.anna)
        for other in (campaign_services.confirm_token, campaign_services.withdraw_token, campaign_services.unsubscribe_token)
        if other is not make
    ]
    before = _signature_state()
    for bad in forged:
        for response in (client.get(reverse(url_name, args=[bad])), client.post(reverse(url_name, args=[bad]))):
            assert response.status_code in (400, 404), (bad, response.status_code)
            text = response.content.decode()
            for neighbour in signers.neighbours:
                assert neighbour.name not in text and neighbour.email not in text
    assert _signature_state() == before, "a forged link changed a signature"
    # the genuine link still works (the test would prove nothing otherwise)
    assert client.get(reverse(url_name, args=[token])).status_code == 200


def test_the_data_request_link_shows_only_its_own_email(client, signers):
    token = campaign_services.data_request_token("anna@example.com")
    others = [n.email for n in signers.neighbours] + ["anna@example.co", "anna@example.comm"]
    for bad in _neighbour_tokens(token, campaign_services.DATA_REQUEST_SALT, "anna@example.com", others):
        response = client.get(reverse("campaigns:my_data", args=[bad]))
        assert response.status_code in (400, 404)
        text = response.content.decode()
        assert all(n.email not in text and n.name not in text for n in signers.neighbours)
    # a signature link is no data-request link
    response = client.get(reverse("campaigns:my_data", args=[campaign_services.withdraw_token(signers.anna)]))
    assert response.status_code == 400
    genuine = client.get(reverse("campaigns:my_data", args=[token]))
    assert genuine.status_code == 200 and "Gute Rente für alle" in genuine.content.decode()
    assert all(n.email not in genuine.content.decode() for n in signers.neighbours)


def test_notification_ids_of_others_are_not_found_and_stay_unread(client, settings):
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    owner, other = ForumMemberFactory(display_name="Nora Notiz"), ForumMemberFactory(display_name="Otto Anders")
    thread = forum_thread(author=owner, title="Geheimes Thema für Nora")
    mine = forum_services.notify(recipient=other, kind="mention", actor=owner, thread=thread)
    theirs = [forum_services.notify(recipient=owner, kind="mention", actor=other, thread=thread) for _ in range(3)]
    client.force_login(other)
    ids = {n.pk for n in theirs} | {mine.pk - 1, mine.pk + 1, mine.pk + 2}
    for pk in sorted(ids - {mine.pk}):
        assert client.get(reverse("community:notification_open", args=[pk])).status_code == 404
    assert not Notification.objects.filter(recipient=owner, read_at__isnull=False).exists()
    listing = client.get(reverse("community:notifications")).content.decode()
    assert all(reverse("community:notification_open", args=[n.pk]) not in listing for n in theirs)
    assert client.get(reverse("community:notification_open", args=[mine.pk])).status_code == 302


def test_forum_unsubscribe_tokens_cannot_reach_another_member(client):
    anna, bert = ForumMemberFactory(display_name="Anna Abo"), ForumMemberFactory(display_name="Bert Abo")
    thread = forum_thread(author=anna, title="Thema zum Abbestellen")
    forum_services.set_subscription(thread=thread, user=bert, level="watching")
    token = forum_tasks.unsubscribe_token(user_id=anna.pk, thread_id=thread.pk)
    payloads = [{"u": bert.pk, "t": thread.pk}, {"u": bert.pk, "t": None}, {"u": anna.pk + 1, "t": thread.pk}]
    state = lambda: (  # noqa: E731
        list(forum_services.email_mode(u) for u in (anna, bert)),
        sorted(map(repr, apps.get_model("community", "Subscription").objects.values_list("user_id", "thread_id", "level"))),
    )
    before = state()
    for bad in _neighbour_tokens(token, forum_tasks.UNSUBSCRIBE_SALT, None, payloads):
        assert client.get(reverse("community:unsubscribe", args=[bad])).status_code == 400
        response = client.post(reverse("community:unsubscribe", args=[bad]), {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400
    assert state() == before
    assert client.get(reverse("community:unsubscribe", args=[token])).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_drafts_proposals_and_hidden_posts_do_not_leak_by_id(client, settings):
    """Neighbouring page ids (Wagtail draft and preview views), the draft's slug, the API, the live
    socket, and ids of posts in a members-only area or awaiting moderation."""
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    from hds_site.content.services import ensure_editorial_setup

    campaign_index()
    ensure_editorial_setup()
    proposer, stranger = ForumMemberFactory(display_name="Paula Vorschlag"), ForumMemberFactory(display_name="Sven Fremd")
    secret = "Streng geheimer Kampagnenentwurf"
    page = campaign_services.propose_campaign(
        proposer=proposer, title=secret, demands="Forderung", addressee="Land", why="Begründung des Entwurfs.", goal=50
    )
    client.force_login(stranger)
    for pk in range(page.pk - 2, page.pk + 3):
        for url in (f"/cms/pages/{pk}/view_draft/", f"/cms/pages/{pk}/edit/", f"/cms/pages/{pk}/edit/preview/",
                    f"/cms/pages/{pk}/revisions/"):
            response = client.get(url)
            assert response.status_code in (302, 403, 404), (url, response.status_code)
            assert secret not in response.content.decode()
    assert client.get(page.url or f"/kampagnen/{page.slug}/").status_code == 404
    assert client.get(reverse("campaigns:dashboard", args=[page.slug])).status_code == 403
    assert client.get(reverse("campaigns_api_detail", args=[page.slug])).status_code == 404
    assert secret not in client.get(reverse("campaigns_api_list")).content.decode()

    async def socket():
        from hds_site.asgi import application

        comm = WebsocketCommunicator(application, f"/ws/campaigns/{page.slug}/", headers=[(b"origin", b"http://testserver")])
        return await comm.connect(timeout=5)

    assert async_to_sync(socket)() == (False, 4404), "the draft's live socket is refused like an unknown slug"

    # posts: in a members-only area, and one waiting for a moderator
    group = InterestGroup.objects.create(name="Geheimbund", slug="geheimbund")
    category = Category.objects.create(name="Intern", slug="intern-geheim", group=group, members_only=True)
    forum_services.join_group(group=group, user=proposer)
    thread = forum_thread(author=proposer, category=category, title="Internes Gruppenthema", body="Gruppeninterner Text")
    public = forum_thread(author=proposer, title="Öffentliches Thema", body="Öffentlich")
    settings.HDS_FORUM_PREMODERATION = {"enabled": True, "account_age": None, "until_first_approved_post": True}
    newcomer = ForumMemberFactory(display_name="Neu Ankömmling")
    pending = forum_services.post_reply(thread=public, author=newcomer, body="Wartet auf Freigabe: geheim")
    assert pending.status == Post.Status.PENDING
    hidden_texts = ["Gruppeninterner Text", "Wartet auf Freigabe: geheim", "Internes Gruppenthema"]
    for who in (None, stranger):
        viewer = client_for(who)
        for pk in range(thread.first_post.pk - 1, pending.pk + 2):
            for name in ("community:post_permalink", "community:post_history"):
                response = viewer.get(reverse(name, args=[pk]), follow=name.endswith("permalink"))
                text = response.content.decode()
                assert all(t not in text for t in hidden_texts), (who, name, pk)
        for pk in (thread.pk, thread.pk + 1):
            response = viewer.get(reverse("community:thread_redirect", args=[pk]), follow=True)
            assert "Gruppeninterner Text" not in response.content.decode()
