import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from campaigns import abuse, consent, selectors, services
from campaigns.models import Signature
from tests.factories import confirmed_signature, make_campaign, pending_signature

pytestmark = pytest.mark.django_db


def sign_form(**overrides):
    data = {
        "name": "Anna Beispiel",
        "email": "anna@example.com",
        "country": "DE",
        "postcode": "10115",
        "consent": "on",
        "consent_version": consent.CURRENT_VERSION,
        "website": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def link_from(message, name):
    match = re.search(r"https?://\S+/kampagnen/" + name + r"/\S+/", message.body)
    assert match, message.body
    return match.group(0).split("testserver", 1)[1]


# --- normalisation -------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Anna.Beispiel@Example.COM", "anna.beispiel@example.com"),
        ("a.n.n.a+petition@gmail.com", "anna@gmail.com"),
        ("Anna@GoogleMail.com", "anna@gmail.com"),
        ("anna+tag@posteo.de", "anna@posteo.de"),
        ("anna+tag@outlook.com", "anna@outlook.com"),
        ("anna+tag@web.de", "anna+tag@web.de"),  # web.de does not deliver +tags: different mailbox
        ("a.nna@web.de", "a.nna@web.de"),
        ("  anna@example.org.  ", "anna@example.org"),
    ],
)
def test_normalize_email(raw, expected):
    assert abuse.normalize_email(raw) == expected


def test_same_mailbox_never_counts_twice(campaign):
    first = pending_signature(campaign, email="Anna.Beispiel@gmail.com")
    services.confirm_signature(signature_id=first.pk)
    result = services.sign_campaign(
        campaign=campaign, name="Anna", email="annabeispiel+x@googlemail.com", postcode="10115", consent_given=True
    )
    assert result.outcome == "already_confirmed"
    assert Signature.objects.filter(campaign=campaign).count() == 1
    assert selectors.signature_count(campaign.pk) == 1


def test_unique_constraint_in_database(campaign):
    pending_signature(campaign, email="x@example.com")
    with pytest.raises(IntegrityError):
        Signature.objects.create(
            campaign=campaign, email="X@example.com", email_normalized="x@example.com",
            consent_version="v", consent_at=timezone.now(),
        )


# --- the form and double opt-in ---------------------------------------------------


def test_sign_sends_confirmation_and_stores_consent(client, campaign, commit):
    with commit():
        response = client.post(campaign.url, sign_form(updates_opt_in="on"))
    assert response.status_code == 200
    assert "Bitte bestätigen" in response.content.decode()
    signature = Signature.objects.get(campaign=campaign)
    assert signature.status == "pending"
    assert signature.consent_version == consent.CURRENT_VERSION
    assert signature.consent_at is not None
    assert signature.updates_opt_in and signature.updates_consent_at
    assert signature.show_name is False  # default off
    assert signature.bundesland == "DE-BE" and signature.postcode_region == "10"
    assert signature.ip_hash and "127.0.0.1" not in signature.ip_hash
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["anna@example.com"]
    assert selectors.signature_count(campaign.pk) == 0  # unconfirmed never counts


def test_consent_is_required_and_updates_optional(client, campaign):
    response = client.post(campaign.url, sign_form(consent=None))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and "id_consent_error" in html
    assert not Signature.objects.exists()
    field_ids = re.findall(r'id="(id_[a-z_]+)"', html)
    assert "id_updates_opt_in" in field_ids and "id_show_name" in field_ids
    assert 'name="updates_opt_in" id="id_updates_opt_in" checked' not in html


def test_postcode_required_in_germany_only(client, campaign):
    assert client.post(campaign.url, sign_form(postcode="123")).status_code == 400
    response = client.post(campaign.url, sign_form(country="AT", postcode=""))
    assert response.status_code == 200
    signature = Signature.objects.get()
    assert signature.country == "AT" and signature.bundesland == ""


def test_confirm_get_shows_button_post_confirms(client, campaign, commit):
    with commit():
        client.post(campaign.url, sign_form())
    path = link_from(mail.outbox[0], "bestaetigen")
    # a mail scanner's GET changes nothing
    for _ in range(3):
        response = client.get(path)
        assert response.status_code == 200
        assert "<form method=\"post\"" in response.content.decode()
    assert Signature.objects.get().status == "pending"
    with commit():
        response = client.post(path)
    assert response.status_code == 200
    assert Signature.objects.get().status == "confirmed"
    assert selectors.signature_count(campaign.pk) == 1
    # confirming twice never counts twice
    with commit():
        client.post(path)
    assert selectors.signature_count(campaign.pk) == 1
    # the receipt carries the withdraw link
    assert any("zurueckziehen" in m.body for m in mail.outbox[1:])


