"""Everything we hand out to be pasted or opened elsewhere cannot be turned against the place it goes to.

Issue 12, point 2: the embed snippet (HTML pasted into other sites), the share
links (URLs), the mails (plain text: no HTML escaping, no line breaks in the
subject), the CSV export (no spreadsheet formulas) and the PDF export.
The browser half (the snippet pasted into a real page) is tests/browser/test_embed_snippet.py.
"""

from __future__ import annotations

import csv
import html
import io
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from campaigns import selectors
from campaigns.text import spreadsheet_safe
from tests.factories import confirmed_signature, make_campaign, pending_signature

pytestmark = pytest.mark.django_db

HOSTILE_TITLES = [
    'Embed" onload="alert(document.domain)" x="',
    "Embed' onload='alert(1)' x='",
    'Embed"><script>alert(1)</script><iframe x="',
    "Embed </textarea><script>alert(1)</script>",
    "Rente & Co &quot; &amp;quot; &#34;",
    'Zeile\neins" onload="alert(1)\r\nzwei\tdrei',
    "Embed <img src=x onerror=alert(1)>",
]


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def parse(snippet: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(snippet)
    parser.close()
    return parser.tags


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_embed_snippet_keeps_every_field_inside_its_attribute(index, title):
    page = make_campaign(title=title, slug="embed-test")
    snippet = selectors.embed_code(page, "https://example.org/kampagnen/embed-test/embed/")
    tags = parse(snippet)
    assert [tag for tag, _attrs in tags] == ["iframe"], snippet
    attrs = tags[0][1]
    assert set(attrs) == {"src", "title", "width", "height", "loading"}, snippet
    assert attrs["title"] == " ".join(title.split())
    assert attrs["src"] == "https://example.org/kampagnen/embed-test/embed/"
    assert "\n" not in snippet and "\r" not in snippet


@pytest.mark.parametrize("title", HOSTILE_TITLES[:3])
def test_the_page_shows_the_snippet_escaped_once_more_for_its_textarea(client, index, title):
    page = make_campaign(title=title, slug="embed-page")
    content = client.get(page.url).content.decode()
    start = content.index('<textarea id="embed-code"')
    start = content.index(">", start) + 1
    raw = content[start:content.index("</textarea>", start)]
    assert "<" not in raw and '"' not in raw.replace("&quot;", ""), raw  # nothing of it is markup on our page
    pasted = html.unescape(raw)  # what a person copies out of the textarea
    assert pasted == selectors.embed_code(page, f"http://testserver{page.url}embed/")
    tags = parse(pasted)
    assert [tag for tag, _attrs in tags] == ["iframe"]
    assert set(tags[0][1]) == {"src", "title", "width", "height", "loading"}


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_share_links_encode_every_parameter(index, title):
    page = make_campaign(title=title, slug="teilen")
    url = "https://example.org/kampagnen/teilen/?a=1&b=2#x"
    for link in selectors.share_links(page, url):
        href = link["href"]
        assert not any(ch in href for ch in "\"'<> \n\r\t"), href
        query = parse_qs(urlsplit(href).query, keep_blank_values=True)
        assert urlsplit(href).fragment == "", "a # in a title must not cut the link"
        for values in query.values():
            assert len(values) == 1
        if href.startswith("mailto:"):
            assert query["subject"] == [title] and url in query["body"][0] and title in query["body"][0]
        elif "linkedin" in href:
            assert query == {"url": [url]}
        else:
            assert query["text"][0].startswith(title) and query["text"][0].endswith(url)


def test_mail_subjects_and_bodies_are_plain_text(index, commit, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    title = 'Rente & "Co" <jetzt>\r\nBcc: opfer@example.com'
    page = make_campaign(title=title, slug="mail-test")
    mail.outbox.clear()
    with commit():
        pending_signature(page, email="klartext@example.com", name="Klara <b>Text</b> & Co")
    messages = [m for m in mail.outbox if m.to == ["klartext@example.com"]]
    assert len(messages) == 1
    message = messages[0]
    assert "\n" not in message.subject and "\r" not in message.subject
    assert 'Rente & "Co" <jetzt> Bcc: opfer@example.com' in message.subject
    assert "&amp;" not in message.subject and "&quot;" not in message.subject and "&lt;" not in message.subject
    assert "&amp;" not in message.body and "&lt;" not in message.body
    assert message.bcc == [] and "opfer@example.com" not in message.message()["To"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
        ("+49 30 1234", "'+49 30 1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Anna Beispiel", "Anna Beispiel"),
        ("Müller-Lüdenscheidt", "Müller-Lüdenscheidt"),
        ("", ""),
        (None, ""),
        (10115, "10115"),
    ],
)
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected


FORMULA_NAMES = ['=cmd|" /C calc"!A0', "+SUM(1,2)", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.fixture
def formula_campaign(campaign, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    for n, name in enumerate(FORMULA_NAMES):
        confirmed_signature(campaign, email=f"formel{n}@example.com", name=name, postcode="10115")
    confirmed_signature(campaign, email="normal@example.com", name="Norma Normal", postcode="80331")
    return campaign


def test_csv_export_has_no_cell_that_starts_a_formula(client, formula_campaign, organiser):
    client.force_login(organiser)
    response = client.get(reverse("campaigns:export_csv", args=[formula_campaign.slug]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], rows
    names = {row[0] for row in rows[1:]}
    stored = set(formula_campaign.signatures.values_list("name", flat=True))
    # the names are all there, each exactly as signed behind the one quote
    assert "Norma Normal" in names
    for name in stored - {"Norma Normal"}:
        assert ("'" + name) in names


def test_every_csv_the_project_writes_goes_through_the_formula_guard():
    """A new ``csv.writer`` anywhere in the project must wrap its rows (``spreadsheet_row``/``spreadsheet_safe``)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    skip = {".venv", "node_modules", "tests", "bench", ".git"}
    tops = [p for p in root.iterdir() if p.is_dir() and not p.is_symlink() and p.name not in skip]
    for path in [*root.glob("*.py"), *(f for top in tops for f in top.rglob("*.py"))]:
        parts = path.relative_to(root).parts
        if "migrations" in parts:
            continue
        text = path.read_text(encoding="utf-8")
        if ("csv.writer" in text or "csv.DictWriter" in text) and "spreadsheet_" not in text:
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_pdf_export_prints_hostile_names_as_text(client, formula_campaign, organiser):
    from tests.campaigns.test_dashboard import _pdf_text

    confirmed_signature(
        formula_campaign, email="pdf@example.com", name="(Klammer) \\Backslash <b>fett</b> 💶 \x0b", postcode="20095"
    )
    client.force_login(organiser)
    response = client.get(reverse("campaigns:export_pdf", args=[formula_campaign.slug]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert "(Klammer) \\Backslash <b>fett</b>" in text
    assert "Norma Normal" in text


def test_wagtail_admin_csv_exports_carry_no_formula_from_a_proposal_title(client, index, editor):
    """Member-typed proposal titles reach Wagtail's own CSV exports (site history, workflow report)."""
    from campaigns import services
    from tests.factories import UserFactory

    proposer = UserFactory(email="formel@example.com", display_name="Fritz Formel")
    title = '=HYPERLINK("http://evil.example","klick")'
    services.propose_campaign(proposer=proposer, title=title, demands="x", addressee="y", why="z", goal=100)
    client.force_login(editor)
    for url in ("/cms/reports/site-history/?export=csv", "/cms/reports/workflow/?export=csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        content = b"".join(response.streaming_content) if response.streaming else response.content
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
        cells = [cell for row in rows for cell in row]
        assert any("HYPERLINK" in cell for cell in cells), (url, rows[:5])
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], (url, rows)
