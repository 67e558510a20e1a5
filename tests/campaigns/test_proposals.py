import pytest
from django.core import mail
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from campaigns.models import CampaignPage
from tests.factories import forum_thread

pytestmark = pytest.mark.django_db

PROPOSAL = {
    "title": "Mindesthonorare im Kulturbereich",
    "demands": "Mindesthonorare bei öffentlicher Förderung\n- Honorarstandards verbindlich machen",
    "addressee": "Kulturministerkonferenz",
    "why": "Öffentliche Gelder sollen faire Honorare bezahlen.",
    "goal": "2000",
}


def _propose(client, member, **extra):
    client.force_login(member)
    response = client.post(reverse("campaigns:propose"), {**PROPOSAL, **extra})
    assert response.status_code == 200, response.content.decode()[:2000]
    return CampaignPage.objects.get(title=PROPOSAL["title"])


def test_proposal_needs_login(client, index):
    response = client.get(reverse("campaigns:propose"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_proposal_form_is_accessible(client, index, member):
    client.force_login(member)
    response = client.post(reverse("campaigns:propose"), {"title": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'aria-describedby="id_title_error"' in html
    assert 'class="error-summary"' in html


def test_proposal_becomes_draft_in_workflow(client, index, member):
    page = _propose(client, member)
    assert not page.live and page.status == "review"
    assert page.proposer == member and list(page.organisers.all()) == [member]
    assert "<li>Honorarstandards verbindlich machen</li>" in page.demands
    state = page.current_workflow_state
    assert state is not None and state.status == "in_progress"
    assert state.requested_by == member
    # not public while in review
    assert client.get("/api/v1/campaigns/").json()["campaigns"] == []


def test_approval_publishes_and_notifies(client, index, member, editor, commit):
    page = _propose(client, member)
    mail.outbox.clear()
    task_state = page.current_workflow_task_state
    with commit():
        task_state.task.specific.on_action(task_state, editor, "approve")
    page.refresh_from_db()
    assert page.live and page.status == "open"
    mails = [m for m in mail.outbox if m.to == [member.email] and "Kampagnenvorschlag ist freigegeben" in m.subject]
    assert len(mails) == 1 and page.url in mails[0].body


def test_rejection_notifies_with_reason(client, index, member, editor, commit):
    page = _propose(client, member)
    mail.outbox.clear()
    task_state = page.current_workflow_task_state
    with commit():
        task_state.task.specific.on_action(task_state, editor, "reject", comment="Bitte Adressat konkretisieren.")
    page.refresh_from_db()
    assert not page.live
    # ours (Wagtail may send its own admin notification as well)
    mails = [m for m in mail.outbox if m.to == [member.email] and "Kampagnenvorschlag" in m.subject]
    assert len(mails) == 1
    assert "nicht freigegeben" in mails[0].body and "Bitte Adressat konkretisieren." in mails[0].body


def test_thread_becomes_proposal_and_both_link(client, index, member, editor, commit):
    thread = forum_thread(author=member, title="Wir brauchen Mindesthonorare")
    request = RequestFactory().get("/")
    request.user = member
    template = Template('{% load hds_tags %}{% render_hook "thread_actions" thread %}')
    html = template.render(Context({"request": request, "thread": thread}))
    assert f"{reverse('campaigns:propose')}?thread={thread.pk}" in html

    client.force_login(member)
    form = client.get(reverse("campaigns:propose") + f"?thread={thread.pk}")
    assert f'value="{thread.pk}"' in form.content.decode()
    page = _propose(client, member, thread=str(thread.pk))
    assert page.source_thread == thread
    task_state = page.current_workflow_task_state
    with commit():
        task_state.task.specific.on_action(task_state, editor, "approve")
    html = template.render(Context({"request": request, "thread": thread}))
    assert page.url in html
    assert thread.get_absolute_url() in client.get(page.url).content.decode()


def test_thread_page_offers_the_proposal_and_lists_its_campaigns(client, index, member, editor, commit):
    """The real forum thread page renders the campaigns hook (not only the hook in isolation)."""
    thread = forum_thread(author=member, title="Honoraruntergrenzen jetzt")
    client.force_login(member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert f"{reverse('campaigns:propose')}?thread={thread.pk}" in html

    page = _propose(client, member, thread=str(thread.pk))
    task_state = page.current_workflow_task_state
    with commit():
        task_state.task.specific.on_action(task_state, editor, "approve")
    page.refresh_from_db()
    client.logout()
    html = client.get(thread.get_absolute_url()).content.decode()
    assert page.url in html
