import csv
import io

import pytest
from django.core import mail
from django.urls import reverse

from campaigns import services
from campaigns.models import AuditLogEntry, CampaignPage, CampaignUpdate, Signature
from tests.factories import confirmed_signature, pending_signature

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes) -> str:
    """The text of every page, extracted by a real PDF reader."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def signed(campaign, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    confirmed_signature(campaign, email="fan@example.com", name="Fanny Fan", postcode="80331", updates_opt_in=True)
    confirmed_signature(campaign, email="quiet@example.com", name="Quentin Quiet", postcode="20095")
    pending_signature(campaign, email="later@example.com", name="Lena Later", postcode="01067", updates_opt_in=True)
    return campaign


def test_dashboard_permissions(client, campaign, organiser, editor, member):
    url = reverse("campaigns:dashboard", args=[campaign.slug])
    assert client.get(url).status_code == 302  # anonymous → login
    client.force_login(member)
    assert client.get(url).status_code == 403
    for path in (reverse("campaigns:export_csv", args=[campaign.slug]), reverse("campaigns:export_pdf", args=[campaign.slug])):
        assert client.get(path).status_code == 403
    assert not AuditLogEntry.objects.exists()
    client.force_login(organiser)
    assert client.get(url).status_code == 200
    client.force_login(editor)
    assert client.get(url).status_code == 200


def test_dashboard_shows_stats(client, signed, organiser):
    client.force_login(organiser)
    response = client.get(reverse("campaigns:dashboard", args=[signed.slug]))
    stats = response.context["stats"]
    assert stats["count"] == 2
    assert stats["statuses"]["pending"] == 1
    assert stats["confirmation_rate"] == 67
    assert sum(d["count"] for d in stats["per_day"]) == 2
    rows = {row["code"]: row["count"] for row in stats["bundesland_rows"]}
    assert rows["DE-BY"] == 1 and rows["DE-HH"] == 1


def test_dashboard_query_count_is_constant(client, campaign, organiser, settings, django_assert_max_num_queries):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    client.force_login(organiser)
    url = reverse("campaigns:dashboard", args=[campaign.slug])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    confirmed_signature(campaign, email="one@example.com")
    client.get(url)  # warm up session and per-process caches
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(20):
        confirmed_signature(campaign, email=f"many{i}@example.com", postcode=f"{10115 + i * 3000:05d}")
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large) == len(small)


def test_exports_never_contain_emails_and_are_logged(client, signed, organiser):
    client.force_login(organiser)
    response = client.get(reverse("campaigns:export_csv", args=[signed.slug]))
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Name", "Postleitzahl", "Ort"]
    assert sorted(r[0] for r in rows[1:]) == ["Fanny Fan", "Quentin Quiet"]  # confirmed only
    assert ["Fanny Fan", "80331", "München"] in rows and ["Quentin Quiet", "20095", "Hamburg"] in rows
    assert "@" not in body and "example.com" not in body
    pdf = client.get(reverse("campaigns:export_pdf", args=[signed.slug]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    text = _pdf_text(pdf.content)
    assert "Fanny Fan" in text and "80331" in text and "München" in text
    assert "@" not in text and "example.com" not in text
    entries = list(AuditLogEntry.objects.filter(campaign=signed).order_by("created_at"))
    assert [(e.action, e.row_count, e.actor_id) for e in entries] == [
        ("export_csv", 2, organiser.pk),
        ("export_pdf", 2, organiser.pk),
    ]


def test_export_town_column(client, campaign, organiser, settings):
    """Ort: the town of the PLZ; several places shortened; abroad the country; anonymised rows the Land."""
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    people = [
        ("Ruth Radeberg", "01454", "DE"),  # Radeberg, Wachau
        ("Rita Riesa", "01594", "DE"),  # Hirschstein, Riesa, Stauchitz
        ("Tina Tennstedt", "99955", "DE"),  # ten villages
        ("Ali Ağaoğlu", "", "AT"),
        ("Zoe Zelle", "", "ZZ"),
        ("Otto Offen", "00000", "DE"),  # well-formed but unknown: no town, no Land
    ]
    for number, (name, postcode, country) in enumerate(people):
        confirmed_signature(campaign, email=f"p{number}@example.com", name=name, postcode=postcode, country=country)
    client.force_login(organiser)
    body = client.get(reverse("campaigns:export_csv", args=[campaign.slug])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert rows == [
        ["Ruth Radeberg", "01454", "Radeberg / Wachau"],
        ["Rita Riesa", "01594", "Hirschstein / Riesa / Stauchitz"],
        ["Tina Tennstedt", "99955", "Bad Tennstedt / Ballhausen / Blankenburg u. a."],
        ["Ali Ağaoğlu", "", "Österreich"],
        ["Zoe Zelle", "", "Ausland"],
        ["Otto Offen", "00000", ""],
    ]
    text = _pdf_text(client.get(reverse("campaigns:export_pdf", args=[campaign.slug])).content)
    for town in ("Radeberg / Wachau", "Hirschstein / Riesa / Stauchitz", "Blankenburg u. a.", "Österreich", "Ağaoğlu"):
        assert town in text
    assert "OpenStreetMap" in text and "ODbL" in text  # the town data's attribution

    # after anonymisation the full PLZ is gone: region and Land stand in
    Signature.objects.filter(campaign=campaign, postcode="01454").update(name="", email="", postcode="")
    rows = list(csv.reader(io.StringIO(client.get(reverse("campaigns:export_csv", args=[campaign.slug])).content.decode("utf-8-sig"))))
    assert ["(anonymisiert)", "01xxx", "Sachsen"] in rows


def test_export_town_column_in_english_ui(client, campaign, organiser, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (1000, 600)
    confirmed_signature(campaign, email="a@example.com", name="Tina Tennstedt", postcode="99955")
    confirmed_signature(campaign, email="b@example.com", name="Ali Abroad", postcode="", country="AT")
    client.force_login(organiser)
    from django.utils import translation

    with translation.override("en"):  # restores the test thread's language after the /en/ request
        url = reverse("campaigns:export_csv", args=[campaign.slug])
        assert url.startswith("/en/")
        response = client.get(url)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Postcode", "Town"]
    assert rows[1] == ["Tina Tennstedt", "99955", "Bad Tennstedt / Ballhausen / Blankenburg and others"]
    assert rows[2] == ["Ali Abroad", "", "Austria"]


def test_long_town_names_fit_the_pdf_column():
    from types import SimpleNamespace

    from campaigns.pdf import handover_pdf

    long_town = "Crostwitz - Chrósćicy / Elstra - Halštrow / Haselbachtal u. a."
    page = SimpleNamespace(title="Test", addressee="BMAS")
    text = _pdf_text(handover_pdf(page, [("Anna", "01920", long_town), ("B" * 80, "80331", "München")]))
    assert "Crostwitz" in text and "München" in text


def test_update_is_published_and_mailed_to_opted_in(client, signed, organiser, commit):
    client.force_login(organiser)
    with commit():
        response = client.post(
            reverse("campaigns:dashboard", args=[signed.slug]),
            {"action": "update", "update-title": "Wir sind im Bundestag", "update-body": "Am Freitag übergeben wir."},
        )
    assert response.status_code == 302
    update = CampaignUpdate.objects.get()
    assert update.recipients == 1
    assert [m.to for m in mail.outbox if "Bundestag" in m.subject] == [["fan@example.com"]]
    message = [m for m in mail.outbox if "Bundestag" in m.subject][0]
    assert "abbestellen" in message.body and message.extra_headers["List-Unsubscribe"]
    page_html = client.get(signed.url).content.decode()
    assert "Wir sind im Bundestag" in page_html

    # the unsubscribe link works (GET asks, POST does it)
    path = message.body.split("testserver", )[-1].split()[0]
    fan = Signature.objects.get(email="fan@example.com")
    assert client.get(path).status_code == 200
    fan.refresh_from_db()
    assert fan.updates_opt_in
    client.post(path)
    fan.refresh_from_db()
    assert not fan.updates_opt_in and fan.status == "confirmed"


def test_close_hand_over_and_respond(client, signed, organiser):
    client.force_login(organiser)
    url = reverse("campaigns:dashboard", args=[signed.slug])
    client.post(url, {"action": "close"})
    page = CampaignPage.objects.get(pk=signed.pk)
    assert page.phase == "closed" and page.closed_at and page.status == "closed"
    client.post(url, {"action": "hand_over"})
    client.post(url, {"action": "response", "response-response": "Wir prüfen das."})
    page = CampaignPage.objects.get(pk=signed.pk)
    assert page.phase == "handed_over" and page.handed_over_at
    assert "Wir prüfen das." in page.response
    assert page.live and page.get_latest_revision().content["phase"] == "handed_over"
    response = client.get(page.url)
    html = response.content.decode()
    assert response.status_code == 200, html[:500]
    assert "Wir prüfen das." in html and "Übergeben" in html, html[html.find("<main"):html.find("<main") + 3000]
    assert set(AuditLogEntry.objects.values_list("action", flat=True)) == {"close", "hand_over", "response"}


def test_organiser_actions_need_permission(signed, member):
    from django.core.exceptions import PermissionDenied

    for fn in (services.close_campaign, services.mark_handed_over):
        with pytest.raises(PermissionDenied):
            fn(campaign=signed, actor=member)
    with pytest.raises(PermissionDenied):
        services.post_update(campaign=signed, author=member, title="x", body="y")


def test_pdf_prints_names_beyond_latin1(campaign, settings):
    """Names as signers wrote them (Turkish, Polish …), not replaced by '?'."""
    from campaigns.pdf import handover_pdf

    text = _pdf_text(handover_pdf(campaign, [("Ayşe Ağaoğlu", "80331", "Bayern"), ("Łukasz Nowak", "20095", "Hamburg")]))
    assert "Ayşe Ağaoğlu" in text and "Łukasz Nowak" in text
    assert "?" not in text


def test_dashboard_resumes_its_live_socket_from_the_current_seq(client, campaign, organiser, commit):
    """The dashboard's socket starts where the page's content is, not at 0 (which replayed the whole log on
    every visit, or got a resync once the log was pruned)."""
    from campaigns import services
    from hds_site import realtime

    with commit():
        services.post_update(campaign=campaign, author=organiser, title="Neu", body="Text")
    current = realtime.last_seq(campaign.group_name)
    assert current > 0
    client.force_login(organiser)
    html = client.get(reverse("campaigns:dashboard", args=[campaign.slug])).content.decode()
    assert f'data-last-seq="{current}"' in html
