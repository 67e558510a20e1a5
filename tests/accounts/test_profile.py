"""Profile editing and the public member page."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.safestring import mark_safe
from wagtail import hooks

from hds_site.accounts import services
from hds_site.accounts.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_profile_edit_requires_login(client):
    response = client.get(reverse("accounts:profile_edit"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_edit_page_is_accessible(client):
    user = UserFactory(display_name="Lotta Lektorat")
    client.force_login(user)
    response = client.get(reverse("accounts:profile_edit"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    for field in ("display_name", "profession", "bundesland", "bio", "is_public"):
        assert f'<label for="id_{field}">' in html
    assert 'value="Lotta Lektorat"' in html
    assert "Baden-Württemberg" in html


def test_profile_edit_saves(client):
    user = UserFactory(display_name="Lotta Lektorat")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile_edit"),
        {
            "display_name": "Lotta L.",
            "profession": "Lektorin",
            "bundesland": "DE-HH",
            "bio": "Ich lektoriere Sachbücher.",
            "is_public": "on",
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user=user)
    assert (profile.display_name, profile.profession, profile.bundesland, profile.is_public) == (
        "Lotta L.",
        "Lektorin",
        "DE-HH",
        True,
    )
    assert client.get(response["Location"]).content.decode().count("Ihr Profil wurde gespeichert.") == 1


def test_profile_edit_duplicate_display_name_is_a_field_error(client):
    UserFactory(display_name="Anna Schmidt")
    user = UserFactory(display_name="Berta")
    client.force_login(user)
    response = client.post(reverse("accounts:profile_edit"), {"display_name": "ANNA schmidt", "bio": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dieser Anzeigename ist schon vergeben." in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_display_name_helptext id_display_name_error"' in html
    assert 'id="id_display_name_error"' in html
    assert Profile.objects.get(user=user).display_name == "Berta"


def test_profile_edit_validation_errors(client):
    user = UserFactory(display_name="Berta")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile_edit"),
        {"display_name": "<script>", "bundesland": "XX", "bio": "x" * 501},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"display_name", "bundesland", "bio"}


def test_display_name_unique_case_insensitive_in_database():
    UserFactory(display_name="Anna Schmidt")
    other = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.filter(user=other).update(display_name="anna schmidt")


def test_only_the_member_may_update_their_profile():
    from django.core.exceptions import PermissionDenied

    owner, intruder = UserFactory(), UserFactory()
    with pytest.raises(PermissionDenied):
        services.update_profile(user=owner, actor=intruder, bio="gehackt")


def test_public_profile_visible_to_everyone(client):
    user = UserFactory(display_name="Jana Freiberg", profession="Grafikdesignerin", bundesland="DE-BE",
                       bio="Hallo!", is_public=True)
    response = client.get(reverse("accounts:member_profile", args=["Jana Freiberg"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Grafikdesignerin" in html and "Berlin" in html and "Hallo!" in html
    assert user.email not in html
    assert html.count("<h1") == 1
    # case-insensitive lookup redirects to the canonical spelling
    response = client.get(reverse("accounts:member_profile", args=["jana freiberg"]))
    assert response.status_code == 302
    assert response["Location"] == user.profile.get_absolute_url()


def test_private_profile_is_404_except_for_owner(client):
    user = UserFactory(display_name="Stiller Mensch", is_public=False)
    url = reverse("accounts:member_profile", args=["Stiller Mensch"])
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert "Nur Sie sehen diese Seite" in response.content.decode()


def test_unknown_profile_is_404(client):
    assert client.get(reverse("accounts:member_profile", args=["Niemand"])).status_code == 404


def test_profile_sections_hook_receives_profile_user(client):
    user = UserFactory(display_name="Jana Freiberg", is_public=True)
    seen = []

    def section(context, profile_user):
        seen.append(profile_user)
        return mark_safe("<section><h2>Beiträge im Forum</h2></section>")

    with hooks.register_temporarily("hds_profile_sections", section):
        response = client.get(reverse("accounts:member_profile", args=["Jana Freiberg"]))
    assert "<h2>Beiträge im Forum</h2>" in response.content.decode()
    assert seen == [user]


def test_member_profile_page_query_count_is_constant(client, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    UserFactory(display_name="Jana Freiberg", is_public=True, bio="x")
    url = reverse("accounts:member_profile", args=["Jana Freiberg"])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(5):
        UserFactory(display_name=f"Andere {n}", is_public=True)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many)
    # one query for the profile (with its user); the rest is the shared layout (nav, footer hooks)
    with django_assert_max_num_queries(10):
        client.get(url)


def test_profile_edit_query_count(client, django_assert_max_num_queries):
    user = UserFactory(display_name="Lotta")
    client.force_login(user)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("accounts:profile_edit")).status_code == 200


def test_display_name_of_deleted_or_missing_author():
    from hds_site.accounts.selectors import display_name_of

    assert display_name_of(None) == "gelöschtes Mitglied"
    assert display_name_of(UserFactory(display_name="Da Bin Ich")) == "Da Bin Ich"
