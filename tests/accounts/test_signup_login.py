"""Sign-up → verification mail → confirm → log in; the allauth flows in German."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from hds_site.accounts.models import Profile
from tests.factories import DEFAULT_TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "Kaffee-und-Kuchen-2026"


def _signup(client, email="neu@example.com", display_name="Neue Kollegin", password=PASSWORD):
    return client.post(
        reverse("account_signup"),
        {"email": email, "display_name": display_name, "password1": password, "password2": password},
    )


def _logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def _link(mail, pattern):
    match = re.search(pattern, mail.body)
    assert match, mail.body
    return match.group(0)


def test_signup_page_is_german_and_labelled(client):
    response = client.get(reverse("account_signup"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="de">' in html
    assert html.count("<h1") == 1
    for field in ("email", "display_name", "password1", "password2"):
        assert f'<label for="id_{field}">' in html
    assert 'aria-describedby="id_display_name_helptext"' in html
    assert "Registrieren" in html


def test_signup_verify_then_login(client, mailoutbox, django_user_model):
    response = _signup(client)
    assert response.status_code == 302
    user = django_user_model.objects.get(email="neu@example.com")
    # internal random username, not derived from the email
    assert user.username.startswith("m-") and "neu" not in user.username
    assert user.profile.display_name == "Neue Kollegin"
    assert user.profile.is_public is False
    assert _logged_in_user_id(client) is None  # mandatory verification: not logged in yet

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["neu@example.com"]
    confirm_url = _link(mail, r"http://testserver/konto/confirm-email/[^\s]+/")

    # GET shows the confirmation page; confirming is a POST
    path = confirm_url.removeprefix("http://testserver")
    page = client.get(path)
    assert page.status_code == 200
    assert page.content.decode().count("<h1") == 1
    assert not EmailAddress.objects.get(email="neu@example.com").verified
    response = client.post(path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="neu@example.com").verified

    response = client.post(reverse("account_login"), {"login": "neu@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(user.pk)


def test_signup_rejects_taken_display_name_case_insensitive(client, django_user_model):
    UserFactory(display_name="Anna Schmidt")
    response = _signup(client, display_name="anna SCHMIDT")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dieser Anzeigename ist schon vergeben." in html
    assert 'aria-invalid="true"' in html
    assert 'id="id_display_name_error"' in html
    assert not django_user_model.objects.filter(email="neu@example.com").exists()


def test_signup_rejects_reserved_display_name(client):
    response = _signup(client, display_name="Gelöschtes Mitglied")
    assert response.status_code == 200
    assert "Dieser Name ist reserviert." in response.content.decode()


def test_login_before_verification_is_refused(client, mailoutbox):
    _signup(client)
    mailoutbox.clear()
    response = client.post(reverse("account_login"), {"login": "neu@example.com", "password": PASSWORD})
    assert _logged_in_user_id(client) is None
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mailoutbox) == 1  # allauth re-sends the verification mail


def test_login_with_email_and_logout_is_post_only(client):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email.upper(), "password": DEFAULT_TEST_PASSWORD})
    assert response.status_code == 302
    assert _logged_in_user_id(client) == str(user.pk)

    # GET only shows a confirmation page
    page = client.get(reverse("account_logout"))
    assert page.status_code == 200
    assert _logged_in_user_id(client) == str(user.pk)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert _logged_in_user_id(client) is None


def test_wrong_password_shows_error_and_is_rate_limited(client):
    user = UserFactory()
    url = reverse("account_login")
    first = client.post(url, {"login": user.email, "password": "falsch-falsch"})
    assert first.status_code == 200
    html = first.content.decode()
    assert 'role="alert"' in html  # non-field error summary
    for _ in range(5):
        client.post(url, {"login": user.email, "password": "falsch-falsch"})
    # locked out: even the right password is refused now
    response = client.post(url, {"login": user.email, "password": DEFAULT_TEST_PASSWORD})
    assert response.status_code in (200, 429)
    assert _logged_in_user_id(client) is None
    assert "Anmeldeversuche" in response.content.decode()


def test_password_reset_mail_and_new_password(client, mailoutbox):
    user = UserFactory()
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = _link(mailoutbox[0], r"http://testserver/konto/password/reset/key/[^\s]+/")
    response = client.get(link.removeprefix("http://testserver"), follow=True)
    assert response.status_code == 200
    form_path = response.redirect_chain[-1][0] if response.redirect_chain else link.removeprefix("http://testserver")
    new_password = "Neues-Passwort-2026!"
    response = client.post(form_path, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)


def test_every_user_gets_a_profile(django_user_model):
    user = django_user_model.objects.create_user(username="x", email="x@example.com", password="x")
    assert Profile.objects.get(user=user).display_name.startswith("Mitglied-")
