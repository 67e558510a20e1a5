"""Campaigns and petitions: pages, signatures, sharded counters, milestones, audit log.

Invariants that must always hold live in the database:

* one signature per campaign and normalised email (``campaigns_signature_unique_email``);
* one counter shard per (campaign, shard number);
* each milestone of a campaign is reached (and announced) at most once;
* a signature's status is one of the known states.

The public count is ``SUM(CampaignCounterShard.count)`` for the campaign; see
docs/campaigns.md for why it is sharded and how it is kept exact.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail import blocks
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from hds_site.audit import AppendOnlyModel, AppendOnlyQuerySet
from hds_site.i18n import UILanguageURLMixin

from .events import campaign_group

COUNTER_SHARDS = 16
DEFAULT_MILESTONES = "25,50,75,100"


def parse_milestones(value: str) -> list[int]:
    result = set()
    for part in (value or "").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 1000:
            raise ValidationError(_("Meilensteine sind Prozentzahlen zwischen 1 und 1000, durch Kommas getrennt."))
        result.add(int(part))
    return sorted(result)


def validate_milestones(value: str) -> None:
    parse_milestones(value)


class CampaignBodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        form_classname="title", icon="title", template="campaigns/blocks/heading.html", label=_("Zwischenüberschrift")
    )
    paragraph = blocks.RichTextBlock(
        features=["bold", "italic", "link", "ol", "ul"], icon="pilcrow", template="campaigns/blocks/paragraph.html",
        label=_("Absatz"),
    )
    quote = blocks.BlockQuoteBlock(icon="openquote", template="campaigns/blocks/quote.html", label=_("Zitat"))

    class Meta:
        label = _("Inhalt")


class CampaignIndexPage(UILanguageURLMixin, Page):
    intro = RichTextField(_("Einleitung"), blank=True, features=["bold", "italic", "link"])

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["content.HomePage"]
    subpage_types = ["campaigns.CampaignPage"]
    max_count = 1
    template = "campaigns/campaign_index_page.html"

    class Meta:
        verbose_name = _("Kampagnenübersicht")

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        context["open_campaigns"] = selectors.campaign_cards(self, phase=CampaignPage.Phase.OPEN)
        context["successful_campaigns"] = selectors.campaign_cards(self, successful=True)
        return context


class CampaignPage(UILanguageURLMixin, RoutablePageMixin, Page):
    """A petition. Public state: ``status`` (review / open / closed / handed_over).

    "In review" is not stored: a campaign is in review while the page has never
    been published (``live`` is false and the proposal's workflow is running).
    ``phase`` holds what happens after publication: open → closed → handed over.
    """

    class Phase(models.TextChoices):
        OPEN = "open", _("offen")
        CLOSED = "closed", _("beendet")
        HANDED_OVER = "handed_over", _("übergeben")

    teaser = models.TextField(_("Kurzbeschreibung"), max_length=400, blank=True)
    body = StreamField(CampaignBodyBlock(), blank=True, verbose_name=_("Text"))
    demands = RichTextField(_("Forderungen"), features=["bold", "italic", "ol", "ul", "link"])
    addressee = models.CharField(_("Adressat"), max_length=200)
    goal = models.PositiveIntegerField(_("Ziel (Unterschriften)"), default=1000)
    deadline = models.DateField(_("Frist"), null=True, blank=True)
    milestones = models.CharField(
        _("Meilensteine (% des Ziels)"), max_length=100, default=DEFAULT_MILESTONES, validators=[validate_milestones],
        help_text=_("Bei diesen Prozentwerten werden Organisierende und Unterzeichnende mit Newsletter-Einwilligung benachrichtigt."),
    )
    organisers = ParentalManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="organised_campaigns", verbose_name=_("Organisierende")
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposed_campaigns",
        verbose_name=_("vorgeschlagen von"),
    )
    topic = models.ForeignKey(
        "content.TopicPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("Themenseite"),
    )
    interest_group = models.ForeignKey(
        "community.InterestGroup", null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns",
        verbose_name=_("Interessengruppe"),
    )
    source_thread = models.ForeignKey(
        "community.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="campaigns",
        verbose_name=_("Forumsthema"),
    )
    phase = models.CharField(_("Phase"), max_length=20, choices=Phase.choices, default=Phase.OPEN)
    closed_at = models.DateTimeField(_("beendet am"), null=True, blank=True)
    handed_over_at = models.DateTimeField(_("übergeben am"), null=True, blank=True)
    response = RichTextField(_("Antwort des Adressaten"), blank=True, features=["bold", "italic", "link", "ol", "ul"])
    response_published_at = models.DateTimeField(_("Antwort veröffentlicht am"), null=True, blank=True)
    privacy_notice = RichTextField(
        _("Datenschutzhinweis (zusätzlich)"), blank=True, features=["bold", "italic", "link"],
        help_text=_("Ergänzt den Standardhinweis, der auf jeder Kampagne erscheint."),
    )
    anonymised_at = models.DateTimeField(_("anonymisiert am"), null=True, blank=True)

    content_panels = Page.content_panels + [
        FieldPanel("teaser"),
        FieldPanel("demands"),
        FieldPanel("addressee"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("goal"), FieldPanel("deadline"), FieldPanel("milestones")], heading=_("Ziel und Frist")
        ),
        MultiFieldPanel(
            [FieldPanel("organisers"), FieldPanel("interest_group"), FieldPanel("topic"), FieldPanel("source_thread")],
            heading=_("Verantwortliche und Verknüpfungen"),
        ),
        MultiFieldPanel(
            [FieldPanel("phase"), FieldPanel("response"), FieldPanel("privacy_notice")], heading=_("Status und Antwort")
        ),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("teaser"),
        index.SearchField("demands"),
        index.SearchField("addressee"),
        index.SearchField("body"),
        index.FilterField("phase"),
    ]
    parent_page_types = ["campaigns.CampaignIndexPage"]
    subpage_types: list[str] = []
    template = "campaigns/campaign_page.html"

    class Meta:
        verbose_name = _("Kampagne")
        verbose_name_plural = _("Kampagnen")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(phase__in=["open", "closed", "handed_over"]), name="campaigns_page_phase_valid"
            ),
            models.CheckConstraint(condition=models.Q(goal__gte=1), name="campaigns_page_goal_positive"),
        ]

    # --- state ---------------------------------------------------------------
    @property
    def status(self) -> str:
        if not self.live and self.first_published_at is None:
            return "review"
        return self.phase

    @property
    def status_label(self) -> str:
        return {
            "review": _("in Prüfung"),
            "open": _("offen"),
            "closed": _("beendet"),
            "handed_over": _("übergeben"),
        }[self.status]

    @property
    def is_open(self) -> bool:
        return self.live and self.phase == self.Phase.OPEN and not self.deadline_passed

    @property
    def deadline_passed(self) -> bool:
        return bool(self.deadline and self.deadline < timezone.localdate())

    @property
    def group_name(self) -> str:
        return campaign_group(self.pk)

    @property
    def milestone_list(self) -> list[int]:
        try:
            return parse_milestones(self.milestones)
        except ValidationError:
            return parse_milestones(DEFAULT_MILESTONES)

    @cached_property
    def signature_count(self) -> int:
        from . import selectors

        return selectors.signature_count(self.pk)

    def progress_percent(self, count: int | None = None) -> int:
        count = self.signature_count if count is None else count
        return min(100, int(count * 100 / self.goal)) if self.goal else 0

    # --- routes ----------------------------------------------------------------
    @path("")
    def campaign(self, request):
        from . import views

        return views.campaign_page(request, self)

    @path("embed/", name="embed")
    def embed(self, request):
        from . import views

        return views.campaign_embed(request, self)

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.campaign_page_context(self, request))
        return context


class Signature(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("unbestätigt")
        CONFIRMED = "confirmed", _("bestätigt")
        WITHDRAWN = "withdrawn", _("zurückgezogen")
        INVALID = "invalid", _("ungültig")

    campaign = models.ForeignKey(CampaignPage, on_delete=models.CASCADE, related_name="signatures")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="campaign_signatures"
    )
    name = models.CharField(_("Name"), max_length=120, blank=True)
    email = models.EmailField(_("E-Mail-Adresse"), blank=True)
    # NULL once anonymised, so the uniqueness rule only covers live addresses
    email_normalized = models.CharField(max_length=254, null=True, blank=True)  # noqa: DJ001 — NULL = anonymised; the unique constraint must ignore those rows
    email_domain = models.CharField(max_length=253, blank=True)
    postcode = models.CharField(_("Postleitzahl"), max_length=5, blank=True)
    country = models.CharField(_("Land"), max_length=2, default="DE")
    postcode_region = models.CharField(max_length=2, blank=True, help_text="first two PLZ digits; kept after anonymisation")
    bundesland = models.CharField(max_length=5, blank=True, help_text="ISO 3166-2 code; kept after anonymisation")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    consent_version = models.CharField(max_length=20)
    consent_at = models.DateTimeField()
    updates_opt_in = models.BooleanField(default=False)
    updates_consent_at = models.DateTimeField(null=True, blank=True)
    show_name = models.BooleanField(default=False)
    ip_hash = models.CharField(max_length=64, blank=True)
    confirmation_sends = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="unconfirmed signatures are deleted after this")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    invalidated_at = models.DateTimeField(null=True, blank=True)
    invalid_reason = models.CharField(max_length=200, blank=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Unterschrift")
        verbose_name_plural = _("Unterschriften")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "email_normalized"],
                condition=models.Q(email_normalized__isnull=False),
                name="campaigns_signature_unique_email",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "confirmed", "withdrawn", "invalid"]),
                name="campaigns_signature_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="confirmed") | models.Q(confirmed_at__isnull=False),
                name="campaigns_signature_confirmed_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "confirmed_at"], name="campaigns_sig_status_idx"),
            models.Index(fields=["campaign", "created_at"], name="campaigns_sig_created_idx"),
            models.Index(fields=["campaign", "ip_hash"], name="campaigns_sig_ip_idx"),
            models.Index(fields=["campaign", "email_domain"], name="campaigns_sig_domain_idx"),
            models.Index(fields=["email_normalized"], name="campaigns_sig_email_idx"),
        ]
        permissions = [("moderate_signatures", "Can review bursts and invalidate signatures")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.pk}:{self.status}"

    @property
    def counts(self) -> bool:
        return self.status == self.Status.CONFIRMED


class CampaignCounterShard(models.Model):
    """One of ``COUNTER_SHARDS`` partial counters of a campaign; the count is their sum."""

    campaign = models.ForeignKey(CampaignPage, on_delete=models.CASCADE, related_name="counter_shards")
    shard = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)  # a shard may dip below 0 after decrements; the sum never does

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "shard"], name="campaigns_counter_shard_unique"),
            models.CheckConstraint(condition=models.Q(shard__lt=COUNTER_SHARDS), name="campaigns_counter_shard_range"),
        ]


class MilestoneReached(models.Model):
    campaign = models.ForeignKey(CampaignPage, on_delete=models.CASCADE, related_name="milestones_reached")
    percent = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField()
    reached_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "percent"], name="campaigns_milestone_once"),
        ]


class CampaignUpdate(models.Model):
    campaign = models.ForeignKey(CampaignPage, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(_("Titel"), max_length=200)
    body = models.TextField(_("Text"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]


class AuditLogEntry(AppendOnlyModel, models.Model):
    """Who did what with personal data of signers (exports, bulk invalidations, hand-over).

    Append-only (hds_site.audit): written by the campaign services, never changed or deleted.
    """

    class Action(models.TextChoices):
        EXPORT_CSV = "export_csv", _("Export CSV")
        EXPORT_PDF = "export_pdf", _("Export PDF")
        INVALIDATE = "invalidate", _("Unterschriften ungültig gemacht")
        CLOSE = "close", _("Kampagne beendet")
        HAND_OVER = "hand_over", _("übergeben")
        RESPONSE = "response", _("Antwort veröffentlicht")
        ANONYMISE = "anonymise", _("anonymisiert")
        RECONCILE = "reconcile", _("Zähler abgeglichen")

    campaign = models.ForeignKey(CampaignPage, on_delete=models.CASCADE, related_name="audit_log")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=20, choices=Action.choices)
    row_count = models.PositiveIntegerField(default=0)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("Protokolleintrag")
        verbose_name_plural = _("Protokoll")
