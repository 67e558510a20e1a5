"""Sign-up does not tell whether an address is registered: same answer, same work.

A registered address used to skip the password hash (PBKDF2, ~300 ms in
production) and answered ~20 ms instead of ~350 ms. The test asserts the work,
not the clock: one password hash and one mail queued in the outbox, for a new
and for a registered address alike, and the same answer.
"""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.urls import reverse

from hds_site.models import OutboxMail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Kaffee-und-Kuchen-2026"


class CountingHasher(MD5PasswordHasher):
    """Django's (test) hasher, counting how often a password is hashed."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password, salt):
        CountingHasher.calls += 1
        return super().encode(password, salt)


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def _signup(client, email, display_name):
    return client.post(reverse("account_signup"), {
        "email": email, "display_name": display_name, "password1": PASSWORD, "password2": PASSWORD,
    })


def _work(client, counting_hasher, mailoutbox, email, display_name):
    counting_hasher.calls = 0
    before = set(OutboxMail.objects.values_list("pk", flat=True))
    mailoutbox.clear()
    response = _signup(client, email, display_name)
    queued = OutboxMail.objects.exclude(pk__in=before)
    return {
        "status": response.status_code,
        "location": response.get("Location"),
        "hashes": counting_hasher.calls,
        "queued": [row.to for row in queued],
        "sent": [m.to for m in mailoutbox],
    }


def test_a_registered_and_a_new_address_get_the_same_answer_and_the_same_work(client, counting_hasher, mailoutbox):
    UserFactory(email="vorhanden@example.com")
    registered = _work(client, counting_hasher, mailoutbox, "vorhanden@example.com", "Zweites Konto")
    new = _work(client, counting_hasher, mailoutbox, "neu@example.com", "Neue Kollegin")

    assert new == {"status": 302, "location": reverse("account_email_verification_sent"), "hashes": 1,
                   "queued": [["neu@example.com"]], "sent": [["neu@example.com"]]}
    assert registered == {"status": 302, "location": reverse("account_email_verification_sent"), "hashes": 1,
                          "queued": [["vorhanden@example.com"]], "sent": [["vorhanden@example.com"]]}
    # the registered address learns of the attempt, the new one gets its confirmation link
    assert OutboxMail.objects.filter(category="account-account-already-exists").count() == 1
    assert OutboxMail.objects.filter(category="account-email-confirmation-signup").count() == 1


def test_the_page_after_sign_up_is_the_same_for_both(client, counting_hasher):
    UserFactory(email="vorhanden@example.com")
    pages = []
    for email, name in (("vorhanden@example.com", "Zweites Konto"), ("neu@example.com", "Neue Kollegin")):
        response = client.post(reverse("account_signup"), {
            "email": email, "display_name": name, "password1": PASSWORD, "password2": PASSWORD,
        }, follow=True)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append(html.replace(email, "ADRESSE").replace("csrfmiddlewaretoken", ""))
    main = [page.split("<main", 1)[1].split("</main>", 1)[0] for page in pages]
    assert main[0] == main[1]
