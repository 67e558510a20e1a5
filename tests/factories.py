
# ============================================================================
# accounts (hds_site.accounts)
# ============================================================================
import factory as _acc_factory

DEFAULT_TEST_PASSWORD = "Sehr-geheim-2026!"


class UserFactory(_acc_factory.django.DjangoModelFactory):
    """A member with a verified primary email and a profile (made by the post_save signal).

    ``UserFactory(display_name="Anna", is_public=True, profession="…")`` sets profile fields.
    """

    class Meta:
        model = "auth.User"
        skip_postgeneration_save = True

    username = _acc_factory.Sequence(lambda n: f"m-test{n:05d}")
    email = _acc_factory.Sequence(lambda n: f"mitglied{n}@example.com")
    password = _acc_factory.PostGenerationMethodCall("set_password", DEFAULT_TEST_PASSWORD)

    @_acc_factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if not create:
            return
        from allauth.account.models import EmailAddress

        obj.save()
        EmailAddress.objects.update_or_create(
            user=obj, email=obj.email, defaults={"verified": extracted is not False, "primary": True}
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        profile_fields = {
            name: kwargs.pop(name)
            for name in ("display_name", "profession", "bundesland", "bio", "is_public")
            if name in kwargs
        }
        user = super()._create(model_class, *args, **kwargs)
        if profile_fields:
            from hds_site.accounts import services

            services.update_profile(user=user, **profile_fields)
            user.refresh_from_db()  # drop the cached (stale) profile
        return user


# ============================================================================
# community (forum)
# ============================================================================
import datetime as _forum_dt  # noqa: E402

import factory as _forum_factory  # noqa: E402
from django.utils import timezone as _forum_tz  # noqa: E402


class ForumMemberFactory(UserFactory):
    """A member whose account is a month old (not "new" for pre-moderation and rate limits)."""

    date_joined = _forum_factory.LazyFunction(lambda: _forum_tz.now() - _forum_dt.timedelta(days=30))


class InterestGroupFactory(_forum_factory.django.DjangoModelFactory):
    class Meta:
        model = "community.InterestGroup"

    name = _forum_factory.Sequence(lambda n: f"Gruppe {n}")
    slug = _forum_factory.Sequence(lambda n: f"gruppe-{n}")
    description = "Eine Interessengemeinschaft."


class CategoryFactory(_forum_factory.django.DjangoModelFactory):
    class Meta:
        model = "community.Category"

    name = _forum_factory.Sequence(lambda n: f"Kategorie {n}")
    slug = _forum_factory.Sequence(lambda n: f"kategorie-{n}")
    order = _forum_factory.Sequence(lambda n: n)


def forum_thread(*, author=None, category=None, title="Wie kalkuliere ich meinen Tagessatz?", body="Erster Beitrag.", kind="discussion"):
    """A released thread created through the service (pre-moderation off for the first post)."""
    from django.test import override_settings

    from community import services

    author = author or ForumMemberFactory()
    category = category or CategoryFactory()
    with override_settings(HDS_FORUM_PREMODERATION={"enabled": False}):
        thread = services.create_thread(category=category, author=author, title=title, body=body, kind=kind,
                                        enforce_limits=False)
    thread.refresh_from_db()
    return thread


# ============================================================================
# campaigns
# ============================================================================


def campaign_index(title="Kampagnen", slug="kampagnen"):
    """The live CampaignIndexPage under a HomePage that is the default Site's root (made once)."""
    from wagtail.models import Page, Site

    from campaigns.models import CampaignIndexPage
    from hds_site.content.models import HomePage

    index = CampaignIndexPage.objects.first()
    if index is not None:
        return index
    home = HomePage.objects.first()
    if home is None:
        from wagtail.models import Locale

        Locale.objects.get_or_create(language_code="de")  # gone after a transactional test's flush
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        home = root.add_child(instance=HomePage(title="Startseite", slug="start-campaigns"))
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="testserver", root_page=home, is_default_site=True, site_name="HDS")
    elif site.root_page_id != home.pk:
        site.root_page = home
        site.save()
    index = home.add_child(instance=CampaignIndexPage(title=title, slug=slug))
    return index


