"""Members get only the platform's own mails; Wagtail's admin mails reach staff only."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from hds_site.content.services import ensure_editorial_setup
from tests.factories import UserFactory, campaign_index

pytestmark = pytest.mark.django_db

PROPOSAL = {
    "title": "Mindesthonorare im Kulturbereich",
    "demands": "Mindesthonorare bei öffentlicher Förderung",
    "addressee": "Kulturministerkonferenz",
    "why": "Öffentliche Gelder sollen faire Honorare bezahlen.",
    "goal": "2000",
}


def _editor(email, display_name):
    ensure_editorial_setup()
    user = UserFactory(email=email, display_name=display_name, is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktion"))
    return user


@pytest.fixture
def editor(db):
    campaign_index()
    return _editor("redaktion@example.com", "Rita Redakteurin")


@pytest.fixture
def member(db):
    return UserFactory(email="member@example.com", display_name="Mia Mitglied")


def _propose(client, member, commit):
    from campaigns.models import CampaignPage

    client.force_login(member)
    with commit(execute=True):
        assert client.post(reverse("campaigns:propose"), PROPOSAL).status_code == 200
    client.logout()
    return CampaignPage.objects.get(title=PROPOSAL["title"])


def _act(client, editor, page, action, commit, **data):
    """The editor's click in the admin: Wagtail's workflow action view."""
    task_state = page.current_workflow_task_state
    client.force_login(editor)
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action, task_state.pk])
    with commit(execute=True):
        response = client.post(url, data)
    assert response.status_code in (200, 302), response.content[:500]
    page.refresh_from_db()
    return page


@pytest.mark.parametrize(
    ("action", "data", "subject"),
    [
        ("approve", {}, "Kampagnenvorschlag ist freigegeben"),
        ("reject", {"comment": "Bitte Adressat konkretisieren."}, "Kampagnenvorschlag"),
    ],
)
def test_the_proposer_gets_exactly_our_mail(client, editor, member, django_capture_on_commit_callbacks, action, data, subject):
    page = _propose(client, member, django_capture_on_commit_callbacks)
    assert page.current_workflow_state.requested_by == member and page.owner == member
    mail.outbox.clear()

    page = _act(client, editor, page, action, django_capture_on_commit_callbacks, **data)
    assert page.live == (action == "approve")

    to_member = [m for m in mail.outbox if member.email in m.to]
    assert len(to_member) == 1, [m.subject for m in to_member]
    message = to_member[0]
    assert subject in message.subject
    assert "/cms/" not in message.body  # links the member can open
    if action == "approve":
        assert page.url in message.body
    else:
        assert "Bitte Adressat konkretisieren." in message.body


def test_the_members_proposal_still_reaches_the_editors(client, editor, member, django_capture_on_commit_callbacks):
    _propose(client, member, django_capture_on_commit_callbacks)
    to_editor = [m for m in mail.outbox if m.to == [editor.email]]
    assert len(to_editor) == 1 and "/cms/" in to_editor[0].body  # Wagtail's "waiting for your review"
    assert not [m for m in mail.outbox if member.email in m.to]


def test_staff_submitters_keep_wagtails_mails(client, editor, django_capture_on_commit_callbacks):
    """An editor's own submission, approved by a colleague: Wagtail tells the submitter, as before."""
    from campaigns.models import CampaignPage
    from campaigns.services import propose_campaign

    colleague = _editor("kollegin@example.com", "Karla Kollegin")
    with django_capture_on_commit_callbacks(execute=True):
        page = propose_campaign(proposer=editor, title="Von der Redaktion", demands="Eins", addressee="Bund",
                                why="Weil.", goal=100)
    mail.outbox.clear()
    _act(client, colleague, CampaignPage.objects.get(pk=page.pk), "approve", django_capture_on_commit_callbacks)
    wagtail_mails = [m for m in mail.outbox if m.to == [editor.email] and "/cms/" in m.body]
    assert len(wagtail_mails) == 1
    assert "Hallo Rita Redakteurin," in wagtail_mails[0].body


def test_our_notifiers_replace_wagtails():
    from wagtail.signals import workflow_approved

    from hds_site.admin_mail import WorkflowApprovalNotifier

    receivers = [ref() for _key, ref, *_rest in workflow_approved.receivers]
    assert any(isinstance(r, WorkflowApprovalNotifier) for r in receivers)
    assert not any(type(r).__module__ == "wagtail.admin.mail" for r in receivers)
