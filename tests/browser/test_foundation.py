"""Foundation journeys in a real Chromium against a real Daphne process (seeded demo site).

- a visitor reaches an article from the home page (through a topic and through the
  "Ratgeber" navigation) and uses the advice-centre finder (Bundesland, PLZ, bad PLZ);
- axe-core finds no WCAG 2.1 A/AA violation on home, topic, article, finder, sign-up, login;
- a new member signs up, confirms the mailed link, logs in, edits the profile,
  downloads the data and deletes the account.
"""

import json
import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_axe_violations, mail_text

pytestmark = pytest.mark.browser

TOPIC = "Soziale Absicherung"
TOPIC_PATH = "/soziale-absicherung/"
ARTICLE_PATH = "/ratgeber/kuenstlersozialkasse/"
PASSWORD = "Kaffee-und-Kuchen-2026"


def main_nav(page):
    return page.get_by_role("navigation", name="Hauptnavigation")


def expect_german_page(page):
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("h1")).to_have_count(1)


# --- visitor ----------------------------------------------------------------------------


def test_visitor_reaches_an_article_through_a_topic(page):
    page.goto("/")
    expect_german_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Haus der Selbstständigen")

    page.get_by_role("main").get_by_role("link", name=TOPIC, exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(TOPIC_PATH) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TOPIC)

    articles = page.get_by_role("region", name="Artikel zu diesem Thema").get_by_role("link")
    expect(articles.first).to_be_visible()
    title = articles.first.inner_text().strip()
    articles.first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect_german_page(page)


def test_visitor_reaches_an_article_through_the_main_navigation(page):
    page.goto("/")
    main_nav(page).get_by_role("link", name="Ratgeber", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ratgeber")

    # the article index filters by topic (a GET form that works without JavaScript)
    page.get_by_label("Thema", exact=True).select_option(label="Recht & Verträge")
    page.get_by_role("button", name="Filtern").click()
    expect(page).to_have_url(re.compile(r"thema=recht-vertraege"))
    link = page.get_by_role("main").get_by_role("link", name=re.compile("AGB und Verträge"))
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^AGB und Verträge"))
    expect_german_page(page)


def test_finder_by_bundesland(page):
    page.goto("/")
    main_nav(page).get_by_role("link", name="Beratung finden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Beratung finden")

    page.get_by_label("Bundesland").select_option(label="Sachsen")
    page.get_by_role("button", name="Beratungsstellen anzeigen").click()

    results = page.get_by_role("region", name=re.compile("Beratungsstellen? für Sachsen"))
    expect(results).to_be_visible()
    names = results.get_by_role("heading", level=3)
    expect(names.filter(has_text="Zukunftszentrum Sachsen")).to_have_count(1)
    expect(names.filter(has_text="Haus der Selbstständigen")).to_have_count(1)  # nationwide
    expect(names.filter(has_text="Zukunftszentrum Bayern")).to_have_count(0)


def test_finder_by_postcode(page):
    page.goto("/beratung-finden/")
    page.get_by_label("Postleitzahl").fill("80331")
    page.get_by_role("button", name="Beratungsstellen anzeigen").click()

    expect(page.get_by_text("Die Postleitzahl 80331 liegt in Bayern.")).to_be_visible()
    results = page.get_by_role("region", name=re.compile("für Bayern"))
    expect(results.get_by_role("heading", level=3).filter(has_text="Zukunftszentrum Bayern")).to_have_count(1)
    expect(results.get_by_role("heading", level=3).filter(has_text="Zukunftszentrum Sachsen")).to_have_count(0)


@pytest.mark.parametrize("plz", ["123", "00000"])
def test_finder_explains_a_bad_postcode_next_to_the_field(page, plz):
    page.goto("/beratung-finden/")
    page.get_by_label("Postleitzahl").fill(plz)
    page.get_by_role("button", name="Beratungsstellen anzeigen").click()

    expect(page.get_by_role("alert")).to_contain_text("Bitte prüfen Sie Ihre Eingabe")
    field = page.get_by_label("Postleitzahl")
    expect(field).to_have_attribute("aria-invalid", "true")
    described_by = field.get_attribute("aria-describedby") or ""
    error_texts = " ".join(page.locator(f"#{ref}").inner_text() for ref in described_by.split())
    assert "Postleitzahl" in error_texts, error_texts
    expect(page.get_by_role("region", name=re.compile("Beratungsstelle"))).to_have_count(0)
    assert_no_axe_violations(page)


# --- accessibility ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        TOPIC_PATH,
        ARTICLE_PATH,
        "/ratgeber/",
        "/beratung-finden/",
        "/beratung-finden/?bundesland=DE-SN",
        "/konto/signup/",
        "/konto/login/",
    ],
)
def test_no_wcag_violations(page, path):
    response = page.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    expect_german_page(page)
    assert_no_axe_violations(page)


