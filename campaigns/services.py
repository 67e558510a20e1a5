"""Every write of the campaigns app.

Each function checks what it must, writes inside ``transaction.atomic()`` and
only after commit sends mails (django-tasks) and live pushes.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import abuse, consent, events, live, permissions
from .models import (
    COUNTER_SHARDS,
    AuditLogEntry,
    CampaignCounterShard,
    CampaignIndexPage,
    CampaignPage,
    CampaignUpdate,
    MilestoneReached,
    Signature,
)
from .text import clean_text, plain_text_to_rich_text

CONFIRM_SALT = "campaigns.confirm"
WITHDRAW_SALT = "campaigns.withdraw"
UNSUBSCRIBE_SALT = "campaigns.unsubscribe"
DATA_REQUEST_SALT = "campaigns.data-request"


def confirmation_days() -> int:
    return int(getattr(settings, "CAMPAIGNS_CONFIRMATION_DAYS", 7))


def max_confirmation_sends() -> int:
    return int(getattr(settings, "CAMPAIGNS_MAX_CONFIRMATION_SENDS", 3))


def anonymise_after_days() -> int:
    return int(getattr(settings, "CAMPAIGNS_ANONYMISE_AFTER_DAYS", 183))


class SigningError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


# --- tokens ------------------------------------------------------------------


def make_token(salt: str, value) -> str:
    return signing.dumps(value, salt=salt, compress=True)


def read_token(salt: str, token: str, max_age: int | None = None):
    """The signed value, or None for a forged, damaged or expired token."""
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None


def confirm_token(signature: Signature) -> str:
    return make_token(CONFIRM_SALT, signature.pk)


def withdraw_token(signature: Signature) -> str:
    return make_token(WITHDRAW_SALT, signature.pk)


def unsubscribe_token(signature: Signature) -> str:
    return make_token(UNSUBSCRIBE_SALT, signature.pk)


def data_request_token(email_normalized: str) -> str:
    return make_token(DATA_REQUEST_SALT, email_normalized)


# --- counters ----------------------------------------------------------------


def ensure_shards(campaign_id: int) -> None:
    CampaignCounterShard.objects.bulk_create(
        [CampaignCounterShard(campaign_id=campaign_id, shard=i) for i in range(COUNTER_SHARDS)], ignore_conflicts=True
    )


def _add_to_count(campaign_id: int, delta: int) -> None:
    """Add ``delta`` to one random shard: concurrent writers rarely meet on the same row."""
    if not delta:
        return
    shard = random.randrange(COUNTER_SHARDS)  # noqa: S311 — picks a counter shard, not a secret
    updated = CampaignCounterShard.objects.filter(campaign_id=campaign_id, shard=shard).update(count=F("count") + delta)
    if not updated:
        ensure_shards(campaign_id)
        CampaignCounterShard.objects.filter(campaign_id=campaign_id, shard=shard).update(count=F("count") + delta)


def _after_count_change(campaign_id: int, *, check_milestones: bool = False) -> None:
    def run():
        if check_milestones:
            check_milestones_reached(campaign_id=campaign_id)
        live.request_push(campaign_id)

    transaction.on_commit(run)


@dataclass
class ReconcileReport:
    campaign_id: int
    shown: int
    actual: int

    @property
    def repaired(self) -> bool:
        return self.shown != self.actual


def reconcile_counts(*, campaign: CampaignPage | None = None, actor=None) -> list[ReconcileReport]:
    """Compare the sharded counters with COUNT(*) of confirmed signatures and repair differences.

    Locking every shard of the campaign (in shard order, the only order any
    writer uses more than one shard in) waits for confirmations in flight to
    commit; those that have not reached their shard yet add to the repaired
    value afterwards, so the result is exact even under load.
    """
    campaigns = [campaign] if campaign is not None else list(CampaignPage.objects.all().only("pk"))
    reports = []
    for item in campaigns:
        ensure_shards(item.pk)
        with transaction.atomic():
            shards = list(CampaignCounterShard.objects.select_for_update().filter(campaign_id=item.pk).order_by("shard"))
            shown = sum(s.count for s in shards)
            actual = Signature.objects.filter(campaign_id=item.pk, status=Signature.Status.CONFIRMED).count()
            report = ReconcileReport(campaign_id=item.pk, shown=shown, actual=actual)
            if report.repaired:
                CampaignCounterShard.objects.filter(campaign_id=item.pk).exclude(shard=0).update(count=0)
                CampaignCounterShard.objects.filter(campaign_id=item.pk, shard=0).update(count=actual)
                AuditLogEntry.objects.create(
                    campaign_id=item.pk, actor=actor, action=AuditLogEntry.Action.RECONCILE, row_count=actual,
                    details={"shown": shown, "actual": actual},
                )
                _after_count_change(item.pk)
            reports.append(report)
        check_milestones_reached(campaign_id=item.pk)
    return reports


# --- milestones --------------------------------------------------------------


def check_milestones_reached(*, campaign_id: int) -> list[MilestoneReached]:
    """Record each milestone the committed count has reached, once; notify after commit.

    Runs after the confirming transaction commits, so the last of several
    concurrent confirmations always sees the total that crossed the line.
    """
    from . import selectors, tasks

    # goal, milestones and the committed total in one query; the recorded milestones only once one is crossed
    page = (
        CampaignPage.objects.filter(pk=campaign_id).only("goal", "milestones")
        .annotate(total=selectors.signature_total()).first()
    )
    if page is None:
        return []
    total = page.total
    crossed = [percent for percent in page.milestone_list if total >= math.ceil(page.goal * percent / 100)]
    if not crossed:
        return []
    reached = set(MilestoneReached.objects.filter(campaign_id=campaign_id).values_list("percent", flat=True))
    created = []
    for percent in crossed:
        if percent in reached:
            continue
        try:
            with transaction.atomic():
                milestone = MilestoneReached.objects.create(campaign_id=campaign_id, percent=percent, count=total)
        except IntegrityError:
            continue  # another process recorded it first
        created.append(milestone)
        transaction.on_commit(partial(tasks.send_milestone_mails.enqueue, milestone_id=milestone.pk))
    return created


# --- signing -----------------------------------------------------------------


@dataclass
class SignResult:
    signature: Signature | None
    outcome: str  # "created" | "resent" | "already_confirmed" | "limit" | "ignored"


def sign_campaign(
    *,
    campaign: CampaignPage,
    name: str,
    email: str,
    postcode: str,
    country: str = "DE",
    consent_given: bool,
    updates_opt_in: bool = False,
    show_name: bool = False,
    ip: str = "",
    user=None,
    consent_version: str | None = None,
) -> SignResult:
    """Record a (pending) signature and send the confirmation mail after commit.

    The result never tells the caller (nor the page) whether the address had
    signed before: that would reveal a political opinion to whoever types it.
    """
    from . import tasks

    if not campaign.is_open:
        raise SigningError("closed", _("Diese Kampagne nimmt keine Unterschriften mehr an."))
    if not consent_given:
        raise SigningError("consent", _("Bitte stimmen Sie der Verarbeitung Ihrer Daten zu."), field="consent")
    consent_version = consent_version or consent.CURRENT_VERSION
    if consent_version not in consent.CONSENT_TEXTS:
        raise SigningError("consent", _("Der Einwilligungstext ist nicht mehr aktuell. Bitte laden Sie die Seite neu."))
    email = email.strip()
    domain = abuse.email_domain(email)
    if abuse.is_disposable(email):
        raise SigningError(
            "disposable", _("Bitte verwenden Sie eine dauerhafte E-Mail-Adresse, keine Wegwerf-Adresse."), field="email"
        )
    ip_hash = abuse.hash_ip(ip)
    limited = abuse.check_rate_limits(ip_hash=ip_hash, domain=domain)
    if limited:
        raise SigningError("rate_limited", _("Zu viele Unterschriften in kurzer Zeit. Bitte versuchen Sie es später erneut."))

    normalized = abuse.normalize_email(email)
    country = (country or "DE").upper()
    postcode = (postcode or "").strip() if country == "DE" else ""
    bundesland = ""
    if postcode:
        from hds_site.content.plz import bundesland_for_plz

        bundesland = bundesland_for_plz(postcode) or ""
    now = timezone.now()
    fields = dict(
        name=name.strip(), email=email, email_domain=domain, postcode=postcode, country=country,
        postcode_region=postcode[:2], bundesland=bundesland, consent_version=consent_version, consent_at=now,
        updates_opt_in=bool(updates_opt_in), updates_consent_at=now if updates_opt_in else None,
        show_name=bool(show_name), ip_hash=ip_hash, user=user if getattr(user, "is_authenticated", False) else None,
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                signature = Signature.objects.create(
                    campaign=campaign, email_normalized=normalized, status=Signature.Status.PENDING,
                    created_at=now, expires_at=now + timedelta(days=confirmation_days()), **fields,
                )
        except IntegrityError:
            signature = Signature.objects.select_for_update().get(campaign=campaign, email_normalized=normalized)
        else:
            tasks.queue_signature_mail(signature=signature, template="confirm")  # outbox, sent after commit
            return SignResult(signature, "created")

        if signature.status == Signature.Status.INVALID:
            return SignResult(signature, "ignored")
        if signature.confirmation_sends >= max_confirmation_sends():
            return SignResult(signature, "limit")
        if signature.status == Signature.Status.CONFIRMED:
            Signature.objects.filter(pk=signature.pk).update(confirmation_sends=F("confirmation_sends") + 1)
            tasks.queue_signature_mail(signature=signature, template="already_signed")
            return SignResult(signature, "already_confirmed")
        # pending (or withdrawn earlier): fresh consent, fresh link, bounded number of mails
        for key, value in fields.items():
            setattr(signature, key, value)
        signature.status = Signature.Status.PENDING
        signature.withdrawn_at = None
        signature.expires_at = now + timedelta(days=confirmation_days())
        signature.confirmation_sends = F("confirmation_sends") + 1
        signature.save()
        tasks.queue_signature_mail(signature=signature, template="confirm")
        return SignResult(signature, "resent")


@dataclass
class ConfirmResult:
    outcome: str  # "confirmed" | "already" | "expired" | "closed" | "invalid"
    signature: Signature | None = None


def confirm_signature(*, signature_id: int) -> ConfirmResult:
    """Pending → confirmed and +1 on a counter shard, in one transaction.

    The conditional UPDATE on the status makes confirming idempotent: of two
    concurrent confirmations of one signature, exactly one changes a row and
    counts.
    """
    from . import tasks

    signature = Signature.objects.select_related("campaign").filter(pk=signature_id).first()
    if signature is None:
        return ConfirmResult("invalid")
    if signature.status == Signature.Status.CONFIRMED:
        return ConfirmResult("already", signature)
    if signature.status != Signature.Status.PENDING:
        return ConfirmResult("invalid", signature)
    now = timezone.now()
    if signature.expires_at and signature.expires_at < now:
        return ConfirmResult("expired", signature)
    if not signature.campaign.is_open:
        return ConfirmResult("closed", signature)
    with transaction.atomic():
        changed = Signature.objects.filter(
            pk=signature_id, status=Signature.Status.PENDING, expires_at__gte=now
        ).update(status=Signature.Status.CONFIRMED, confirmed_at=now)
        if not changed:
            return ConfirmResult("already", signature)
        _add_to_count(signature.campaign_id, +1)
        _after_count_change(signature.campaign_id, check_milestones=True)
        tasks.queue_signature_mail(signature=signature, template="confirmed")
    signature.status = Signature.Status.CONFIRMED
    signature.confirmed_at = now
    return ConfirmResult("confirmed", signature)


def _scrub_fields(now: datetime) -> dict:
    return dict(
        name="", email="", email_normalized=None, email_domain="", ip_hash="", postcode="", user=None,
        updates_opt_in=False, show_name=False, anonymised_at=now,
    )


def withdraw_signature(*, signature_id: int) -> str:
    """Withdraw consent while the campaign is open; the personal data goes at once.

    Returns "withdrawn", "closed" or "invalid".
    """
    signature = Signature.objects.select_related("campaign").filter(pk=signature_id).first()
    if signature is None or signature.status not in (Signature.Status.PENDING, Signature.Status.CONFIRMED):
        return "invalid"
    if not (signature.campaign.live and signature.campaign.phase == CampaignPage.Phase.OPEN):
        return "closed"
    now = timezone.now()
    with transaction.atomic():
        scrub = _scrub_fields(now)
        scrub.pop("anonymised_at")
        was_confirmed = Signature.objects.filter(pk=signature_id, status=Signature.Status.CONFIRMED).update(
            status=Signature.Status.WITHDRAWN, withdrawn_at=now, **scrub
        )
        if was_confirmed:
            _add_to_count(signature.campaign_id, -1)
            _after_count_change(signature.campaign_id)
            return "withdrawn"
        changed = Signature.objects.filter(pk=signature_id, status=Signature.Status.PENDING).update(
            status=Signature.Status.WITHDRAWN, withdrawn_at=now, **scrub
        )
    return "withdrawn" if changed else "invalid"


def unsubscribe_updates(*, signature_id: int) -> bool:
    with transaction.atomic():
        return bool(Signature.objects.filter(pk=signature_id).update(updates_opt_in=False, updates_consent_at=None))


def expire_signatures(*, now: datetime | None = None) -> int:
    """Delete unconfirmed signatures whose confirmation period has run out."""
    now = now or timezone.now()
    with transaction.atomic():
        deleted, _details = Signature.objects.filter(status=Signature.Status.PENDING, expires_at__lt=now).delete()
    return deleted


# --- moderation ----------------------------------------------------------------


def invalidate_signatures(
    *,
    campaign: CampaignPage,
    actor,
    since: datetime | None = None,
    until: datetime | None = None,
    ip_hash: str = "",
    domain: str = "",
    reason: str = "",
) -> int:
    """Mark matching pending/confirmed signatures invalid; confirmed ones stop counting in the same transaction."""
    from . import selectors

    if not permissions.can_moderate_signatures(actor):
        raise PermissionDenied
    qs = selectors.invalidation_queryset(campaign, since=since, until=until, ip_hash=ip_hash, domain=domain)
    if qs is None:
        raise ValidationError(_("Bitte mindestens einen Filter angeben."))
    now = timezone.now()
    fields = dict(status=Signature.Status.INVALID, invalidated_at=now, invalid_reason=reason[:200])
    with transaction.atomic():
        # pending first, so none of them can be confirmed behind our back
        pending = qs.filter(status=Signature.Status.PENDING).update(**fields)
        confirmed = qs.filter(status=Signature.Status.CONFIRMED).update(**fields)
        if confirmed:
            _add_to_count(campaign.pk, -confirmed)
            _after_count_change(campaign.pk)
        AuditLogEntry.objects.create(
            campaign=campaign, actor=actor, action=AuditLogEntry.Action.INVALIDATE, row_count=pending + confirmed,
            details={
                "since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
                "ip_hash": ip_hash, "domain": domain, "reason": reason[:200], "confirmed": confirmed,
                "pending": pending,
            },
        )
    return pending + confirmed


# --- proposals -----------------------------------------------------------------


RESERVED_SLUGS = {"vorschlagen", "bestaetigen", "zurueckziehen", "abbestellen", "meine-daten", "verwalten"}


def _unique_slug(parent: CampaignIndexPage, title: str) -> str:
    base = slugify(title)[:60] or "kampagne"
    slug, n = base, 1
    siblings = set(parent.get_children().values_list("slug", flat=True)) | RESERVED_SLUGS
    while slug in siblings:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _campaign_workflow(page: CampaignPage):
    """The workflow for proposals: the one chosen for the campaign index, or else "Kampagnen-Freigabe"
    (made on demand and attached to the index): approval by the editor groups, by a second person
    when an editor proposed (four-eyes principle, hds_site.models.FourEyesGroupApprovalTask)."""
    from django.contrib.auth.models import Group
    from wagtail.models import Workflow, WorkflowPage, WorkflowTask

    from hds_site.models import FourEyesGroupApprovalTask

    index = page.get_parent()
    chosen = WorkflowPage.objects.filter(page=index, workflow__active=True).select_related("workflow").first()
    if chosen is not None and chosen.workflow.tasks.exists():
        return chosen.workflow
    workflow, _created = Workflow.objects.get_or_create(name="Kampagnen-Freigabe", defaults={"active": True})
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    if not workflow.tasks.exists():
        task = FourEyesGroupApprovalTask.objects.filter(name="Kampagnenvorschlag prüfen").first()
        if task is None:
            task = FourEyesGroupApprovalTask.objects.create(name="Kampagnenvorschlag prüfen", second_person_required=True)
        task.groups.add(*Group.objects.filter(name__in=permissions.EDITOR_GROUPS))
        WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    return workflow


def propose_campaign(
    *, proposer, title: str, demands: str, addressee: str, why: str, goal: int, thread=None
) -> CampaignPage:
    """A member's proposal: a draft CampaignPage submitted to the moderation workflow.

    The texts are the member's plain text: control characters dropped, "why"
    turned into rich text the editors' Draftail editor can open (``campaigns.text``).
    ``thread`` must be one the proposer may read (the proposal links to it).
    """
    from community.permissions import can_view_thread

    from . import selectors

    if not permissions.can_propose(proposer):
        raise PermissionDenied
    if thread is not None and not can_view_thread(proposer, thread):
        raise PermissionDenied
    index = selectors.campaign_index()
    if index is None:
        raise ValidationError(_("Es gibt noch keine Kampagnenübersicht."))
    title, demands, addressee, why = (clean_text(value) for value in (title, demands, addressee, why))
    title = " ".join(title.split())
    demand_lines = [line.strip(" -*\t") for line in demands.splitlines() if line.strip()]
    demands_html = "<ul>" + "".join(f"<li>{escape(line)}</li>" for line in demand_lines) + "</ul>"
    with transaction.atomic():
        page = CampaignPage(
            title=title.strip(),
            slug=_unique_slug(index, title),
            teaser=" ".join(why.split())[:400],
            demands=demands_html,
            addressee=" ".join(addressee.split()),
            goal=goal,
            body=[("paragraph", plain_text_to_rich_text(why))] if why.strip() else [],
            proposer=proposer,
            owner=proposer,
            source_thread=thread,
            live=False,
        )
        index.add_child(instance=page)
        page.organisers.add(proposer)
        page.save()  # ParentalManyToMany: commit the organisers
        ensure_shards(page.pk)
        page.save_revision(user=proposer, log_action=True)
        _campaign_workflow(page).start(page, proposer)
    return page


def on_workflow_decision(*, workflow_state, approved: bool, user=None) -> None:
    """Called from the workflow signals: queue the mail to the proposer (it leaves after commit)."""
    from . import tasks

    obj = workflow_state.content_object
    page = getattr(obj, "specific", obj)
    if not isinstance(page, CampaignPage) or page.proposer_id is None:
        return
    comment = ""
    if not approved:
        task_state = workflow_state.current_task_state
        comment = (task_state.specific.get_comment() if task_state else "") or ""
    decision = "approved" if approved else "rejected"
    tasks.queue_proposal_decision(campaign_id=page.pk, decision=decision, comment=comment)


# --- organisers ----------------------------------------------------------------


def post_update(*, campaign: CampaignPage, author, title: str, body: str) -> CampaignUpdate:
    from django.template.loader import render_to_string

    from hds_site import realtime

    from . import tasks

    if not permissions.can_manage(author, campaign):
        raise PermissionDenied
    with transaction.atomic():
        update = CampaignUpdate.objects.create(campaign=campaign, author=author, title=title.strip(), body=body.strip())
        html = render_to_string("campaigns/includes/update.html", {"update": update})
        realtime.publish(campaign.group_name, events.CAMPAIGN_UPDATE, {"id": update.pk}, html)
        transaction.on_commit(lambda: tasks.send_update_mails.enqueue(update_id=update.pk))
    return update


def _publish_change(campaign: CampaignPage, actor, **fields) -> CampaignPage:
    page = CampaignPage.objects.get(pk=campaign.pk)
    for key, value in fields.items():
        setattr(page, key, value)
    revision = page.save_revision(user=actor, log_action=True)
    revision.publish(user=actor, skip_permission_checks=True)  # permission checked by the caller
    return CampaignPage.objects.get(pk=campaign.pk)


def close_campaign(*, campaign: CampaignPage, actor) -> CampaignPage:
    if not permissions.can_manage(actor, campaign):
        raise PermissionDenied
    if campaign.phase != CampaignPage.Phase.OPEN:
        return campaign
    with transaction.atomic():
        page = _publish_change(campaign, actor, phase=CampaignPage.Phase.CLOSED, closed_at=timezone.now())
        AuditLogEntry.objects.create(campaign=page, actor=actor, action=AuditLogEntry.Action.CLOSE)
        _after_count_change(page.pk)
    return page


def mark_handed_over(*, campaign: CampaignPage, actor, handed_over_on: date | None = None) -> CampaignPage:
    if not permissions.can_manage(actor, campaign):
        raise PermissionDenied
    now = timezone.now()
    with transaction.atomic():
        page = _publish_change(
            campaign, actor, phase=CampaignPage.Phase.HANDED_OVER, handed_over_at=now, closed_at=campaign.closed_at or now
        )
        AuditLogEntry.objects.create(
            campaign=page, actor=actor, action=AuditLogEntry.Action.HAND_OVER, row_count=page.signature_count
        )
    return page


def publish_response(*, campaign: CampaignPage, actor, response: str) -> CampaignPage:
    if not permissions.can_manage(actor, campaign):
        raise PermissionDenied
    html = plain_text_to_rich_text(response)
    with transaction.atomic():
        page = _publish_change(campaign, actor, response=html, response_published_at=timezone.now())
        AuditLogEntry.objects.create(campaign=page, actor=actor, action=AuditLogEntry.Action.RESPONSE)
    return page


def record_export(*, campaign: CampaignPage, actor, kind: str, row_count: int) -> AuditLogEntry:
    if not permissions.can_manage(actor, campaign):
        raise PermissionDenied
    action = AuditLogEntry.Action.EXPORT_PDF if kind == "pdf" else AuditLogEntry.Action.EXPORT_CSV
    with transaction.atomic():
        return AuditLogEntry.objects.create(
            campaign=campaign, actor=actor, action=action, row_count=row_count, details={"fields": ["name", "postcode", "region"]}
        )


# --- privacy ---------------------------------------------------------------------


def anonymise_signatures(*, now: datetime | None = None, after_days: int | None = None) -> dict[int, int]:
    """Scrub personal data of campaigns closed more than ``after_days`` ago.

    Kept: status, dates, PLZ region (first two digits) and Bundesland, so
    counts and statistics stay right. Unconfirmed signatures are deleted.
    """
    now = now or timezone.now()
    after_days = anonymise_after_days() if after_days is None else after_days
    cutoff = now - timedelta(days=after_days)
    due = CampaignPage.objects.filter(
        phase__in=[CampaignPage.Phase.CLOSED, CampaignPage.Phase.HANDED_OVER], closed_at__lte=cutoff
    ).filter(Q(anonymised_at__isnull=True) | Q(signatures__anonymised_at__isnull=True)).distinct()
    result = {}
    for campaign in due:
        with transaction.atomic():
            Signature.objects.filter(campaign=campaign, status=Signature.Status.PENDING).delete()
            changed = Signature.objects.filter(campaign=campaign, anonymised_at__isnull=True).update(**_scrub_fields(now))
            CampaignPage.objects.filter(pk=campaign.pk).update(anonymised_at=now)
            AuditLogEntry.objects.create(campaign=campaign, action=AuditLogEntry.Action.ANONYMISE, row_count=changed)
        result[campaign.pk] = changed
    return result


def request_own_data(*, email: str) -> None:
    """Mail a signed link to the address's data page (always the same answer, whether or not it signed)."""
    from . import tasks

    normalized = abuse.normalize_email(email)
    if not _data_request_allowed(normalized):
        return
    tasks.queue_data_request_mail(email=email.strip(), email_normalized=normalized)


