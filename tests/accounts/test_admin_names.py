"""The Wagtail admin names people by their display name (staff also by email), never by username."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hds_site.accounts import services
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


@pytest.fixture
def index(db):
    return campaign_index()


def _editor(email="redaktion@example.com", display_name="Rita Redakteurin"):
    ensure_editorial_setup()
    user = UserFactory(email=email, display_name=display_name, is_staff=True)
    user.groups.add(Group.objects.get(name="Redaktion"))
    return user


@pytest.fixture
def editor(index):
    return _editor()


@pytest.fixture
def member(db):
    return UserFactory(email="member@example.com", display_name="Mia Mitglied")


def _propose(client, member):
    from campaigns.models import CampaignPage

    client.force_login(member)
    response = client.post(reverse("campaigns:propose"), PROPOSAL)
    assert response.status_code == 200
    client.logout()
    return CampaignPage.objects.get(title=PROPOSAL["title"])


def test_the_user_model_names_by_display_name(editor, member):
    assert member.username.startswith("m-") and editor.username.startswith("m-")
    assert member.get_full_name() == "Mia Mitglied"
    assert member.get_short_name() == "Mia Mitglied"
    assert editor.get_full_name() == "Rita Redakteurin (redaktion@example.com)"
    assert editor.get_short_name() == "Rita Redakteurin"
    assert str(member) == "Mia Mitglied"  # choice fields (e.g. a campaign's organisers in the admin)

    # a changed display name is what the admin shows next
    services.update_profile(user=member, display_name="Mia M.")
    member.refresh_from_db()
    assert member.get_full_name() == "Mia M."
    assert (member.first_name, member.last_name) == ("Mia M.", "")


def test_dashboard_workflow_panel_and_history_show_names(client, editor, member):
    page = _propose(client, member)
    client.force_login(editor)

    dashboard = client.get("/cms/").content.decode()
    assert "Rita Redakteurin" in dashboard  # the account summary and the account menu
    assert re.search(r'"name":\s*"Rita Redakteurin"', dashboard)  # the sidebar's account menu
    assert "Mia Mitglied" in dashboard  # "awaiting your review": who submitted it

    edit = client.get(reverse("wagtailadmin_pages:edit", args=[page.pk])).content.decode()
    assert "Mia Mitglied" in edit  # the workflow status panel: requested by …
    assert re.search(rf'<option value="{member.pk}" selected>Mia Mitglied</option>', edit)  # organisers

    history = client.get(reverse("wagtailadmin_pages:history", args=[page.pk])).content.decode()
    assert "Mia Mitglied" in history

    workflow_history = client.get(reverse("wagtailadmin_pages:workflow_history", args=[page.pk])).content.decode()
    assert "Mia Mitglied" in workflow_history

    for html in (dashboard, edit, history, workflow_history):
        assert editor.username not in html and member.username not in html


def test_wagtails_workflow_mails_greet_and_name_people_by_name(client, editor, member, django_capture_on_commit_callbacks):
    admin = UserFactory(email="admin@example.com", display_name="Ada Admin", is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        _propose(client, member)
    to_editor = [m for m in mail.outbox if m.to == [editor.email]]  # the task's group: "please review"
    to_admin = [m for m in mail.outbox if m.to == [admin.email]]  # superusers: "submitted … by Mia Mitglied"
    assert to_editor and to_admin, [(m.to, m.subject) for m in mail.outbox]
    assert re.search(r"^Hallo Rita Redakteurin,", to_editor[0].body, re.M)
    assert re.search(r"^Hallo Ada Admin,", "\n".join(m.body for m in to_admin), re.M)
    assert any("Mia Mitglied" in m.body for m in to_admin)
    for message in to_editor + to_admin:
        assert editor.username not in message.body and member.username not in message.body
        assert admin.username not in message.body


def test_page_history_costs_the_same_queries_for_many_people(client, editor, index):
    from wagtail.models import PageLogEntry

    page = index
    client.force_login(editor)
    url = reverse("wagtailadmin_pages:history", args=[page.pk])
    client.get(url)

    def count():
        client.get(url)  # warm the caches (content types) the setup may have cleared
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    def log_people(numbers):
        for n in numbers:
            person = _editor(email=f"kollegin{n}@example.com", display_name=f"Kollegin {n}")
            PageLogEntry.objects.log_action(page, "wagtail.edit", user=person)

    log_people(range(2))
    two = count()
    log_people(range(2, 8))
    assert count() == two
    html = client.get(url).content.decode()
    assert "Kollegin 5 (kollegin5@example.com)" in html


def test_the_migration_names_existing_accounts(member):
    from importlib import import_module

    from django.apps import apps
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=member.pk).update(first_name="", last_name="Alt")
    import_module("hds_site.accounts.migrations.0003_mirror_display_name_to_user").mirror(apps, None)
    member.refresh_from_db()
    assert (member.first_name, member.last_name, member.get_full_name()) == ("Mia Mitglied", "", "Mia Mitglied")