def test_no_wcag_violations_on_forms_with_errors(page):
    # passes the browser's own checks (required, type=email) but not the server's
    page.goto("/konto/signup/")
    page.get_by_label("E-Mail").fill("neu@example.org")
    page.get_by_label("Anzeigename").fill("x")
    page.get_by_label("Passwort:", exact=True).fill(PASSWORD)
    page.get_by_label("Passwort (Wiederholung)").fill(PASSWORD + "-anders")
    page.get_by_role("main").get_by_role("button", name="Konto anlegen").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_visible()
    assert_no_axe_violations(page)

    page.goto("/konto/login/")
    page.get_by_label("E-Mail").fill("niemand@example.org")
    page.get_by_label("Passwort", exact=False).first.fill("falsches-passwort")
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    assert_no_axe_violations(page)


# --- a member's whole life cycle ---------------------------------------------------------


def test_sign_up_confirm_log_in_edit_profile_download_data_delete_account(page, live_site, tmp_path):
    token = secrets.token_hex(3)
    email = f"journey-{token}@example.org"
    display_name = f"Journey {token}"

    # sign up
    page.goto("/")
    main_nav(page).get_by_role("link", name="Registrieren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrieren")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Anzeigename").fill(display_name)
    page.get_by_label("Passwort", exact=True).or_(page.get_by_label("Passwort:", exact=True)).fill(PASSWORD)
    page.get_by_label("Passwort (Wiederholung)").fill(PASSWORD)
    page.get_by_role("button", name="Konto anlegen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bitte bestätigen Sie Ihre E-Mail-Adresse")

    # the verification mail
    mails = live_site.wait_for_mail(email)
    assert len(mails) == 1, [m["Subject"] for m in live_site.read_mails()]
    body = mail_text(mails[0])
    links = re.findall(r"https?://\S+/konto/confirm-email/\S+", body)
    assert len(links) == 1, body
    assert links[0].startswith(live_site.url), links[0]

    # confirm
    page.goto(links[0])
    expect(page.get_by_role("heading", level=1)).to_have_text("E-Mail-Adresse bestätigen")
    expect(page.get_by_role("main")).to_contain_text(email)
    page.get_by_role("main").get_by_role("button", name="Bestätigen").click()

    # log in: allauth sends the confirmed (not yet logged-in) visitor to the login page
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    expect(page.get_by_role("status")).to_contain_text(email)
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort", exact=True).or_(page.get_by_label("Passwort:", exact=True)).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()
    expect(main_nav(page).get_by_role("link", name="Mein Konto")).to_be_visible()
    expect(main_nav(page).get_by_role("button", name="Abmelden")).to_be_visible()

    # edit the profile
    main_nav(page).get_by_role("link", name="Mein Konto").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mein Profil")
    expect(page.get_by_label("Anzeigename")).to_have_value(display_name)
    page.get_by_label("Beruf / Gewerk").fill("Grafikdesignerin")
    page.get_by_label("Bundesland").select_option(label="Sachsen")
    page.get_by_label("Kurzvorstellung").fill("Ich gestalte Plakate und Bücher in Leipzig.")
    page.get_by_label("Profil öffentlich zeigen").check()
    page.get_by_role("button", name="Profil speichern").click()
    expect(page.get_by_role("status").filter(has_text="Ihr Profil wurde gespeichert.")).to_be_visible()
    expect(page.get_by_label("Beruf / Gewerk")).to_have_value("Grafikdesignerin")
    expect(page.get_by_label("Profil öffentlich zeigen")).to_be_checked()
    assert_no_axe_violations(page)

    # download my data
    page.get_by_role("navigation", name="Mein Konto").get_by_role("link", name="Meine Daten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine Daten")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Meine Daten herunterladen (JSON)").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.suffix == ".json"
    exported = target.read_text(encoding="utf-8")
    json.loads(exported)
    for expected in (email, display_name, "Grafikdesignerin", "Ich gestalte Plakate"):
        assert expected in exported, expected

    # delete the account
    page.get_by_role("link", name="Konto löschen …").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Konto löschen")
    expect(page.get_by_role("main")).to_contain_text("gelöschtes Mitglied")
    page.get_by_label("Ihr Passwort").fill(PASSWORD)
    page.get_by_label("Ja, ich möchte mein Konto").check()
    page.get_by_role("button", name="Konto endgültig löschen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Konto wurde gelöscht")
    expect(main_nav(page).get_by_role("link", name="Anmelden")).to_be_visible()

    # gone: the login fails and the database has no account with that address
    page.goto("/konto/login/")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort", exact=True).or_(page.get_by_label("Passwort:", exact=True)).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Anmelden").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")
    expect(main_nav(page).get_by_role("link", name="Mein Konto")).to_have_count(0)
    remaining = live_site.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; from allauth.account.models import EmailAddress; "
        f"print(get_user_model().objects.filter(email__iexact={email!r}).count(), "
        f"EmailAddress.objects.filter(email__iexact={email!r}).count())",
    )
    assert remaining.stdout.split()[-2:] == ["0", "0"], remaining.stdout