def _data_request_allowed(normalized: str) -> bool:
    from django.core.cache import cache

    key = f"campaigns:datareq:{abuse.hash_ip(normalized)}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) <= 3
    except ValueError:
        return True


# --- bulk import ------------------------------------------------------------------


@dataclass
class ImportedSignature:
    """One signature confirmed elsewhere (double opt-in done there, consent text version known)."""

    name: str
    email: str
    signed_at: datetime
    postcode: str = ""
    country: str = "DE"
    confirmed_at: datetime | None = None
    consent_version: str | None = None
    updates_opt_in: bool = False
    show_name: bool = False


def import_confirmed_signatures(*, campaign: CampaignPage, signatures, batch_size: int = 500) -> int:
    """Bulk-create confirmed signatures (demo data, a move from another petition tool); returns how many.

    The same derived fields as ``sign_campaign`` (normalised email, domain,
    PLZ region, Bundesland), no mails and no rate limits. Addresses that have
    signed this campaign already, and repeats within the import, are skipped
    (normalised as for signing). The counter stays exact: the number created
    goes onto a shard in the same transaction, and the live count is pushed
    after commit. Milestones are not checked here (no mails about imported
    history); the daily ``reconcile_counts`` records, and announces, those the
    count has crossed — record them first when they are history, as
    ``campaigns.demo`` does.
    """
    from hds_site.content.plz import bundesland_for_plz

    seen = set(
        Signature.objects.filter(campaign=campaign, email_normalized__isnull=False).values_list(
            "email_normalized", flat=True
        )
    )
    rows: list[Signature] = []
    for item in signatures:
        email = item.email.strip()
        normalized = abuse.normalize_email(email)
        if not normalized or normalized in seen:
            continue
        seen.add(normalized)
        version = item.consent_version or consent.CURRENT_VERSION
        if version not in consent.CONSENT_TEXTS:
            raise ValidationError(f"unknown consent version {version!r}")
        country = (item.country or "DE").upper()
        postcode = (item.postcode or "").strip() if country == "DE" else ""
        rows.append(
            Signature(
                campaign=campaign, name=item.name.strip(), email=email, email_normalized=normalized,
                email_domain=abuse.email_domain(email), postcode=postcode, country=country,
                postcode_region=postcode[:2], bundesland=(bundesland_for_plz(postcode) or "") if postcode else "",
                status=Signature.Status.CONFIRMED, consent_version=version, consent_at=item.signed_at,
                updates_opt_in=item.updates_opt_in, updates_consent_at=item.signed_at if item.updates_opt_in else None,
                show_name=item.show_name, created_at=item.signed_at, confirmed_at=item.confirmed_at or item.signed_at,
            )
        )
    with transaction.atomic():
        Signature.objects.bulk_create(rows, batch_size=batch_size)
        _add_to_count(campaign.pk, len(rows))
        _after_count_change(campaign.pk)
    return len(rows)
