"""GDPR self-service: data export (JSON download) and account deletion."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, get_resolver, reverse
from wagtail import hooks

from hds_site.accounts import services
from hds_site.accounts.models import Profile
from tests.factories import DEFAULT_TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _export(client):
    response = client.get(reverse("accounts:data_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return json.loads(response.content)


def test_export_requires_login(client):
    response = client.get(reverse("accounts:data_export"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_export_contains_my_data_and_nobody_elses(client):
    me = UserFactory(email="ich@example.com", display_name="Ich Selbst", profession="Tischlerin",
                     bundesland="DE-TH", bio="Möbel nach Maß.", is_public=True)
    EmailAddress.objects.create(user=me, email="zweit@example.com", verified=False, primary=False)
    other = UserFactory(email="andere@example.com", display_name="Jemand Anderes", bio="Geheimnis")
    client.force_login(me)

    data = _export(client)
    assert data["account"]["email"] == "ich@example.com"
    assert data["account"]["date_joined"]
    assert {a["email"] for a in data["email_addresses"]} == {"ich@example.com", "zweit@example.com"}
    assert data["profile"] == {
        **data["profile"],
        "display_name": "Ich Selbst",
        "profession": "Tischlerin",
        "bundesland": "DE-TH",
        "bundesland_name": "Thüringen",
        "bio": "Möbel nach Maß.",
        "is_public": True,
    }
    assert "login_history" in data
    assert "password" not in json.dumps(data["account"])
    raw = json.dumps(data, ensure_ascii=False)
    assert other.email not in raw and "Jemand Anderes" not in raw and "Geheimnis" not in raw


def test_export_has_no_url_for_someone_elses_data(client):
    me, other = UserFactory(), UserFactory(display_name="Fremde Person")
    client.force_login(me)
    # the export URL takes no argument: it always exports the requester
    with pytest.raises(NoReverseMatch):
        reverse("accounts:data_export", args=[other.pk])
    for pattern in get_resolver().reverse_dict.getlist("accounts:data_export"):
        assert pattern[0][0][1] == []
    data = _export(client)
    data_with_query = json.loads(client.get(reverse("accounts:data_export") + f"?user={other.pk}").content)
    assert data_with_query["account"]["email"] == me.email == data["account"]["email"]
    assert "Fremde Person" not in json.dumps(data_with_query)


def test_export_includes_sections_from_other_apps(client):
    me = UserFactory()
    client.force_login(me)

    def forum_section(user):
        return {"test_section": [{"body": f"Beitrag von {user.pk}"}]}

    with hooks.register_temporarily("hds_gdpr_export", forum_section):
        data = _export(client)
    assert data["test_section"] == [{"body": f"Beitrag von {me.pk}"}]


def test_my_data_page_links_export_and_deletion(client):
    client.force_login(UserFactory())
    html = client.get(reverse("accounts:my_data")).content.decode()
    assert reverse("accounts:data_export") in html
    assert reverse("accounts:account_delete") in html
    assert html.count("<h1") == 1


def test_delete_confirmation_page_explains_what_happens(client):
    client.force_login(UserFactory())
    response = client.get(reverse("accounts:account_delete"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "gelöschtes Mitglied" in html
    assert "persönlichen Daten werden entfernt" in html
    assert '<label for="id_password">' in html


def test_delete_with_wrong_password_keeps_account(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:account_delete"), {"password": "falsch", "confirm": "on"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Das Passwort ist nicht korrekt." in html
    assert 'aria-invalid="true"' in html
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_delete_account_removes_personal_data_and_calls_hooks(client):
    user = UserFactory(email="weg@example.com", display_name="Bald Weg", bio="Tschüss", is_public=True)
    user_pk = user.pk
    calls = []

    def forum_anonymise(u):
        # runs inside the transaction, before the user row goes
        assert get_user_model().objects.filter(pk=u.pk).exists()
        calls.append(u.pk)

    client.force_login(user)
    with hooks.register_temporarily("hds_account_deletion", forum_anonymise):
        response = client.post(
            reverse("accounts:account_delete"), {"password": DEFAULT_TEST_PASSWORD, "confirm": "on"}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account_deleted")
    assert calls == [user_pk]
    assert client.session.get("_auth_user_id") is None
    page = client.get(response["Location"])
    assert "Ihr Konto wurde gelöscht" in page.content.decode()

    assert not get_user_model().objects.filter(pk=user_pk).exists()
    assert not get_user_model().objects.filter(email__iexact="weg@example.com").exists()
    assert not EmailAddress.objects.filter(email__iexact="weg@example.com").exists()
    assert not Profile.objects.filter(display_name="Bald Weg").exists()
    assert client.get(reverse("accounts:member_profile", args=["Bald Weg"])).status_code == 404

    # cannot log in any more
    client.post(reverse("account_login"), {"login": "weg@example.com", "password": DEFAULT_TEST_PASSWORD})
    assert client.session.get("_auth_user_id") is None


def test_failing_hook_rolls_back_the_deletion():
    user = UserFactory()

    def broken(u):
        raise RuntimeError("forum could not anonymise")

    with hooks.register_temporarily("hds_account_deletion", broken), pytest.raises(RuntimeError):
        services.delete_account(user=user)
    assert get_user_model().objects.filter(pk=user.pk).exists()
    assert Profile.objects.filter(user_id=user.pk).exists()


def test_display_name_is_free_again_after_deletion():
    user = UserFactory(display_name="Wiederkehr")
    services.delete_account(user=user)
    UserFactory(display_name="Wiederkehr")


def test_export_includes_wagtail_admin_preferences_of_staff(client):
    from wagtail.users.models import UserProfile

    editor = UserFactory(is_staff=True)
    UserProfile.objects.create(user=editor, preferred_language="de")
    client.force_login(editor)
    data = _export(client)
    assert data["wagtail_admin_preferences"]["preferred_language"] == "de"
    client.force_login(UserFactory())
    assert "wagtail_admin_preferences" not in _export(client)


def test_delete_password_attempts_are_rate_limited(client):
    user = UserFactory()
    client.force_login(user)
    url = reverse("accounts:account_delete")
    for _ in range(10):
        client.post(url, {"password": "falsch", "confirm": "on"})
    response = client.post(url, {"password": DEFAULT_TEST_PASSWORD, "confirm": "on"})
    assert response.status_code == 200
    assert "Zu viele Versuche" in response.content.decode()
    assert get_user_model().objects.filter(pk=user.pk).exists()