def make_campaign(*, title="Mehr Schutz für Solo-Selbstständige", slug=None, goal=100, phase="open", organisers=(),
                  live=True, milestones="25,50,75,100", deadline=None, **fields):
    """A published CampaignPage under the campaign index (counter shards ready)."""
    from django.utils.text import slugify

    from campaigns import services
    from campaigns.models import CampaignPage

    index = campaign_index()
    page = CampaignPage(
        title=title, slug=slug or slugify(title)[:50], goal=goal, phase=phase, milestones=milestones,
        demands="<ul><li>Faire Beiträge</li></ul>", addressee="Bundesministerium für Arbeit und Soziales",
        deadline=deadline, live=live, **fields,
    )
    index.add_child(instance=page)
    for user in organisers:
        page.organisers.add(user)
    if organisers:
        page.save()
    services.ensure_shards(page.pk)
    return CampaignPage.objects.get(pk=page.pk)


def pending_signature(campaign, *, email="anna@example.com", name="Anna Beispiel", postcode="10115", **kwargs):
    """A pending signature made through the service (rate limits reset per test by the cache clear)."""
    from campaigns import services

    kwargs.setdefault("consent_given", True)
    return services.sign_campaign(campaign=campaign, name=name, email=email, postcode=postcode, **kwargs).signature


def confirmed_signature(campaign, **kwargs):
    from campaigns import services

    signature = pending_signature(campaign, **kwargs)
    services.confirm_signature(signature_id=signature.pk)
    signature.refresh_from_db()
    return signature


# ============================================================================
# content (hds_site.content): pages and advice centres, built through services
# ============================================================================


def content_home(title="Haus der Selbstständigen"):
    """The HomePage, made the default Site's root (Wagtail's welcome page removed). Idempotent."""
    from hds_site.content import services as content_services

    home, _ = content_services.ensure_home_page(title=title)
    return home


def content_topic(*, title="Soziale Absicherung", slug=None, home=None, **fields):
    from django.utils.text import slugify

    from hds_site.content import services as content_services
    from hds_site.content.models import TopicPage

    page, _ = content_services.upsert_child_page(
        parent=home or content_home(), page_class=TopicPage, slug=slug or slugify(title), title=title, **fields
    )
    return page


def content_article_index(*, title="Ratgeber", slug="ratgeber", home=None):
    from hds_site.content import services as content_services
    from hds_site.content.models import ArticleIndexPage

    page, _ = content_services.upsert_child_page(
        parent=home or content_home(), page_class=ArticleIndexPage, slug=slug, title=title
    )
    return page


_content_article_seq = iter(range(1, 10**6))


def content_article(*, title=None, slug=None, index=None, kind="ratgeber", topics=(), body=None, **fields):
    """A published ArticlePage under the article index."""
    from hds_site.content import services as content_services
    from hds_site.content.models import ArticlePage

    n = next(_content_article_seq)
    title = title or f"Testartikel {n}"
    page, _ = content_services.upsert_child_page(
        parent=index or content_article_index(), page_class=ArticlePage, slug=slug or f"testartikel-{n}",
        title=title, kind=kind, topics=list(topics), teaser=fields.pop("teaser", f"Kurzfassung {n}"),
        body=body if body is not None else [{"type": "paragraph", "value": "<p>Text</p>"}], **fields,
    )
    return page


def content_advice_centre(*, name="Zukunftszentrum Testland", kind="zukunftszentrum", bundeslaender=("DE-BY",), **fields):
    from hds_site.content import services as content_services

    centre, _ = content_services.upsert_advice_centre(name=name, kind=kind, bundeslaender=bundeslaender, **fields)
    return centre
