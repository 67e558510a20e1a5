"""The apps' objects in the index: pages, campaigns, threads, posts, groups.

Everything is written through the owning app's services or Wagtail's own
publishing, and the index follows through search's signal receivers and the
after-commit task (immediate task backend). Runs against each backend.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.rich_text import RichText

from search.backends.base import SearchRequest
from search.permissions import viewer_for
from tests.factories import CategoryFactory, ForumMemberFactory, InterestGroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def found(backend, text, user=None, **kwargs) -> set[str]:
    results = backend.search(SearchRequest(text=text, viewer=viewer_for(user), per_page=100, **kwargs))
    return {hit.key for hit in results.hits}


@pytest.fixture
def tree(db):
    from campaigns.models import CampaignIndexPage
    from hds_site.content.models import ArticleIndexPage, HomePage, TopicPage

    root = Page.get_first_root_node()
    home = root.add_child(instance=HomePage(title="Start", slug="start"))
    Site.objects.update_or_create(
        is_default_site=True, defaults={"hostname": "localhost", "root_page": home, "site_name": "HDS"}
    )
    topic = home.add_child(instance=TopicPage(title="Geld und Honorare", slug="geld", live=False))
    topic.save_revision().publish()
    index = home.add_child(instance=ArticleIndexPage(title="Ratgeber", slug="ratgeber", live=False))
    index.save_revision().publish()
    campaigns = home.add_child(instance=CampaignIndexPage(title="Kampagnen", slug="kampagnen", live=False))
    campaigns.save_revision().publish()
    return {"home": home, "topic": topic, "articles": index, "campaigns": campaigns}


def add_article(tree, title, text, *, publish=True, topics=()):
    from hds_site.content.models import ArticlePage

    page = ArticlePage(
        title=title,
        slug=re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "artikel",
        teaser="",
        body=[("paragraph", RichText(f"<p>{text}</p>"))],
        live=False,
    )
    tree["articles"].add_child(instance=page)
    if topics:
        page.topics.set(topics)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return page


def add_campaign(tree, title, text, *, publish=True):
    from campaigns.models import CampaignPage

    page = CampaignPage(
        title=title,
        slug=re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-"),
        teaser=text,
        demands=f"<p>{text}</p>",
        addressee="Bundestag",
        live=False,
    )
    tree["campaigns"].add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
    return page


@pytest.fixture
def forum(settings):
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    from community import services

    def start(category=None, title="Honorar verhandeln", body="Wie verhandelt ihr euer Honorar?", author=None):
        return services.create_thread(
            category=category or CategoryFactory(),
            author=author or ForumMemberFactory(),
            title=title,
            body=body,
            enforce_limits=False,
        )

    return start


@pytest.fixture
def moderator(db):
    user = ForumMemberFactory()
    user.groups.add(Group.objects.get_or_create(name="Moderation")[0])
    return user


def test_published_article_is_found_and_draft_is_not(search_backend, tree, run_on_commit):
    with run_on_commit():
        article = add_article(tree, "Rente für Selbstständige", "Wie hoch ist der Rentenbeitrag?")
        draft = add_article(tree, "Entwurf Rentenreform", "Noch nicht fertig: Rentenbeitrag", publish=False)
    assert found(search_backend, "selbstständig") == {f"page:{article.pk}"}
    assert f"page:{draft.pk}" not in found(search_backend, "Rentenbeitrag")
    hit = search_backend.search(SearchRequest(text="Rentenbeitrag", viewer=viewer_for(None))).hits[0]
    assert hit.doc_type == "article"
    assert hit.url == article.url


def test_edit_republish_and_unpublish(search_backend, tree, run_on_commit):
    with run_on_commit():
        article = add_article(tree, "Künstlersozialkasse", "Die KSK zahlt die Hälfte.")
    assert found(search_backend, "Kuenstlersozialkasse") == {f"page:{article.pk}"}
    with run_on_commit():
        article.body = [("paragraph", RichText("<p>Neu: Zuschüsse zur Krankenversicherung.</p>"))]
        article.save_revision().publish()
    assert found(search_backend, "Zuschuss") == {f"page:{article.pk}"}
    assert found(search_backend, "Hälfte") == set()
    article.refresh_from_db()  # publish() updated the database, not this instance
    with run_on_commit():
        article.unpublish()
    assert found(search_backend, "Künstlersozialkasse") == set()


def test_page_deletion_and_login_restriction(search_backend, tree, run_on_commit):
    with run_on_commit():
        article = add_article(tree, "Mitgliederwissen Steuern", "Umsatzsteuer für Mitglieder")
    with run_on_commit():
        PageViewRestriction.objects.create(page=article, restriction_type=PageViewRestriction.LOGIN)
    assert found(search_backend, "Umsatzsteuer") == set()
    assert found(search_backend, "Umsatzsteuer", user=UserFactory()) == {f"page:{article.pk}"}
    with run_on_commit():
        PageViewRestriction.objects.create(page=article, restriction_type=PageViewRestriction.PASSWORD, password="x")
    assert found(search_backend, "Umsatzsteuer", user=UserFactory()) == set()
    with run_on_commit():
        article.delete()
    assert search_backend.stored_keys(f"page:{article.pk}") == set()


def test_campaign_in_review_is_not_indexed_until_published(search_backend, tree, run_on_commit):
    with run_on_commit():
        review = add_campaign(tree, "Faire Honorare im Rundfunk", "Mindesthonorare für freie Journalistinnen", publish=False)
    assert found(search_backend, "Rundfunk", user=UserFactory(is_staff=True)) == set()
    with run_on_commit():
        review.save_revision().publish()
    hits = search_backend.search(SearchRequest(text="Rundfunk", viewer=viewer_for(None))).hits
    assert [(h.key, h.doc_type) for h in hits] == [(f"page:{review.pk}", "campaign")]


def test_topics_of_articles(search_backend, tree, run_on_commit):
    with run_on_commit():
        article = add_article(tree, "Honorar kalkulieren", "Tagessatz und Honorar", topics=[tree["topic"]])
    results = search_backend.search(
        SearchRequest(text="Honorar", viewer=viewer_for(None), topic_ids=(tree["topic"].pk,))
    )
    assert {h.key for h in results.hits} >= {f"page:{article.pk}"}
    assert results.topic_counts[tree["topic"].pk] >= 2  # the article and the topic page itself


def test_thread_and_post_follow_create_edit_hide_delete(search_backend, forum, moderator, run_on_commit):
    from community import services

    with run_on_commit():
        thread = forum(title="Stundensatz für Übersetzer", body="Welcher Stundensatz ist üblich?")
        reply = services.post_reply(
            thread=thread, author=ForumMemberFactory(), body="Ich nehme 60 Euro Honorar pro Stunde.",
            enforce_limits=False,
        )
    assert found(search_backend, "Stundensätze") >= {f"thread:{thread.pk}"}
    assert found(search_backend, "Honorare") == {f"post:{reply.pk}"}

    with run_on_commit():
        services.edit_post(post=reply, editor=reply.author, body="Ich verlange ein Tageshonorar von 480 Euro.")
    assert found(search_backend, "Honorar") == set()
    assert found(search_backend, "Tageshonorar") == {f"post:{reply.pk}"}

    with run_on_commit():
        services.hide_post(post=reply, moderator=moderator, reason="Werbung")
    assert found(search_backend, "Tageshonorar") == set()
    assert found(search_backend, "Tageshonorar", user=ForumMemberFactory()) == set()
    assert found(search_backend, "Tageshonorar", user=moderator) == {f"post:{reply.pk}"}

    with run_on_commit():
        services.unhide_post(post=reply, moderator=moderator)
    assert found(search_backend, "Tageshonorar") == {f"post:{reply.pk}"}

    with run_on_commit():
        services.delete_post(post=reply, actor=reply.author)
    assert found(search_backend, "Tageshonorar", user=moderator) == set()


def test_pending_post_only_for_moderators_until_approved(search_backend, forum, moderator, settings, run_on_commit):
    from community import services

    thread = forum(title="Rechnung schreiben", body="Wie schreibe ich eine Rechnung?")
    settings.HDS_FORUM_PREMODERATION = {"enabled": True}
    newcomer = UserFactory()
    with run_on_commit():
        pending = services.post_reply(thread=thread, author=newcomer, body="Kleinunternehmerregelung beachten!",
                                      enforce_limits=False)
    assert pending.status == "pending"
    assert found(search_backend, "Kleinunternehmerregelung", user=ForumMemberFactory()) == set()
    assert found(search_backend, "Kleinunternehmerregelung", user=moderator) == {f"post:{pending.pk}"}
    with run_on_commit():
        services.approve_post(post=pending, moderator=moderator)
    assert found(search_backend, "Kleinunternehmerregelung") == {f"post:{pending.pk}"}


def test_moving_a_thread_into_a_members_only_group_category(search_backend, forum, moderator, run_on_commit):
    from community import services

    group = InterestGroupFactory(name="IG Dolmetscher", slug="ig-dolmetscher")
    closed = CategoryFactory(group=group, members_only=True)
    with run_on_commit():
        thread = forum(title="Dolmetschen bei Gericht", body="Vergütung nach JVEG")
    assert found(search_backend, "JVEG") == {f"thread:{thread.pk}"}
    with run_on_commit():
        services.move_thread(thread=thread, category=closed, moderator=moderator)
    assert found(search_backend, "JVEG") == set()
    assert found(search_backend, "JVEG", user=ForumMemberFactory()) == set()
    member = ForumMemberFactory()
    services.join_group(group=group, user=member)
    assert found(search_backend, "JVEG", user=member) == {f"thread:{thread.pk}"}


def test_interest_groups_are_indexed(search_backend, run_on_commit):
    with run_on_commit():
        group = InterestGroupFactory(name="IG Solo-Selbstständige Pflege", slug="ig-pflege",
                                     description="Pflegekräfte in der Selbstständigkeit")
    assert found(search_backend, "Pflegekraft") == {f"group:{group.pk}"}
    with run_on_commit():
        group.delete()
    assert found(search_backend, "Pflegekraft") == set()


@pytest.mark.parametrize("role", ["anonymous", "member", "group member", "moderator", "editor"])
def test_each_role_against_the_same_index(search_backend, tree, forum, moderator, settings, role, client,
                                          run_on_commit):
    """The whole path (objects → signals → task → index → /suche/) for each role."""
    from community import services

    group = InterestGroupFactory(name="IG Lektorat", slug="ig-lektorat")
    closed = CategoryFactory(group=group, members_only=True)
    with run_on_commit():
        public_article = add_article(tree, "Honorarempfehlungen", "Honorare für Lektorinnen")
        members_article = add_article(tree, "Honorarumfrage intern", "Ergebnisse: Honorare 2025")
        PageViewRestriction.objects.create(page=members_article, restriction_type=PageViewRestriction.LOGIN)
        draft = add_article(tree, "Honorarentwurf", "Honorare – Entwurf", publish=False)
        review = add_campaign(tree, "Honorare rauf", "Honorare in Prüfung", publish=False)
        campaign = add_campaign(tree, "Faire Honorare", "Honorare für alle")
        public_thread = forum(title="Honorare im Lektorat", body="Was nehmt ihr an Honorar?")
        hidden = services.post_reply(thread=public_thread, author=ForumMemberFactory(), body="Honorare: Spam",
                                     enforce_limits=False)
        services.hide_post(post=hidden, moderator=moderator, reason="Spam")
        group_thread = forum(category=closed, title="Interne Honorarliste", body="Honorare unserer Gruppe",
                             author=moderator)
        settings.HDS_FORUM_PREMODERATION = {"enabled": True}
        pending = services.post_reply(thread=public_thread, author=UserFactory(), body="Honorare? Wartet noch.",
                                      enforce_limits=False)
    everyone = {
        f"page:{public_article.pk}",
        f"page:{campaign.pk}",
        f"thread:{public_thread.pk}",
        f"page:{tree['topic'].pk}",  # the topic page "Geld und Honorare"
    }
    never = {f"page:{draft.pk}", f"page:{review.pk}"}
    expected = {
        "anonymous": everyone,
        "member": everyone | {f"page:{members_article.pk}"},
        "group member": everyone | {f"page:{members_article.pk}", f"thread:{group_thread.pk}"},
        "moderator": everyone
        | {f"page:{members_article.pk}", f"thread:{group_thread.pk}", f"post:{hidden.pk}", f"post:{pending.pk}"},
        # editors are staff: like in the forum they may read members-only group categories, not hidden posts
        "editor": everyone | {f"page:{members_article.pk}", f"thread:{group_thread.pk}"},
    }[role]
    user = None
    if role == "member":
        user = ForumMemberFactory()
    elif role == "group member":
        user = ForumMemberFactory()
        services.join_group(group=group, user=user)
    elif role == "moderator":
        user = moderator
    elif role == "editor":
        user = UserFactory(is_staff=True)
        user.groups.add(Group.objects.get_or_create(name="Redaktion")[0])
    keys = found(search_backend, "Honorare", user=user)
    assert keys == expected
    assert not (keys & never)

    # the page shows exactly the same
    if user is not None:
        client.force_login(user)
    response = client.get("/suche/", {"q": "Honorare"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{len(expected)} Treffer" in html
    for key in never:
        page = Page.objects.get(pk=int(key.split(":")[1]))
        assert f'href="{page.url}"' not in html
