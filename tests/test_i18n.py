"""The English UI: a complete, compiled catalogue; `lang` right on every page.

German is the source language (msgids are German) and the default at `/`;
English lives under `/en/`. German editorial pages shown inside the English UI
carry `lang="de"` on their content.
"""

import ast
import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests import factories
from tests.conftest import require

REPO = Path(settings.BASE_DIR)
CATALOGUE_DIR = REPO / "hds_site" / "locale"
PO = CATALOGUE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
MAKEMESSAGES_IGNORES = [".venv/*", "node_modules/*", "bench/*", "var/*", "tests/*"]


# --- a tiny .po reader (the standard library reads only compiled .mo files) --------------------


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (str or {n: str}), flags; obsolete ones dropped."""
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and "msgid" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            continue
        if not line:
            finish()
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set(), "msgctxt": None, "msgid_plural": None, "msgstr": None}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(field, tuple):
                entry["msgstr"][field[1]] += value
            else:
                entry[field] += value
            continue
        keyword, _, rest = line.partition(" ")
        value = ast.literal_eval(rest)
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            if not isinstance(entry["msgstr"], dict):
                entry["msgstr"] = {}
            field = ("msgstr", int(match.group(1)))
            entry["msgstr"][field[1]] = value
        else:
            field = keyword
            entry[field] = value
    finish()
    return entries


def _is_header(entry: dict) -> bool:
    return entry["msgid"] == "" and entry["msgctxt"] is None


def _key(entry: dict) -> tuple[str | None, str]:
    return entry["msgctxt"], entry["msgid"]


def _untranslated(entry: dict) -> bool:
    msgstr = entry["msgstr"]
    if isinstance(msgstr, dict):
        return entry["msgid_plural"] is None or sorted(msgstr) != [0, 1] or not all(msgstr.values())
    return not msgstr


# --- (a) the committed catalogue is complete and compiled ---------------------------------------


def test_catalogue_header_has_english_plural_forms():
    header = next(entry for entry in read_po(PO) if _is_header(entry))
    assert "fuzzy" not in header["flags"]
    assert "Language: en\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]


def test_catalogue_has_no_empty_or_fuzzy_entries():
    entries = [entry for entry in read_po(PO) if not _is_header(entry)]
    assert len(entries) > 500
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    empty = [entry["msgid"] for entry in entries if _untranslated(entry)]
    assert not fuzzy, f"fuzzy entries: {fuzzy[:10]}"
    assert not empty, f"untranslated entries: {empty[:10]}"


def test_placeholders_survive_translation():
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd%]|\{\w*\}|</?[a-z]+[^>]*>")
    wrong = []
    for entry in read_po(PO):
        if _is_header(entry):
            continue
        if isinstance(entry["msgstr"], dict):
            pairs = [(entry["msgid_plural"], entry["msgstr"][1])]
            # the singular may drop the number ("one signature"), but must not invent placeholders
            if not set(placeholder.findall(entry["msgstr"][0])) <= set(placeholder.findall(entry["msgid"])):
                wrong.append(entry["msgid"])
        else:
            pairs = [(entry["msgid"], entry["msgstr"])]
        for source, translation in pairs:
            if sorted(placeholder.findall(source)) != sorted(placeholder.findall(translation)):
                wrong.append(source)
    assert not wrong, wrong[:10]


def test_compiled_catalogue_matches_the_po_file():
    """The committed .mo (used by `make run` without a compile step) is up to date with the .po."""
    assert MO.exists(), "run: python manage.py compilemessages and commit django.mo"
    with MO.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    stale = []
    for entry in read_po(PO):
        if _is_header(entry):
            continue
        msgid = entry["msgid"] if entry["msgctxt"] is None else f"{entry['msgctxt']}\x04{entry['msgid']}"
        if isinstance(entry["msgstr"], dict):
            if any(catalog.get((msgid, n)) != text for n, text in entry["msgstr"].items()):
                stale.append(entry["msgid"])
        elif catalog.get(msgid) != entry["msgstr"]:
            stale.append(entry["msgid"])
    assert not stale, f"django.mo is older than django.po (recompile): {stale[:5]}"


# --- (b) every string in the code has an English translation --------------------------------


def _copy_sources(target: Path) -> None:
    """The sources makemessages reads, without any catalogue.

    makemessages treats every directory named ``locale`` under the working
    directory as the home of the files beside it, so run on the repository it
    would rewrite the committed catalogue: extract from a copy instead.
    """
    skip = shutil.ignore_patterns("locale", "__pycache__", "static", "*.pyc", "*.mo", "*.po")
    for name in os.listdir(REPO):
        source = REPO / name
        if name.startswith(".") or name in {"node_modules", "bench", "var", "tests", "docs", "media"}:
            continue
        if source.is_dir() and any(source.glob("**/*.py")):
            shutil.copytree(source, target / name, ignore=skip)
        elif name == "manage.py":
            shutil.copy2(source, target / name)


@pytest.mark.slow
def test_every_extracted_string_is_translated(tmp_path):
    require(shutil.which("xgettext") is not None, "makemessages needs xgettext (GNU gettext)")
    for top, dirs, _files in os.walk(REPO):  # an app with its own catalogue would escape this check
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in {"node_modules", "bench", "var"}]
        if "locale" in dirs and Path(top, "locale") != CATALOGUE_DIR:
            pytest.fail(f"unexpected catalogue {Path(top, 'locale')}: keep the one project catalogue {CATALOGUE_DIR}")
    sources, scratch = tmp_path / "src", tmp_path / "locale"
    sources.mkdir()
    scratch.mkdir()
    _copy_sources(sources)
    env = {**os.environ, "HDS_LOCALE_DIR": str(scratch), "DJANGO_SETTINGS_MODULE": "hds_site.settings.test"}
    env.pop("PYTHONPATH", None)
    command = [sys.executable, "manage.py", "makemessages", "-l", "en", "--no-obsolete", "--verbosity", "0"]
    for pattern in MAKEMESSAGES_IGNORES:
        command += ["--ignore", pattern]
    before = PO.read_bytes()
    result = subprocess.run(command, cwd=sources, env=env, capture_output=True, text=True, timeout=300)
    assert PO.read_bytes() == before, "makemessages touched the committed catalogue"
    assert result.returncode == 0, result.stderr
    extracted = [entry for entry in read_po(scratch / "en" / "LC_MESSAGES" / "django.po") if not _is_header(entry)]
    assert len(extracted) > 500

    committed = {_key(entry): entry for entry in read_po(PO)}
    missing = []
    for entry in extracted:
        translated = committed.get(_key(entry))
        if translated is None or _untranslated(translated) or "fuzzy" in translated["flags"]:
            missing.append(entry["msgid"])
        elif translated["msgid_plural"] != entry["msgid_plural"]:
            missing.append(entry["msgid"])
    assert not missing, (
        f"{len(missing)} German strings have no English translation; run makemessages, translate "
        f"hds_site/locale/en/LC_MESSAGES/django.po and compilemessages. First ones: {missing[:10]}"
    )


# --- (c) pages in both languages ----------------------------------------------------------------


@pytest.fixture
def article(db):
    home = factories.content_home(title="Haus der Selbstständigen")
    index = factories.content_article_index(home=home)
    from hds_site.content import services as content_services
    from hds_site.content.models import StandardPage

    content_services.upsert_child_page(
        parent=home, page_class=StandardPage, slug="impressum", title="Impressum", show_in_footer=True
    )
    return factories.content_article(
        title="Künstlersozialkasse erklärt", slug="ksk-erklaert", index=index, teaser="Wer aufgenommen wird.",
        body=[{"type": "info_box", "value": {"variant": "tip", "title": "", "text": "<p>Früh beantragen.</p>"}}],
    )


def _html_lang(html: str) -> str:
    return re.search(r"<html lang=\"([^\"]+)\"", html).group(1)


@pytest.mark.django_db
def test_german_is_the_default_at_root(client, article):
    html = client.get("/").content.decode()
    assert _html_lang(html) == "de"
    for label in ("Ratgeber", "Forum", "Kampagnen", "Beratung finden", "Anmelden", "Registrieren", "Zum Inhalt springen"):
        assert f">{label}<" in html, label
    # page and UI share the language: no lang attributes needed inside
    assert ' lang="de"' not in html.replace('<html lang="de">', "")


@pytest.mark.django_db
def test_english_ui_under_en(client, article):
    response = client.get("/en/")
    assert response.status_code == 200
    html = response.content.decode()
    assert _html_lang(html) == "en"
    for label in ("Advice", "Forum", "Campaigns", "Find advice", "Log in", "Sign up", "Skip to content"):
        assert f">{label}<" in html, label
    for german in ("Beratung finden", "Anmelden", "Hauptnavigation", "Kampagnen<"):
        assert german not in html, german
    assert 'aria-label="Main navigation"' in html


@pytest.mark.django_db
def test_navigation_to_german_pages_stays_in_the_english_ui(client, article):
    factories.campaign_index()
    response = client.get("/en/ratgeber-uebersicht/")  # "Advice"
    assert response.status_code == 302 and response["Location"] == "/en/ratgeber/"
    response = client.get("/en/kampagnen/")  # "Campaigns": the index page, served in place
    assert response.status_code == 200
    assert _html_lang(response.content.decode()) == "en"
    # and the German UI keeps its URLs
    assert client.get("/ratgeber-uebersicht/")["Location"] == "/ratgeber/"
    assert _html_lang(client.get("/kampagnen/").content.decode()) == "de"


def _internal_links(html: str) -> set[str]:
    links = set(re.findall(r'(?:href|action)="(/[^"]*)"', html))
    return {link for link in links if not link.startswith(("/static/", "/i18n/", "/cms/", "/documents/", "/media/"))}


@pytest.mark.django_db
def test_links_to_german_pages_stay_in_the_english_ui(client, article):
    """No English translations exist, so links to the German pages point into /en/ (cards, breadcrumbs, footer)."""
    for url in ("/en/", "/en/ratgeber/", "/en/ratgeber/ksk-erklaert/"):
        links = _internal_links(client.get(url).content.decode())
        assert "/en/ratgeber/ksk-erklaert/" in links or url == "/en/ratgeber/ksk-erklaert/"
        assert {link for link in links if not link.startswith("/en/")} == set(), url
    article_html = client.get("/en/ratgeber/ksk-erklaert/").content.decode()
    assert '<li><a href="/en/">Haus der Selbstständigen</a></li>' in article_html  # breadcrumb
    assert '<li><a href="/en/ratgeber/">Ratgeber</a></li>' in article_html
    # the German UI links to German URLs
    for url in ("/", "/ratgeber/"):
        assert {link for link in _internal_links(client.get(url).content.decode()) if link.startswith("/en/")} == set()


@pytest.mark.django_db
def test_search_results_link_into_the_english_ui(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the index is updated after commit
        index = factories.content_article_index(home=factories.content_home())
        factories.content_article(title="Künstlersozialkasse erklärt", slug="ksk-erklaert", index=index)
    english = client.get("/en/suche/?q=K%C3%BCnstlersozialkasse").content.decode()  # URLs stored in the index
    assert 'href="/en/ratgeber/ksk-erklaert/"' in english
    german = client.get("/suche/?q=K%C3%BCnstlersozialkasse").content.decode()
    assert 'href="/ratgeber/ksk-erklaert/"' in german


@pytest.mark.django_db
def test_german_page_in_the_english_ui_is_marked_german(client, article):
    html = client.get("/en/").content.decode()
    assert '<title lang="de">Haus der Selbstständigen</title>' in html  # the home page's title is the site's name, once
    assert re.search(r'<section class="hero" lang="de"[^>]*>\s*<h1 id="home-title">Haus der Selbstständigen</h1>', html)

    response = client.get("/en/ratgeber/ksk-erklaert/")
    assert response.status_code == 200
    html = response.content.decode()
    assert _html_lang(html) == "en"
    assert '<title lang="de">Künstlersozialkasse erklärt – ' in html
    assert '<h1 id="article-title" lang="de">Künstlersozialkasse erklärt</h1>' in html
    assert '<p class="lead" lang="de">Wer aufgenommen wird.</p>' in html
    assert '<div class="article-body" lang="de">' in html
    # a UI label inside German content is marked as English again
    assert '<strong lang="en">Tip</strong>' in html
    assert ">Published<" in html  # the UI around it is English
    assert '<a href="/en/impressum/" lang="de">Impressum</a>' in html  # footer link to the German fallback page

    german = client.get("/ratgeber/ksk-erklaert/").content.decode()
    assert "<title>Künstlersozialkasse erklärt – " in german
    assert '<h1 id="article-title">Künstlersozialkasse erklärt</h1>' in german
    assert '<a href="/impressum/">Impressum</a>' in german


@pytest.mark.django_db
def test_pages_without_editorial_content_follow_the_ui_language(client, article):
    html = client.get("/en/beratung-finden/").content.decode()
    assert _html_lang(html) == "en"
    assert "<title>Find advice – " in html
    assert "<h1>Find advice</h1>" in html


@pytest.mark.django_db
def test_signup_page_in_english(client, article):
    response = client.get("/en/konto/signup/")
    assert response.status_code == 200
    html = response.content.decode()
    assert _html_lang(html) == "en"
    assert "<h1>Sign up</h1>" in html
    assert "Create account</button>" in html
    assert "Display name" in html
    assert "Anzeigename" not in html and "Konto anlegen" not in html

    german = client.get("/konto/signup/").content.decode()
    assert _html_lang(german) == "de"
    assert "Konto anlegen</button>" in german and "Anzeigename" in german


def _switch(client, url: str):
    """Submit the page's language switcher as a browser would; return the redirect target."""
    html = client.get(url).content.decode()
    form = re.search(r'<form action="/i18n/setlang/".*?</form>', html, re.S).group(0)
    data = {
        "next": re.search(r'name="next" type="hidden" value="([^"]*)"', form).group(1).replace("&amp;", "&"),
        "language": re.search(r'name="language" value="([^"]+)"', form).group(1),
    }
    response = client.post("/i18n/setlang/", data)
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == data["language"]
    return response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "german, english",
    [
        ("/ratgeber/ksk-erklaert/", "/en/ratgeber/ksk-erklaert/"),
        ("/", "/en/"),
        ("/forum/", "/en/forum/"),
        ("/beratung-finden/?bundesland=DE-BY", "/en/beratung-finden/?bundesland=DE-BY"),
        ("/konto/signup/", "/en/konto/signup/"),
    ],
)
def test_language_switcher_goes_both_ways(client, article, german, english):
    assert _switch(client, german) == english
    assert _html_lang(client.get(english).content.decode()) == "en"
    assert _switch(client, english) == german  # not back to /en/… (Wagtail's catch-all would keep the prefix)
    assert _html_lang(client.get(german).content.decode()) == "de"
