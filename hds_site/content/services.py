"""Writes of the content app: editorial groups and workflow, pages, advice centres.

Every function is idempotent where it says "ensure"/"upsert" so the
post-migrate setup and ``seed_demo`` can run any number of times.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from .models import AdviceCentre, Bundesland, TopicPage

EDITORS_GROUP = "Redaktion"
MODERATORS_GROUP = "Moderation"
WORKFLOW_NAME = "Freigabe durch die Redaktion"
APPROVAL_TASK_NAME = "Redaktionelle Prüfung"
# the legal pages get their own workflow: a second editor approves what one submitted
LEGAL_PAGE_SLUGS = ("impressum", "datenschutz", "barrierefreiheit")
LEGAL_WORKFLOW_NAME = "Rechtstexte: Vier-Augen-Freigabe"
LEGAL_TASK_NAME = "Rechtstext prüfen (zweite Person)"

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
EDITOR_COLLECTION_PERMISSIONS = {
    "wagtailimages": ["add_image", "change_image", "choose_image", "delete_image"],
    "wagtaildocs": ["add_document", "change_document", "choose_document", "delete_document"],
}
EDITOR_MODEL_PERMISSIONS = [
    ("content", "add_advicecentre"),
    ("content", "change_advicecentre"),
    ("content", "delete_advicecentre"),
    ("content", "view_advicecentre"),
]


def _ensure_permissions_exist() -> None:
    """Content types and permissions normally appear after the post_migrate signal of
    each app; create them now so this works whatever the signal order."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for label in ("wagtailadmin", "wagtailcore", "wagtailimages", "wagtaildocs", "content"):
        config = django_apps.get_app_config(label)
        create_contenttypes(config, verbosity=0)
        create_permissions(config, verbosity=0)


