"""Demo accounts from hds_site.accounts.demo.seed (used by seed_demo)."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse

from hds_site.accounts import demo
from hds_site.accounts.models import Profile

pytestmark = pytest.mark.django_db

EMAILS = [
    "admin@example.org",
    "redaktion@example.org",
    "moderation@example.org",
    "mitglied@example.org",
    "mitglied2@example.org",
]


def test_seed_is_idempotent_and_prints_logins(settings):
    settings.HDS_DEMO_PASSWORD = "demo-passwort-123"
    out = io.StringIO()
    demo.seed(out)
    User = get_user_model()
    counts = (User.objects.count(), Profile.objects.count(), EmailAddress.objects.count())
    demo.seed(io.StringIO())
    assert (User.objects.count(), Profile.objects.count(), EmailAddress.objects.count()) == counts
    assert counts == (5, 5, 5)

    printed = out.getvalue()
    for email in EMAILS:
        assert email in printed
        user = User.objects.get(email=email)
        assert user.check_password("demo-passwort-123")
        address = EmailAddress.objects.get(user=user)
        assert address.verified and address.primary

    admin = User.objects.get(email="admin@example.org")
    assert admin.is_superuser and admin.is_staff
    editor = User.objects.get(email="redaktion@example.org")
    assert editor.is_staff and list(editor.groups.values_list("name", flat=True)) == ["Redaktion"]
    moderator = User.objects.get(email="moderation@example.org")
    assert moderator.is_staff and list(moderator.groups.values_list("name", flat=True)) == ["Moderation"]
    for email in ("mitglied@example.org", "mitglied2@example.org"):
        member = User.objects.get(email=email)
        assert not member.is_staff and not member.is_superuser
        assert member.profile.is_public and member.profile.profession and member.profile.bundesland


def test_demo_member_can_log_in(client, settings):
    settings.HDS_DEMO_PASSWORD = "demo-passwort-123"
    demo.seed(io.StringIO())
    client.post(reverse("account_login"), {"login": "mitglied@example.org", "password": "demo-passwort-123"})
    assert client.session.get("_auth_user_id")


def test_seed_keeps_groups_created_elsewhere():
    from django.contrib.auth.models import Group

    Group.objects.get_or_create(name="Redaktion")  # may already come from a content migration
    demo.seed(io.StringIO())
    assert Group.objects.filter(name="Redaktion").count() == 1