def test_forged_token_is_rejected(client, campaign):
    signature = pending_signature(campaign)
    token = services.confirm_token(signature)
    response = client.post(reverse("campaigns:confirm", args=[token[:-2] + "xx"]))
    assert response.status_code == 400
    # a withdraw token cannot confirm (different salt)
    response = client.post(reverse("campaigns:confirm", args=[services.withdraw_token(signature)]))
    assert response.status_code == 400
    assert Signature.objects.get().status == "pending"


def test_resign_resends_bounded(campaign, commit, settings):
    settings.CAMPAIGNS_MAX_CONFIRMATION_SENDS = 3
    outcomes = []
    for _ in range(5):
        with commit():
            outcomes.append(
                services.sign_campaign(
                    campaign=campaign, name="Anna", email="anna@example.com", postcode="10115", consent_given=True
                ).outcome
            )
    assert outcomes == ["created", "resent", "resent", "limit", "limit"]
    assert len(mail.outbox) == 3
    assert Signature.objects.count() == 1


def test_expiry_deletes_unconfirmed_only(campaign, client):
    old = pending_signature(campaign, email="old@example.com")
    fresh = pending_signature(campaign, email="fresh@example.com")
    done = confirmed_signature(campaign, email="done@example.com")
    Signature.objects.filter(pk__in=[old.pk, done.pk]).update(expires_at=timezone.now() - timedelta(minutes=1))
    # an expired link no longer confirms
    response = client.post(reverse("campaigns:confirm", args=[services.confirm_token(old)]))
    assert response.status_code == 400
    from django.core.management import call_command

    call_command("expire_signatures", stdout=open("/dev/null", "w"))
    assert set(Signature.objects.values_list("pk", flat=True)) == {fresh.pk, done.pk}


def test_withdraw_link(client, campaign, commit):
    signature = confirmed_signature(campaign)
    path = reverse("campaigns:withdraw", args=[services.withdraw_token(signature)])
    assert client.get(path).status_code == 200
    assert Signature.objects.get().status == "confirmed"
    with commit():
        client.post(path)
    signature.refresh_from_db()
    assert signature.status == "withdrawn"
    assert signature.email == "" and signature.name == "" and signature.email_normalized is None
    assert selectors.signature_count(campaign.pk) == 0
    # signing again later is possible and counts once
    again = confirmed_signature(campaign)
    assert again.pk != signature.pk
    assert selectors.signature_count(campaign.pk) == 1


def test_withdraw_refused_when_closed(client, campaign):
    signature = confirmed_signature(campaign)
    campaign.__class__.objects.filter(pk=campaign.pk).update(phase="closed")
    client.post(reverse("campaigns:withdraw", args=[services.withdraw_token(signature)]))
    assert Signature.objects.get().status == "confirmed"


def test_closed_campaign_refuses_signatures(client, index):
    page = make_campaign(phase="closed")
    response = client.post(page.url, sign_form())
    assert response.status_code == 400
    assert not Signature.objects.exists()
    assert "keine Unterschriften mehr" in response.content.decode()


def test_member_form_is_prefilled(client, campaign, member):
    client.force_login(member)
    html = client.get(campaign.url).content.decode()
    assert 'value="member@example.com"' in html


# --- abuse --------------------------------------------------------------------------


def test_honeypot_pretends_success(client, campaign):
    response = client.post(campaign.url, sign_form(website="http://spam.example"))
    assert response.status_code == 200
    assert not Signature.objects.exists()
    assert len(mail.outbox) == 0


def test_disposable_domains_refused(client, campaign):
    assert len(abuse.disposable_domains()) >= 300
    response = client.post(campaign.url, sign_form(email="bot@mailinator.com"))
    assert response.status_code == 400
    assert not Signature.objects.exists()
    assert abuse.is_disposable("x@sub.trashmail.com")
    assert not abuse.is_disposable("x@web.de")


