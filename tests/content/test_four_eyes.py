"""Four-eyes principle: a second person approves what one editor submitted."""

import threading

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from wagtail.models import TaskState, WorkflowState

from campaigns.services import propose_campaign
from hds_site.content.services import ensure_editorial_setup
from hds_site.models import FourEyesGroupApprovalTask
from tests.factories import UserFactory, campaign_index


def _editor(email, display_name):
    ensure_editorial_setup()
    user = UserFactory(email=email, display_name=display_name, is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktion"))
    return user


@pytest.fixture
def editors(db):
    campaign_index()
    return _editor("rita@example.com", "Rita Redakteurin"), _editor("karla@example.com", "Karla Kollegin")


def _proposal(editor, title="Von der Redaktion"):
    return propose_campaign(proposer=editor, title=title, demands="Eins", addressee="Bund", why="Weil.", goal=100)


def _action_url(page, action):
    return reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action, page.current_workflow_task_state.pk])


@pytest.mark.django_db
def test_campaign_proposals_need_a_second_person_by_default(client, editors):
    submitter, colleague = editors
    page = _proposal(submitter)
    task = page.current_workflow_task
    assert isinstance(task, FourEyesGroupApprovalTask) and task.second_person_required

    assert [a[0] for a in task.get_actions(page, submitter)] == ["reject"]
    assert "approve" in [a[0] for a in task.get_actions(page, colleague)]

    client.force_login(submitter)
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert "Vier-Augen-Prinzip" in edit  # why there is no approve button
    refused = client.post(_action_url(page, "approve"), follow=True)
    assert refused.redirect_chain == [("/cms/", 302)]  # Wagtail's answer to PermissionDenied: the dashboard …
    assert '<li class="error">' in refused.content.decode()  # … with its "no permission" error message
    page.refresh_from_db()
    assert not page.live and page.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    with pytest.raises(PermissionDenied):  # also past the view
        task.on_action(page.current_workflow_task_state, submitter, "approve")

    client.force_login(colleague)
    assert "Vier-Augen-Prinzip" not in client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert client.post(_action_url(page, "approve")).status_code == 302
    page.refresh_from_db()
    assert page.live and page.current_workflow_state is None


@pytest.mark.django_db
def test_the_explanation_speaks_the_editors_admin_language(client, editors):
    from wagtail.users.models import UserProfile

    submitter, _colleague = editors
    page = _proposal(submitter)
    profile = UserProfile.get_for_user(submitter)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(submitter)
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert "four-eyes principle: a second person has to approve it" in edit


@pytest.mark.django_db
def test_the_flag_is_per_workflow_step(client, editors):
    submitter, _colleague = editors
    page = _proposal(submitter)
    task = page.current_workflow_task
    task.second_person_required = False
    task.save()
    client.force_login(submitter)
    assert client.post(_action_url(page, "approve")).status_code == 302
    page.refresh_from_db()
    assert page.live


@pytest.mark.django_db
def test_legal_pages_get_the_four_eyes_workflow(editors):
    from hds_site.content.models import StandardPage
    from tests.factories import content_home

    home = content_home()
    from hds_site.content.services import upsert_child_page

    impressum, _ = upsert_child_page(parent=home, page_class=StandardPage, slug="impressum", title="Impressum")
    other, _ = upsert_child_page(parent=home, page_class=StandardPage, slug="ueber-uns", title="Über uns")
    ensure_editorial_setup()
    workflow = impressum.get_workflow()
    assert isinstance(workflow.tasks.first().specific, FourEyesGroupApprovalTask)
    assert not isinstance(other.get_workflow().tasks.first().specific, FourEyesGroupApprovalTask)


@pytest.mark.django_db(transaction=True)
def test_two_editors_approving_at_once_give_one_approval(postgres, editors):
    submitter, colleague = editors
    third = _editor("tara@example.com", "Tara Dritte")
    page = _proposal(submitter)
    task_state = page.current_workflow_task_state
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(user):
        from django.db import connection as thread_connection

        try:
            state = TaskState.objects.get(pk=task_state.pk)
            barrier.wait(timeout=10)
            state.task.specific.on_action(state, user, "approve")
            outcomes.append("approved")
        except PermissionDenied:
            outcomes.append("refused")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=approve, args=(user,)) for user in (colleague, third)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["approved", "refused"]
    from wagtail.models import PageLogEntry

    assert PageLogEntry.objects.filter(page=page, action="wagtail.workflow.approve").count() == 1
    assert TaskState.objects.filter(workflow_state=task_state.workflow_state, status=TaskState.STATUS_APPROVED).count() == 1
