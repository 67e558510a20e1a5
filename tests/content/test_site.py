"""Sitemap, robots.txt, editorial groups/workflow, scheduled publishing, seed_demo."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from wagtail.models import GroupApprovalTask, Page

from hds_site.content import services
from hds_site.content.models import AdviceCentre, ArticlePage, StandardPage, TopicPage
from tests import factories


@pytest.mark.django_db
def test_sitemap_lists_articles(client, article):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.content.decode()
    assert "http://testserver/ratgeber/kuenstlersozialkasse/</loc>" in xml
    assert "http://testserver/soziale-absicherung/</loc>" in xml


@pytest.mark.django_db
def test_sitemap_omits_unpublished(client, article):
    article.unpublish()
    assert "kuenstlersozialkasse" not in client.get("/sitemap.xml").content.decode()


@pytest.mark.django_db
def test_robots(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Disallow: /cms/" in body and "Sitemap: http://testserver/sitemap.xml" in body


@pytest.mark.django_db
def test_editorial_groups_and_workflow():
    editors = Group.objects.get(name="Redaktion")
    moderators = Group.objects.get(name="Moderation")
    codes = set(editors.permissions.values_list("codename", flat=True))
    assert {"access_admin", "add_advicecentre", "change_advicecentre"} <= codes
    page_perms = set(editors.page_permissions.values_list("permission__codename", flat=True))
    assert {"add_page", "change_page", "publish_page"} <= page_perms
    collection_perms = set(editors.collection_permissions.values_list("permission__codename", flat=True))
    assert {"add_image", "choose_image", "add_document", "choose_document"} <= collection_perms
    assert "access_admin" in set(moderators.permissions.values_list("codename", flat=True))
    root = Page.get_first_root_node()
    workflow = root.get_workflow()
    assert workflow.name == services.WORKFLOW_NAME and workflow.active
    task = workflow.tasks.get().specific
    assert isinstance(task, GroupApprovalTask)
    assert list(task.groups.all()) == [editors]
    # idempotent
    services.ensure_editorial_setup()
    assert Group.objects.filter(name="Redaktion").count() == 1
    assert root.get_workflow() == workflow


@pytest.mark.django_db
def test_article_is_moderated_by_redaktion(article):
    from django.contrib.auth import get_user_model

    workflow = article.get_workflow()
    assert workflow is not None and workflow.name == services.WORKFLOW_NAME
    editor = get_user_model().objects.create_user(username="ed", email="ed@example.org", password="x" * 12)
    editor.groups.add(Group.objects.get(name="Redaktion"))
    state = workflow.start(article, editor)
    assert state.current_task_state.task.specific.user_can_access_editor(article, editor)
    assert article.permissions_for_user(editor).can_publish()


@pytest.mark.django_db
def test_scheduled_publishing(article_index, topics):
    article = factories.content_article(index=article_index, title="Geplant")
    article.title = "Geplant – neue Fassung"
    revision = article.save_revision()
    revision.approved_go_live_at = timezone.now() - datetime.timedelta(minutes=1)
    revision.save()
    call_command("publish_scheduled")
    article.refresh_from_db()
    assert article.title == "Geplant – neue Fassung"

    unpublished = factories.content_article(index=article_index, title="Später")
    unpublished.unpublish()
    rev = unpublished.save_revision()
    rev.publish()  # a revision with go_live_at in the future is scheduled, not live
    unpublished.go_live_at = timezone.now() + datetime.timedelta(days=1)
    rev = unpublished.save_revision()
    rev.publish()
    unpublished.refresh_from_db()
    assert not unpublished.live


def _counts():
    from django.contrib.auth import get_user_model

    return (
        Page.objects.count(),
        ArticlePage.objects.count(),
        TopicPage.objects.count(),
        StandardPage.objects.count(),
        AdviceCentre.objects.count(),
        get_user_model().objects.count(),
        Group.objects.count(),
    )


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not ArticlePage.objects.exists()


@pytest.mark.django_db
@pytest.mark.slow
def test_seed_demo_builds_site_and_is_idempotent(settings, client):
    settings.DEBUG = False
    call_command("seed_demo", "--force", stdout=open("/dev/null", "w"))
    first = _counts()
    call_command("seed_demo", "--force", stdout=open("/dev/null", "w"))
    assert _counts() == first

    assert TopicPage.objects.live().count() == 5
    assert ArticlePage.objects.live().filter(kind="ratgeber").count() >= 12
    assert ArticlePage.objects.live().filter(kind="news").exists()
    regional = AdviceCentre.objects.filter(kind=AdviceCentre.KIND_REGIONAL)
    assert regional.count() == 12
    covered = set(regional.values_list("bundeslaender__code", flat=True))
    assert len(covered) == 16
    assert AdviceCentre.objects.filter(kind=AdviceCentre.KIND_HDS, nationwide=True).count() == 1
    assert set(StandardPage.objects.filter(show_in_footer=True).values_list("slug", flat=True)) >= {
        "impressum", "datenschutz", "barrierefreiheit", "leichte-sprache"}
    # Wagtail's welcome page is gone and the site serves the demo home
    html = client.get("/").content.decode()
    assert "<h1" in html and "Haus der Selbstständigen" in html
    assert not Page.objects.filter(depth=2, content_type__model="page").exists()
    html = client.get("/beratung-finden/?plz=99084").content.decode()
    assert "Zukunftszentrum Thüringen" in html and "Haus der Selbstständigen" in html


@pytest.mark.django_db
def test_admin_snippet_listing_and_page_editor(client, article, django_user_model):
    admin = django_user_model.objects.create_superuser(username="root", email="root@example.org", password="x" * 12)
    client.force_login(admin)
    factories.content_advice_centre(name="Zukunftszentrum Sachsen", bundeslaender=["DE-SN"])
    factories.content_advice_centre(name="Zukunftszentrum Bayern", bundeslaender=["DE-BY"])
    response = client.get("/cms/snippets/content/advicecentre/?bundeslaender=DE-SN")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zukunftszentrum Sachsen" in html and "Zukunftszentrum Bayern" not in html
    assert client.get("/cms/snippets/content/advicecentre/?q=Bayern").status_code == 200
    assert client.get(f"/cms/pages/{article.pk}/edit/").status_code == 200
    assert client.get(f"/cms/pages/{article.get_parent().pk}/add_subpage/").status_code in (200, 302)