def test_rate_limit_per_ip(client, campaign, settings):
    settings.CAMPAIGNS_RATE_LIMIT_IP = (3, 600)
    codes = [client.post(campaign.url, sign_form(email=f"p{i}@example.net")).status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert Signature.objects.count() == 3
    # another address (different hash) is not affected
    response = client.post(campaign.url, sign_form(email="other@example.net"), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 200


def test_rate_limit_per_domain(campaign, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (2, 600)
    for i in range(2):
        services.sign_campaign(campaign=campaign, name="A", email=f"a{i}@botnet.example", postcode="10115",
                               consent_given=True, ip=f"10.0.0.{i}")
    with pytest.raises(services.SigningError) as exc:
        services.sign_campaign(campaign=campaign, name="A", email="a9@botnet.example", postcode="10115",
                               consent_given=True, ip="10.0.0.99")
    assert exc.value.code == "rate_limited"


def test_ip_hash_is_keyed_and_stable():
    assert abuse.hash_ip("192.0.2.1") == abuse.hash_ip("192.0.2.1")
    assert abuse.hash_ip("192.0.2.1") != abuse.hash_ip("192.0.2.2")
    import hashlib

    assert abuse.hash_ip("192.0.2.1") != hashlib.sha256(b"192.0.2.1").hexdigest()


# --- the sign URL (where the form posts: no page-tree routing, redirect to "check your mail") -------------


def test_campaign_form_posts_to_the_sign_url(client, campaign):
    html = client.get(campaign.url).content.decode()
    assert f'action="{reverse("campaigns:sign", args=[campaign.pk])}"' in html
    assert reverse("campaigns:sign", args=[campaign.pk]) == f"/kampagnen/unterschreiben/{campaign.pk}/"


def test_sign_url_redirects_to_the_thank_you_page(client, campaign, commit):
    with commit():
        response = client.post(reverse("campaigns:sign", args=[campaign.pk]), sign_form())
    assert response.status_code == 303
    assert response["Location"] == reverse("campaigns:sign_thanks", args=[campaign.pk])
    signature = Signature.objects.get(campaign=campaign)
    assert signature.status == "pending" and signature.consent_version == consent.CURRENT_VERSION
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["anna@example.com"]
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    html = thanks.content.decode()
    assert "Bitte bestätigen" in html and campaign.url in html and 'content="noindex"' in html
    # signing again (another spelling) answers exactly the same and adds nothing
    with commit():
        again = client.post(reverse("campaigns:sign", args=[campaign.pk]), sign_form(email="ANNA@Example.com"))
    assert (again.status_code, again["Location"]) == (303, response["Location"])
    assert Signature.objects.count() == 1


def test_sign_url_errors_rerender_the_campaign_page_with_the_data(client, campaign):
    response = client.post(reverse("campaigns:sign", args=[campaign.pk]), sign_form(consent=None, name="Berta Probe"))
    assert response.status_code == 400
    html = response.content.decode()
    assert campaign.title in html and "id_consent_error" in html
    assert 'value="Berta Probe"' in html and 'value="anna@example.com"' in html
    assert f'action="{reverse("campaigns:sign", args=[campaign.pk])}"' in html
    assert not Signature.objects.exists()


def test_sign_url_keeps_every_check(client, campaign, settings):
    url = reverse("campaigns:sign", args=[campaign.pk])
    # honeypot: looks like success, stores nothing
    response = client.post(url, sign_form(website="http://spam.example"))
    assert response.status_code == 303 and not Signature.objects.exists()
    # disposable domain
    assert client.post(url, sign_form(email="bot@mailinator.com")).status_code == 400
    # a consent text version that does not exist
    assert client.post(url, sign_form(consent_version="1999-01")).status_code == 400
    assert not Signature.objects.exists()
    # rate limit per IP
    settings.CAMPAIGNS_RATE_LIMIT_IP = (2, 600)
    codes = [client.post(url, sign_form(email=f"p{i}@example.net")).status_code for i in range(3)]
    assert codes == [303, 303, 429]
    assert Signature.objects.count() == 2


def test_sign_url_refuses_closed_and_unknown_campaigns(client, index):
    closed = make_campaign(title="Beendet", phase="closed")
    response = client.post(reverse("campaigns:sign", args=[closed.pk]), sign_form())
    assert response.status_code == 400 and "keine Unterschriften mehr" in response.content.decode()
    assert client.post(reverse("campaigns:sign", args=[closed.pk + 999]), sign_form()).status_code == 404
    draft = make_campaign(title="Entwurf", live=False)
    assert client.post(reverse("campaigns:sign", args=[draft.pk]), sign_form()).status_code == 404
    assert client.get(reverse("campaigns:sign_thanks", args=[draft.pk])).status_code == 404
    assert not Signature.objects.exists()


def test_sign_url_get_goes_to_the_campaign(client, campaign):
    response = client.get(reverse("campaigns:sign", args=[campaign.pk]))
    assert response.status_code == 302 and response["Location"] == campaign.url


def test_sign_url_honours_view_restrictions(client, campaign):
    from wagtail.models import PageViewRestriction

    PageViewRestriction.objects.create(page=campaign, restriction_type=PageViewRestriction.LOGIN)
    response = client.post(reverse("campaigns:sign", args=[campaign.pk]), sign_form())
    assert response.status_code == 302 and response["Location"] == campaign.url
    assert not Signature.objects.exists()


def test_sign_url_in_english(client, campaign, commit):
    url = f"/en/kampagnen/unterschreiben/{campaign.pk}/"
    with commit():
        response = client.post(url, sign_form())
    assert response.status_code == 303 and response["Location"] == f"/en/kampagnen/unterschreiben/{campaign.pk}/danke/"
    assert Signature.objects.count() == 1
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and 'lang="en"' in thanks.content.decode()
    error = client.post(url, sign_form(consent=None, email="other@example.com"))
    assert error.status_code == 400 and f'action="{url}"' in error.content.decode()


def test_sign_post_query_count_is_constant(client, campaign, django_assert_max_num_queries):
    """No page-tree walk and no page render: the campaign with a view-restriction flag (1), the signing
    transaction with the signature and the mail to the outbox; here (immediate task backend) also the
    delivery, which composes the mail after commit."""
    url = reverse("campaigns:sign", args=[campaign.pk])
    client.post(url, sign_form(email="first@example.com"))
    with django_assert_max_num_queries(12):
        response = client.post(url, sign_form(email="second@example.com"))
    assert response.status_code == 303


def test_sign_post_in_production_is_one_read_and_one_transaction(client, campaign, settings):
    """With the database task backend (production) the request reads the campaign once and writes, in one
    transaction, the signature, the outbox row and its delivery task; it renders no mail."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult

    from hds_site.models import OutboxMail

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    url = reverse("campaigns:sign", args=[campaign.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, sign_form(email="first@example.com"))
    assert response.status_code == 303
    statements = [q["sql"].split(None, 1)[0].upper() for q in queries.captured_queries]
    assert statements.count("SELECT") == 1, queries.captured_queries
    inserted = [q["sql"].split('"')[1] for q in queries.captured_queries if q["sql"].upper().startswith("INSERT")]
    assert inserted == ["campaigns_signature", "hds_site_outboxmail", "django_tasks_database_dbtaskresult"]
    row = OutboxMail.objects.get()
    assert row.status == "pending" and row.body == "" and row.composer == "campaigns.tasks.compose_signature_mail"
    assert row.params == {"signature_id": Signature.objects.get().pk, "template": "confirm"}
    assert DBTaskResult.objects.get().args_kwargs["kwargs"] == {"mail_id": row.pk}


def test_a_confirmation_link_still_waiting_is_dropped_once_the_signature_counts(campaign, settings):
    """The confirmation mail is composed at delivery: when the signer confirmed through an earlier link
    meanwhile, the later "confirm" mail is not sent (the receipt is)."""
    from hds_site import mail as outbox
    from hds_site.models import OutboxMail

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # nothing delivers by itself
    result = services.sign_campaign(campaign=campaign, name="Anna", email="anna@example.com", postcode="10115",
                                    consent_given=True)
    services.confirm_signature(signature_id=result.signature.pk)
    mail.outbox.clear()
    confirm_row, receipt_row = OutboxMail.objects.order_by("pk")
    assert outbox.deliver(confirm_row.pk).status == "dropped"
    assert outbox.deliver(receipt_row.pk).status == "sent"
    assert [m.to for m in mail.outbox] == [["anna@example.com"]]
    assert link_from(mail.outbox[0], "zurueckziehen")  # the receipt, with its withdraw link


def test_rate_limits_count_in_redis_in_one_round_trip(campaign, settings, redis_url):
    """With Redis the limits run as one script; same keys as the cache API, an expiry on every window,
    and an attempt refused for its IP does not count against its mail domain."""
    from django.core.cache import caches

    backend = caches["default"]
    settings.CAMPAIGNS_RATE_LIMIT_IP = (2, 600)
    ip_hash = abuse.hash_ip("10.9.9.9")
    assert [abuse.check_rate_limits(ip_hash=ip_hash, domain="example.net") for _ in range(3)] == [None, None, "ip"]
    assert backend.get(f"campaigns:rl:ip:{ip_hash}") == 3
    assert backend.get("campaigns:rl:dom:example.net") == 2  # the refused third attempt stopped at the IP
    client = backend._cache.get_client(write=True)
    assert 0 < client.ttl(backend.make_and_validate_key(f"campaigns:rl:ip:{ip_hash}")) <= 600
