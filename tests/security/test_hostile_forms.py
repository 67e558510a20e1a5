"""Hostile input through every public form and query parameter.

Properties (hypothesis, bounded and deterministic, see tests/security/hostile.py):

* never a 5xx, whatever is posted: random text, huge strings, NUL and other
  control characters, RTL overrides, combining marks, emoji, wrong types
  (lists for scalars, text for numbers and choices), missing fields, raw
  bodies that are not valid UTF-8 or not valid multipart;
* an invalid form answers 200/400 (429 when rate-limited) with the form
  re-rendered: each field error stands in the element tied to its control
  (``id="<control id>_error"``/``-error``), and what was typed into the other
  text fields is still there (data not lost).

Real components: the project's URLs, views, forms and services through
Django's test client, on SQLite here and PostgreSQL under DATABASE_URL (where
NUL in a query is a classic 500).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from community import services as forum
from community.models import Category, InterestGroup, Membership, Thread
from tests.factories import UserFactory, campaign_index, make_campaign

from .hostile import UNICODE_EDGES, any_text, hostile_settings, hostile_text

pytestmark = pytest.mark.django_db

ERROR_STATUSES = {200, 400, 429}


# --- the world ------------------------------------------------------------------------


@pytest.fixture
def world(settings):
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    settings.HDS_FORUM_RATE_LIMITS = {"per_minute": 0, "per_day_new_member": 0, "duplicate_window": None}
    settings.ACCOUNT_RATE_LIMITS = False
    settings.CAMPAIGNS_RATE_LIMIT_IP = (100_000, 600)
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (100_000, 600)
    member = UserFactory(display_name="Frieda Formtest", is_public=True)
    other = UserFactory(display_name="Otto Anderer", is_public=True)
    category = Category.objects.create(name="Formtest", slug="formtest")
    thread = forum.create_thread(category=category, author=other, title="Wie robust sind Formulare?",
                                 body="Erster Beitrag.", kind=Thread.Kind.QUESTION)
    group = InterestGroup.objects.create(name="Formtest-Gruppe", slug="formtest-gruppe", description="Eine Gruppe.")
    Membership.objects.create(group=group, user=other, role=Membership.Role.ADMIN, status=Membership.Status.ACTIVE)
    campaign_index()
    campaign = make_campaign(title="Formtest-Kampagne", slug="formtest-kampagne")
    anonymous = Client()
    logged_in = Client()
    logged_in.force_login(member)
    return {"member": member, "other": other, "category": category, "thread": thread, "post": thread.first_post,
            "group": group, "campaign": campaign, "anon": anonymous, "client": logged_in}


# --- the properties ---------------------------------------------------------------------


def _no_server_error(response, sent) -> None:
    assert response.status_code < 500, f"{response.status_code} for {sent!r:.500}"


def _form_of(response, name: str = "form"):
    for context in response.context or []:
        if name in context:
            return context[name]
    return None


def _text(node) -> str:
    return re.sub(r"\s+", " ", node.get_text(" ")).strip()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _plain(value) -> bool:
    """Text that survives an HTML round trip unchanged (HTML parsers drop or replace these)."""
    return isinstance(value, str) and not re.search(r"[\x00-\x08\x0b-\x1f\x7f\r\ufeff]|[\x80-\x9f]", value)


def _assert_form_answer(response, sent: dict, *, form_name: str = "form", keep: tuple[str, ...] = ()) -> None:
    """An invalid form: re-rendered, each error next to its control, typed text kept."""
    _no_server_error(response, sent)
    form = _form_of(response, form_name)
    if form is None or not form.is_bound or not form.errors:
        return  # valid (redirect or thanks page) or not a form answer
    assert response.status_code in ERROR_STATUSES, f"{response.status_code} for an invalid form"
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    page_text = _text(soup)
    for field, errors in form.errors.items():
        if field == "__all__" or field not in form.fields or form[field].is_hidden:
            for message in errors:
                assert _norm(str(message)) in page_text, f"form error {message!r} not shown"
            continue
        auto_id = form[field].auto_id
        box = soup.find(id=f"{auto_id}_error") or soup.find(id=f"{auto_id}-error")
        assert box is not None, f"no error element next to {field} ({errors})"
        for message in errors:
            assert _norm(str(message)) in _text(box), f"{message!r} not next to {field}"
        control = soup.find(id=auto_id) or soup.find(id=f"{auto_id}_0")
        assert control is not None, f"the control of {field} is gone"
    for field in keep:
        value = sent.get(field)
        if field in form.errors or not _plain(value) or field not in form.fields:
            continue
        control = soup.find(attrs={"name": form.add_prefix(field)})
        assert control is not None, f"{field} is not re-rendered"
        shown = control.get_text() if control.name == "textarea" else control.get("value", "")
        assert shown.strip() == value.strip(), f"{field}: typed {value!r:.200}, shown {shown!r:.200}"


def _values(strategy=any_text):
    """A field value: text, a list of texts (several values for one name), or absent."""
    return st.one_of(strategy, st.lists(hostile_text, min_size=2, max_size=3), st.just(None))


def _post_data(**fields):
    """fixed_dictionaries of possibly-missing fields (None = not sent)."""
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not None})


# --- accounts: sign-up, login, profile ----------------------------------------------------------


@hostile_settings(max_examples=30)
@given(data=_post_data(email=_values(), display_name=_values(), password1=_values(), password2=_values()))
@example(data={"email": "a\x00@example.com", "display_name": "Nul\x00Name", "password1": "x", "password2": "y"})
@example(data={"email": "neu@example.com", "display_name": "Neu Mitglied", "password1": "kurz", "password2": "kurz"})
def test_signup(world, data):
    response = world["anon"].post(reverse("account_signup"), data)
    _assert_form_answer(response, data, keep=("email", "display_name"))


@hostile_settings(max_examples=30)
@given(data=_post_data(login=_values(), password=_values(), remember=_values()))
def test_login(world, data):
    response = Client().post(reverse("account_login"), data)
    _assert_form_answer(response, data, keep=("login",))


@hostile_settings(max_examples=30)
@given(data=_post_data(display_name=_values(), profession=_values(), bundesland=_values(), bio=_values(),
                       is_public=_values()))
@example(data={"display_name": "Frieda Formtest", "bio": "x" * 501, "profession": "Grafik\u202edesign"})
def test_profile(world, data):
    response = world["client"].post(reverse("accounts:profile_edit"), data)
    _assert_form_answer(response, data, keep=("profession", "bio", "display_name"))


# --- forum ----------------------------------------------------------------------------------------


@hostile_settings(max_examples=30)
@given(data=_post_data(title=_values(), kind=_values(st.sampled_from(["discussion", "question", "poll", ""]) | hostile_text),
                       body=_values()))
@example(data={"title": "Ein guter Titel", "kind": "discussion", "body": "x"})
@example(data={"title": "Titel mit \x00", "kind": "question", "body": "Genug Text hier."})
@example(data={"title": "\u202e\u202e\u202e\u202e\u202e", "kind": "discussion", "body": "e\u0301" * 30})
def test_thread_create(world, data):
    url = reverse("community:thread_create", args=[world["category"].slug])
    response = world["client"].post(url, data)
    _assert_form_answer(response, data, keep=("title", "body"))


@hostile_settings(max_examples=30)
@given(data=_post_data(body=_values(), reply_to=_values(st.integers().map(str) | hostile_text)))
@example(data={"body": "Antwort", "reply_to": "²"})
@example(data={"body": "Antwort", "reply_to": "99999999999999999999999"})
@example(data={"body": "x" * 20_001})
def test_reply(world, data):
    response = world["client"].post(reverse("community:thread_reply", args=[world["thread"].pk]), data)
    _assert_form_answer(response, data, keep=("body",))


@hostile_settings(max_examples=30)
@given(query=st.fixed_dictionaries({"reply_to": hostile_text, "quote": hostile_text}))
@example(query={"reply_to": "²", "quote": "1"})
def test_reply_page_query(world, query):
    response = world["client"].get(reverse("community:thread_reply", args=[world["thread"].pk]), query)
    _no_server_error(response, query)


@hostile_settings(max_examples=30)
@given(data=_post_data(reason=_values(st.sampled_from(["spam", "abuse", "other", ""]) | hostile_text), text=_values()))
def test_report(world, data):
    response = world["client"].post(reverse("community:post_report", args=[world["post"].pk]), data)
    _assert_form_answer(response, data, keep=("text",))


@hostile_settings(max_examples=30)
@given(data=_post_data(body=_values()))
def test_post_edit(world, data):
    post = forum.post_reply(thread=world["thread"], author=world["member"], body="Mein Beitrag zum Bearbeiten.")
    response = world["client"].post(reverse("community:post_edit", args=[post.pk]), data)
    _assert_form_answer(response, data, keep=("body",))


@hostile_settings(max_examples=30)
@given(value=_values(), action=st.sampled_from(["react", "subscribe", "email", "join", "leave", "decide", "accept"]))
def test_small_forum_actions(world, value, action):
    """Buttons that post one value (reaction kind, watch level, email mode, group decisions)."""
    c, thread, post, group = world["client"], world["thread"], world["post"], world["group"]
    if action == "react":
        response = c.post(reverse("community:post_react", args=[post.pk]), {"kind": value} if value is not None else {})
    elif action == "subscribe":
        response = c.post(reverse("community:thread_subscription", args=[thread.pk]), {"level": value or ""})
    elif action == "email":
        response = c.post(reverse("community:email_settings"), {"email_mode": value or ""})
    elif action == "join":
        response = c.post(reverse("community:group_join", args=[group.slug]), {"x": value or ""})
    elif action == "leave":
        response = c.post(reverse("community:group_leave", args=[group.slug]), {"x": value or ""})
    elif action == "decide":
        admin = Client()
        admin.force_login(world["other"])
        pending = Membership.objects.filter(group=group).exclude(user=world["other"]).first()
        pk = pending.pk if pending else 999_999
        response = admin.post(reverse("community:group_decide", args=[group.slug, pk]), {"decision": value or ""})
    else:
        response = c.post(reverse("community:post_accept", args=[post.pk]), {"clear": value or ""})
    _no_server_error(response, (action, value))


@hostile_settings(max_examples=30)
@given(page=hostile_text, slug=st.sampled_from(["formtest", "gibt-es-nicht"]))
@example(page="99999999999999999999999", slug="formtest")
@example(page="-1", slug="formtest")
def test_forum_pages_with_hostile_query_parameters(world, page, slug):
    for url in (reverse("community:index"), reverse("community:category_detail", args=[slug]),
                world["thread"].get_absolute_url(), reverse("community:group_list")):
        response = world["client"].get(url, {"page": page})
        _no_server_error(response, (url, page))


# --- campaigns ------------------------------------------------------------------------------------


@hostile_settings(max_examples=50)
@given(data=_post_data(
    name=_values(), email=_values(st.emails() | hostile_text),
    country=_values(st.sampled_from(["DE", "AT", "CH", "LU", "ZZ", "XX", ""]) | hostile_text),
    postcode=_values(st.from_regex(r"\A\d{5}\Z") | hostile_text), consent=_values(st.sampled_from(["on", ""]) | hostile_text),
    consent_version=_values(), updates_opt_in=_values(), show_name=_values(), website=_values(),
))
@example(data={"name": "Anna \x00 Beispiel", "email": "anna@example.com", "country": "DE", "postcode": "10115",
               "consent": "on", "consent_version": "1"})
@example(data={"name": "Anna Beispiel", "email": "anna@example.com", "country": "DE", "postcode": "１０１１５",
               "consent": "on", "consent_version": "1"})
@example(data={"name": "Anna Beispiel", "email": "anna@exämple.com", "country": "DE", "postcode": "10115"})
def test_sign(world, data):
    url = reverse("campaigns:sign", args=[world["campaign"].pk])
    response = world["anon"].post(url, data)
    _assert_form_answer(response, data, keep=("name", "email"))


@hostile_settings(max_examples=50)
@given(data=_post_data(title=_values(), demands=_values(), addressee=_values(), why=_values(),
                       goal=_values(st.integers().map(str) | hostile_text), thread=_values(st.integers().map(str) | hostile_text)))
@example(data={"title": "T", "thread": "²"})
@example(data={"title": "T", "thread": "٣"})
@example(data={"title": "T", "goal": "1e6", "thread": "99999999999999999999999"})
def test_propose(world, data):
    response = world["client"].post(reverse("campaigns:propose"), data)
    _assert_form_answer(response, data, keep=("title", "demands", "addressee", "why"))
    response = world["client"].get(reverse("campaigns:propose"), {"thread": data.get("thread") or ""})
    _no_server_error(response, data)


@hostile_settings(max_examples=30)
@given(data=_post_data(email=_values(st.emails() | hostile_text)))
def test_data_request(world, data):
    response = world["anon"].post(reverse("campaigns:data_request"), data)
    _assert_form_answer(response, data)


@hostile_settings(max_examples=30)
@given(token=hostile_text.filter(lambda t: t.strip() and "/" not in t))
@example(token="\x00")
@example(token="a" * 5000)
def test_token_pages(world, token):
    """Confirm, withdraw, unsubscribe and data links with made-up tokens: a clear 400, never a 500."""
    for name in ("campaigns:confirm", "campaigns:withdraw", "campaigns:unsubscribe", "campaigns:my_data"):
        url = reverse(name, args=["T"]).replace("/T/", "/" + quote(token, safe="") + "/")
        for method in ("get", "post"):
            if name == "campaigns:my_data" and method == "post":
                continue
            response = getattr(world["anon"], method)(url)
            _no_server_error(response, (name, method, token))
    response = world["anon"].get(f"/forum/abmelden/{quote(token, safe='')}/")
    _no_server_error(response, token)


# --- finder, search, language, member profiles ---------------------------------------------------------


@hostile_settings(max_examples=50)
@given(query=_post_data(plz=_values(), bundesland=_values(), thema=_values()))
@example(query={"plz": "\x00", "thema": "\x00"})
@example(query={"plz": "１０１１５"})
@example(query={"thema": "a\x00b", "bundesland": "DE-BY"})
def test_finder(world, query):
    response = world["anon"].get(reverse("finder"), query)
    _assert_form_answer(response, query, keep=())


@hostile_settings(max_examples=30)
@given(query=_post_data(q=_values(), type=_values(), topic=_values(st.integers().map(str) | hostile_text), page=_values()))
@example(query={"q": "\x00"})
@example(query={"q": "Tages\x00satz", "type": "post"})
@example(query={"q": "a" * 10_000, "page": "99999999999999999999"})
@example(query={"q": "<mark>", "topic": "99999999999999999999999"})
@example(query={"q": "\"'\\%_*?~^()[]{}:!-+&|/"})
def test_search(world, query):
    response = world["client"].get(reverse("search"), query)
    _no_server_error(response, query)
    response = world["anon"].get(reverse("search_suggest"), {"q": query.get("q") or ""})
    _no_server_error(response, query)


@hostile_settings(max_examples=30)
@given(data=_post_data(language=_values(st.sampled_from(["de", "en", "fr", ""]) | hostile_text), next=_values()))
@example(data={"language": "en", "next": "javascript:alert(1)"})
@example(data={"language": "en", "next": "//evil.example/"})
@example(data={"language": "de\x00", "next": "/\x00"})
def test_language_switch(world, data):
    response = world["anon"].post(reverse("set_language"), data)
    _no_server_error(response, data)
    if response.status_code in (301, 302):
        target = urlsplit(response["Location"])
        assert not target.scheme and not target.netloc, f"open redirect to {response['Location']}"


@hostile_settings(max_examples=30)
@given(name=hostile_text.filter(lambda t: t.strip() and "/" not in t))
@example(name="\x00")
@example(name="Frieda\x00Formtest")
def test_member_profile_urls(world, name):
    response = world["anon"].get(f"/konto/mitglieder/{quote(name, safe='')}/")
    _no_server_error(response, name)


# --- raw bodies ----------------------------------------------------------------------------------


RAW_BODIES = [
    b"\xff\xfe\x00\x00",
    b"title=%ED%A0%80&body=%ED%A0%80%ED%A0%80",  # lone surrogates, percent-encoded
    b"title=%C0%AF&body=%F5%80%80%80",  # overlong / out-of-range UTF-8
    b"=&&&==&a=%&b=%zz",
    b"a" * 10_000,
    b"title[]=1&title[]=2&body[x]=y",
]


@pytest.mark.parametrize("content_type", [
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=XYZ", "multipart/form-data",
    "application/json", "text/plain; charset=utf-16",
])
def test_raw_bodies(world, content_type):
    urls = [
        reverse("community:thread_create", args=[world["category"].slug]),
        reverse("community:thread_reply", args=[world["thread"].pk]),
        reverse("accounts:profile_edit"),
        reverse("campaigns:propose"),
        reverse("campaigns:sign", args=[world["campaign"].pk]),
        reverse("campaigns:data_request"),
        reverse("account_signup"),
        reverse("account_login"),
    ]
    for url in urls:
        for body in RAW_BODIES:
            response = world["client"].generic("POST", url, body, content_type=content_type)
            _no_server_error(response, (url, content_type, body[:40]))


def test_unicode_edge_cases_are_kept_when_the_form_comes_back(world):
    """Each edge case typed into the title survives a re-render caused by another field."""
    url = reverse("community:thread_create", args=[world["category"].slug])
    for text in UNICODE_EDGES:
        if not _plain(text) or len(text.strip()) < 5:
            continue
        data = {"title": text, "kind": "discussion", "body": ""}
        response = world["client"].post(url, data)
        assert response.status_code in (200, 400)
        _assert_form_answer(response, data, keep=("title",))
        assert _form_of(response).errors.get("body")
