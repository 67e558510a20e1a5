"""Audit rows (the forum's moderation log, the campaigns' audit log) are written once by services and then
changed or deleted by nobody: not in the Wagtail admin, not even by a superuser, and not through the model
(hds_site/audit.py). Account deletion still empties their references to the deleted person."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from campaigns import services as campaign_services
from campaigns.models import AuditLogEntry
from community import services as forum_services
from community.models import ModerationLog
from hds_site.accounts import services as account_services
from hds_site.audit import AuditRowLocked
from tests.factories import UserFactory, forum_thread, make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(display_name="Sabine Superuser", is_staff=True, is_superuser=True)


@pytest.fixture
def moderator():
    """A forum moderator who also organises a campaign: the actor of both logs."""
    from django.contrib.auth.models import Group

    from community.permissions import MODERATION_GROUP

    user = UserFactory(display_name="Mona Moderatorin")
    user.groups.add(Group.objects.get_or_create(name=MODERATION_GROUP)[0])
    return user


@pytest.fixture
def log_row(moderator):
    thread = forum_thread()
    forum_services.lock_thread(thread=thread, moderator=moderator, reason="Doppelt")  # the service writes the row
    return ModerationLog.objects.get(action=ModerationLog.Action.LOCK, thread=thread)


@pytest.fixture
def audit_row(moderator):
    campaign = make_campaign(organisers=[moderator])
    return campaign_services.record_export(campaign=campaign, actor=moderator, kind="csv", row_count=3)


def _url(name: str, *args) -> str:
    return reverse(ModerationLog.snippet_viewset.get_url_name(name), args=args)


def test_a_superuser_may_list_and_inspect_the_moderation_log(client, superuser, log_row):
    client.force_login(superuser)
    listing = client.get(_url("list"))
    assert listing.status_code == 200
    assert "Doppelt" in listing.content.decode()
    assert client.get(_url("inspect", log_row.pk)).status_code == 200


@pytest.mark.parametrize(
    "method, view, with_pk",
    [
        ("get", "edit", True),
        ("post", "edit", True),
        ("get", "delete", True),
        ("post", "delete", True),
        ("get", "add", False),
        ("post", "add", False),
    ],
)
def test_a_superuser_can_neither_add_nor_edit_nor_delete_moderation_log_rows(
    client, superuser, log_row, method, view, with_pk
):
    client.force_login(superuser)
    url = _url(view, log_row.pk) if with_pk else _url(view)
    data = {"action": "unlock", "reason": "umgeschrieben", "details": "{}"}
    send = client.post if method == "post" else client.get
    # Wagtail's admin answers a PermissionDenied with its "no permission" message on the dashboard …
    response = send(url, data) if method == "post" else send(url)
    assert response.status_code == 302 and response.url == reverse("wagtailadmin_home"), (view, method)
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["error"]
    # … and with a plain 403 to a script
    response = (
        send(url, data, headers={"x-requested-with": "XMLHttpRequest"})
        if method == "post"
        else send(url, headers={"x-requested-with": "XMLHttpRequest"})
    )
    assert response.status_code == 403, (view, method)
    log_row.refresh_from_db()
    assert (log_row.action, log_row.reason) == (ModerationLog.Action.LOCK, "Doppelt")
    assert ModerationLog.objects.count() == 1


def test_the_bulk_delete_action_refuses_a_superuser(client, superuser, log_row):
    client.force_login(superuser)
    url = reverse(
        "wagtail_bulk_action",
        args=[ModerationLog._meta.app_label, ModerationLog._meta.model_name, "delete"],
    )
    response = client.post(f"{url}?id={log_row.pk}", {"id": [log_row.pk]})
    assert response.status_code in (302, 403, 404)
    assert ModerationLog.objects.filter(pk=log_row.pk).exists()


def test_the_listing_offers_no_add_edit_or_delete(client, superuser, log_row):
    client.force_login(superuser)
    html = client.get(_url("list")).content.decode()
    assert _url("add") not in html
    assert _url("edit", log_row.pk) not in html
    assert _url("delete", log_row.pk) not in html


@pytest.mark.parametrize("row", ["log_row", "audit_row"])
def test_the_model_refuses_to_change_or_delete_a_written_row(request, row):
    entry = request.getfixturevalue(row)
    model = type(entry)
    before = model.objects.values().get(pk=entry.pk)
    entry.details = {"rewritten": True}
    with pytest.raises(AuditRowLocked):
        entry.save()
    with pytest.raises(AuditRowLocked):
        entry.delete()
    with pytest.raises(AuditRowLocked):
        model.objects.filter(pk=entry.pk).delete()
    assert model.objects.values().get(pk=entry.pk) == before


def test_a_refused_change_is_a_permission_error_not_a_crash(log_row):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):  # a view that tried answers 403
        log_row.delete()


def test_deleting_an_account_empties_its_references_in_both_logs(moderator, log_row, audit_row):
    account_services.delete_account(user=moderator)
    log_row.refresh_from_db()
    audit_row.refresh_from_db()
    assert log_row.moderator_id is None
    assert audit_row.actor_id is None
    assert (log_row.action, audit_row.action) == (ModerationLog.Action.LOCK, AuditLogEntry.Action.EXPORT_CSV)


def test_deleting_a_campaign_still_deletes_its_audit_rows(audit_row):
    campaign = audit_row.campaign
    campaign.delete()
    assert not AuditLogEntry.objects.filter(pk=audit_row.pk).exists()