def _perm(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def ensure_wagtail_base() -> None:
    """The default Locale, the root page and the root collection, as Wagtail's own
    migrations create them. They exist after ``migrate``; this brings them back
    after a ``flush`` (transactional tests), so every page renders on an emptied
    database without restoring serialized data. Idempotent."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Locale

    locale = Locale.objects.order_by("pk").first()
    if locale is None:
        locale = Locale.objects.create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    if Page.get_first_root_node() is None:
        Page.add_root(
            instance=Page(
                title="Root", slug="root", locale=locale, content_type=ContentType.objects.get_for_model(Page)
            )
        )
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")


@transaction.atomic
def ensure_editorial_setup() -> dict[str, Any]:
    """Groups "Redaktion" and "Moderation" with their permissions, and the
    moderation workflow (approval by "Redaktion") attached to the root page, so it
    applies to every site and page. Idempotent."""
    _ensure_permissions_exist()
    ensure_wagtail_base()
    editors, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    moderators, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    access_admin = _perm("wagtailadmin", "access_admin")
    editors.permissions.add(access_admin, *(_perm(app, code) for app, code in EDITOR_MODEL_PERMISSIONS))
    moderators.permissions.add(access_admin)

    root = Page.get_first_root_node()
    if root is not None:
        for codename in EDITOR_PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=editors, page=root, permission=_perm("wagtailcore", codename)
            )
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        for app_label, codenames in EDITOR_COLLECTION_PERMISSIONS.items():
            for codename in codenames:
                GroupCollectionPermission.objects.get_or_create(
                    group=editors, collection=root_collection, permission=_perm(app_label, codename)
                )

    task = GroupApprovalTask.objects.filter(name=APPROVAL_TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=APPROVAL_TASK_NAME)
    task.groups.add(editors)
    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    if root is not None:
        WorkflowPage.objects.update_or_create(page=root, defaults={"workflow": workflow})
    ensure_four_eyes_for_legal_pages(editors=editors)
    return {"editors": editors, "moderators": moderators, "workflow": workflow}


def ensure_four_eyes_for_legal_pages(*, editors: Group) -> None:
    """The legal pages (LEGAL_PAGE_SLUGS) in a workflow whose step a second person approves. Idempotent;
    a workflow an administrator chose for such a page is left alone."""
    from hds_site.models import FourEyesGroupApprovalTask

    from .models import StandardPage

    pages = list(StandardPage.objects.filter(slug__in=LEGAL_PAGE_SLUGS))
    if not pages:
        return
    task = FourEyesGroupApprovalTask.objects.filter(name=LEGAL_TASK_NAME).first()
    if task is None:
        task = FourEyesGroupApprovalTask.objects.create(name=LEGAL_TASK_NAME, second_person_required=True)
    task.groups.add(editors)
    workflow, _ = Workflow.objects.get_or_create(name=LEGAL_WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for page in pages:
        WorkflowPage.objects.get_or_create(page=page, defaults={"workflow": workflow})


# --- pages ------------------------------------------------------------------


@transaction.atomic
def upsert_child_page(*, parent: Page, page_class: type[Page], slug: str, publish: bool = True, **fields: Any) -> tuple[Page, bool]:
    """The child of ``parent`` with this slug: created (and published) when missing,
    left alone when it exists (editors may have changed it). Returns (page, created)."""
    existing = page_class.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        return existing, False
    many_to_many = {k: fields.pop(k) for k in list(fields) if k == "topics"}
    page = page_class(slug=slug, **fields)
    if many_to_many.get("topics") is not None:
        page.topics = list(many_to_many["topics"])
    parent.add_child(instance=page)
    revision = page.save_revision()
    if publish:
        revision.publish()
        page.refresh_from_db()
    return page, True


@transaction.atomic
def ensure_home_page(*, title: str, slug: str = "start", **fields: Any) -> tuple[Page, bool]:
    """The HomePage under the root, made the default Site's root. Wagtail's default
    "Welcome to your new Wagtail site!" page is removed when it is the only other page."""
    from .models import HomePage

    root = Page.get_first_root_node()
    home = HomePage.objects.child_of(root).first()
    created = False
    if home is None:
        home, created = upsert_child_page(parent=root, page_class=HomePage, slug=slug, title=title, **fields)
    site = Site.objects.filter(is_default_site=True).first() or Site.objects.first()
    previous_root_id = site.root_page_id if site else None
    hostname, port = _site_host()
    if site is None:
        Site.objects.create(hostname=hostname, port=port, root_page=home, is_default_site=True, site_name=title)
    elif site.root_page_id != home.id:
        if (site.hostname, site.port) == ("localhost", 80):  # Wagtail's untouched default site
            site.hostname, site.port = hostname, port
        site.root_page = home
        site.site_name = site.site_name or title
        site.save()
    if previous_root_id and previous_root_id != home.id:
        old = Page.objects.filter(id=previous_root_id).first()
        if old is not None and old.specific_class is Page and not old.get_children().exists():
            old.delete()
    return home, created


def _site_host() -> tuple[str, int]:
    """Host and port of settings.SITE_URL, so sitemap URLs point at the real site."""
    from urllib.parse import urlsplit

    from django.conf import settings

    parts = urlsplit(settings.SITE_URL)
    default_port = 443 if parts.scheme == "https" else 80
    return parts.hostname or "localhost", parts.port or default_port


# --- advice centres -----------------------------------------------------------


@transaction.atomic
def upsert_advice_centre(
    *,
    name: str,
    kind: str,
    bundeslaender: Iterable[str] = (),
    nationwide: bool = False,
    topics: Iterable[TopicPage] = (),
    description: str = "",
    address: str = "",
    phone: str = "",
    email: str = "",
    website: str = "",
    is_demo: bool = False,
) -> tuple[AdviceCentre, bool]:
    """Create or update the centre with this name (the name is unique)."""
    centre, created = AdviceCentre.objects.update_or_create(
        name=name,
        defaults=dict(
            kind=kind, nationwide=nationwide, description=description, address=address,
            phone=phone, email=email, website=website, is_demo=is_demo,
        ),
    )
    codes = list(bundeslaender)
    lands = list(Bundesland.objects.filter(code__in=codes))
    if len(lands) != len(set(codes)):
        unknown = set(codes) - {land.code for land in lands}
        raise ValueError(f"unknown Bundesland code(s): {sorted(unknown)}")
    centre.bundeslaender.set(lands)
    centre.topics.set(list(topics))
    return centre, created
