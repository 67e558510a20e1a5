"""The Wagtail admin (/cms/) is for staff only."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from hds_site.accounts import demo
from tests.factories import DEFAULT_TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _signup_and_verify(client, mailoutbox, django_user_model):
    import re

    password = "Kaffee-und-Kuchen-2026"
    client.post(
        reverse("account_signup"),
        {"email": "neu@example.com", "display_name": "Neu Hier", "password1": password, "password2": password},
    )
    path = re.search(r"http://testserver(/konto/confirm-email/[^\s]+/)", mailoutbox[0].body).group(1)
    client.post(path)
    client.post(reverse("account_login"), {"login": "neu@example.com", "password": password})
    return django_user_model.objects.get(email="neu@example.com")


def test_signed_up_member_cannot_open_the_admin(client, mailoutbox, django_user_model):
    member = _signup_and_verify(client, mailoutbox, django_user_model)
    assert client.session["_auth_user_id"] == str(member.pk)
    assert not member.has_perm("wagtailadmin.access_admin")
    assert not member.is_staff
    assert member.groups.count() == 0
    response = client.get("/cms/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))
    response = client.get("/cms/pages/")
    assert response.status_code == 302


def test_member_login_on_admin_login_page_does_not_open_the_admin(client):
    member = UserFactory()
    client.post(reverse("wagtailadmin_login"), {"username": member.email, "password": DEFAULT_TEST_PASSWORD})
    assert client.get("/cms/").status_code == 302


def test_anonymous_is_sent_to_login(client):
    response = client.get("/cms/")
    assert response.status_code == 302
    assert reverse("wagtailadmin_login") in response["Location"]


def test_staff_editor_can_open_the_admin(client):
    demo.seed(stdout=__import__("io").StringIO())
    from django.contrib.auth import get_user_model

    editor = get_user_model().objects.get(email="redaktion@example.org")
    client.force_login(editor)
    assert client.get("/cms/").status_code == 200
    moderation_group = Group.objects.get(name="Moderation")
    assert moderation_group.permissions.filter(codename="access_admin").exists()
    # members' groups never carry the admin permission
    access_admin = Permission.objects.get(codename="access_admin")
    member = get_user_model().objects.get(email="mitglied@example.org")
    assert not member.is_staff
    assert not member.groups.filter(permissions=access_admin).exists()
    client.force_login(member)
    assert client.get("/cms/").status_code == 302
