"""Dates, plurals and words in both UI languages (issue 12, point 12 b–d).

- dates follow the active language: "4. Dezember 2026" / "4 December 2026"
  (hds_site/formats/<lang>/formats.py through FORMAT_MODULE_PATH);
- a number meeting a noun goes through ngettext / ``blocktranslate count``: "1 bestätigte Unterschrift";
- no German source string is caught by a German catalogue of a library that uses it as an
  English msgid (Wagtail's "Tag" → "Schlagwort" headed the dashboard's day column).
"""

from __future__ import annotations

import datetime
import gettext as gettext_module
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tests import factories

BASE_DIR = Path(__file__).resolve().parent.parent
MO_FILE = BASE_DIR / "hds_site" / "locale" / "en" / "LC_MESSAGES" / "django.mo"
DAY = datetime.datetime(2026, 12, 4, 17, 30, tzinfo=datetime.UTC)  # a Friday, 18:30 in Berlin


def _render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load hds_meta %}" + source).render(Context(context)).strip()


@pytest.mark.parametrize(
    ("source", "de", "en"),
    [
        ('{{ d|date:"DATE_FORMAT" }}', "4. Dezember 2026", "4 December 2026"),
        ('{{ d|date:"DATETIME_FORMAT" }}', "4. Dezember 2026, 18:30", "4 December 2026, 18:30"),
        ('{{ d|date:"SHORT_DATE_FORMAT" }}', "4.12.2026", "4 Dec 2026"),
        ('{{ d|date:"YEAR_MONTH_FORMAT" }}', "Dezember 2026", "December 2026"),
        ('{{ d|ldate:"MEDIUM_DATE_FORMAT" }}', "4. Dez 2026", "4 Dec 2026"),
        ('{{ d|ldate:"WEEKDAY_DATE_FORMAT" }}', "Fr, 4. Dez 2026", "Fri, 4 Dec 2026"),
        ('{{ d|ldate:"DAY_TIME_FORMAT" }}', "4. Dez, 18:30", "4 Dec, 18:30"),
    ],
)
def test_dates_follow_the_ui_language(source, de, en):
    assert _render(source, "de", d=DAY) == de
    assert _render(source, "en", d=DAY) == en


@pytest.mark.django_db
def test_article_and_thread_dates_in_both_languages(client, settings):
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    article = factories.content_article(title="Künstlersozialkasse", slug="ksk", publication_date=datetime.date(2026, 12, 4))
    german = client.get(article.url).content.decode()
    english = client.get("/en" + article.url).content.decode()
    assert "4. Dezember 2026" in german
    assert "4 December 2026" in english and "4. Dec" not in english and "Dezember" not in english


@pytest.mark.django_db
@pytest.mark.parametrize(("prefix", "header", "day"), [("", "Tag", r"\w\w, \d{1,2}\. \w{3} \d{4}"), ("/en", "Day", r"\w{3}, \d{1,2} \w{3} \d{4}")])
def test_dashboard_day_column(client, settings, prefix, header, day):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    organiser = factories.ForumMemberFactory()
    campaign = factories.make_campaign(title="Faire Beiträge", slug="faire-beitraege", organisers=[organiser])
    factories.confirmed_signature(campaign, email="fan@example.com")
    client.force_login(organiser)
    html = client.get(prefix + reverse("campaigns:dashboard", args=[campaign.slug])).content.decode()
    section = html[html.index('id="days-heading"'):]
    section = section[: section.index("</table>")]
    assert f'<th scope="col">{header}</th>' in section
    assert "Schlagwort" not in html
    assert re.search(rf"<td>{day}</td>", section), section


def test_no_german_source_string_is_translated_away_in_german():
    """Each msgid of our catalogue stays itself in the German UI (no library catalogue claims it)."""
    from django.utils.translation import gettext, pgettext

    allowed = {"English": "Englisch", "Download": "Herunterladen"}  # a language's name; a StreamField block label
    catalogue = gettext_module.GNUTranslations(MO_FILE.open("rb"))._catalog
    changed = {}
    with translation.override("de"):
        for key in catalogue:
            if isinstance(key, tuple) or not key:
                continue  # plural forms: their singular key is checked as well
            context, _sep, msgid = key.rpartition("\x04")
            german = pgettext(context, msgid) if context else gettext(msgid)
            if german != msgid and allowed.get(msgid) != german:
                changed[msgid] = german
    assert not changed, changed


@pytest.mark.parametrize(
    ("template", "context", "de", "en"),
    [
        ("campaigns/includes/progress.html", {"goal": 1, "count": 0, "percent": 0}, "von 1 Unterschrift<", "of 1 signature<"),
        ("campaigns/includes/progress.html", {"goal": 1000, "count": 0, "percent": 0}, "von 1.000 Unterschriften", "of 1,000 signatures"),
    ],
)
def test_plural_by_count(template, context, de, en):
    with translation.override("de"):
        assert de in " ".join(render_to_string(template, context).split()).replace(" <", "<")
    with translation.override("en"):
        assert en in " ".join(render_to_string(template, context).split()).replace(" <", "<")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("prefix", "one"),
    [("", "hat jetzt 1 bestätigte Unterschrift."), ("/en", "now has 1 confirmed signature.")],
)
def test_confirm_page_says_one_signature(client, settings, prefix, one):
    from campaigns import services

    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    campaign = factories.make_campaign(title="Faire Beiträge", slug="faire-beitraege")
    signature = factories.pending_signature(campaign, email="eins@example.com")
    token = services.confirm_token(signature)
    html = client.post(prefix + reverse("campaigns:confirm", args=[token])).content.decode()
    assert one in html, html[:2000]


def _templates():
    roots = [BASE_DIR / name for name in ("hds_site", "community", "campaigns", "search")]
    for root in roots:
        for pattern in ("templates/**/*.html", "templates/**/*.txt"):
            yield from root.rglob(pattern)


NOUNS = r"(Unterschriften|Sekunden|Minuten|Stunden|Tage|Beiträge|Antworten|Mitglieder|Themen|Treffer|Empfänger:innen|Personen|Meldungen)"


def test_no_number_meets_a_noun_without_a_plural_form():
    """The class of the defect: ``{{ n }} Unterschriften`` inside a blocktranslate without ``count``."""
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for block in re.finditer(r"\{% blocktranslate(?P<args>[^%]*)%\}(?P<body>.*?)\{% endblocktranslate %\}", text, re.S):
            if " count " in f" {block.group('args')} ":
                continue
            if re.search(r"\{\{ ?\w+ ?\}\} " + NOUNS + r"\b", block.group("body")):
                offenders.append(f"{path.relative_to(BASE_DIR)}: {block.group(0)[:120]}")
    assert not offenders, "\n".join(offenders)
