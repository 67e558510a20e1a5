import pytest

from tests.factories import UserFactory, campaign_index, make_campaign


@pytest.fixture
def index(db):
    return campaign_index()


@pytest.fixture
def organiser(db):
    return UserFactory(email="orga@example.com", display_name="Orga Nisatorin")


@pytest.fixture
def editor(db):
    from django.contrib.auth.models import Group

    from hds_site.content.services import ensure_editorial_setup

    campaign_index()  # the page tree first, so the editors' permissions reach it
    ensure_editorial_setup()  # group "Redaktion" with publish rights, as on the real site
    user = UserFactory(email="redaktion@example.com", display_name="Redakteurin", is_staff=True)
    group, _ = Group.objects.get_or_create(name="Redaktion")
    user.groups.add(group)
    return user


@pytest.fixture
def member(db):
    return UserFactory(email="member@example.com", display_name="Einfaches Mitglied")


@pytest.fixture
def campaign(index, organiser):
    return make_campaign(organisers=[organiser])


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (mails, pushes) of the block as if it had committed."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run
