"""Tables the whole project shares: the live-event log behind realtime.py."""

from django.db import models


class LiveStream(models.Model):
    """One row per live group; ``last_seq`` hands out gap-free sequence numbers.

    Locking this row while an event is appended makes the events of one group
    commit in sequence order, so a client that resumes after ``seq`` N can never
    miss an event numbered below a later one it already saw.
    """

    group = models.CharField(max_length=100, primary_key=True)
    last_seq = models.BigIntegerField(default=0)


class LiveEvent(models.Model):
    group = models.CharField(max_length=100)
    seq = models.BigIntegerField()
    type = models.CharField(max_length=60)
    data = models.JSONField(default=dict)
    html = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "seq"], name="live_event_group_seq_unique")]
        indexes = [models.Index(fields=["created_at"], name="live_event_created_idx")]
        ordering = ["group", "seq"]

    def event(self):
        from hds_site.realtime import Event

        return Event.replayable(self.type, self.data, self.html, seq=self.seq)

    def envelope(self) -> dict:
        return self.event().envelope()


class OutboxMail(models.Model):
    """One email waiting to leave, written in the transaction of the change that caused it.

    ``hds_site.mail`` writes it, a task delivers it after commit and marks it sent
    in the transaction that claimed it; failures are retried with backoff (see
    docs/operations.md, "Mail delivery"). Once sent, the body, HTML and headers
    (names, confirmation and unsubscribe links) are erased at once; the small
    remaining record is deleted after ``HDS_MAIL_RETENTION_DAYS``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        # composed at delivery, and by then there was nothing to send (the signature was confirmed, withdrawn …)
        DROPPED = "dropped", "dropped"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # optional idempotency key: a fan-out task that runs twice queues each mail once
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    category = models.CharField(max_length=60, blank=True)
    from_email = models.CharField(max_length=254, blank=True)
    to = models.JSONField(default=list)
    subject = models.CharField(max_length=998)
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # composed at delivery (``mail.queue_composed``): the dotted path of a function and its keyword arguments;
    # empty for mails queued with their text
    composer = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["created_at"], name="outbox_created_idx"),
        ]
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"mail {self.pk} ({self.category or 'mail'}, {self.status})"


# -- editorial workflow -----------------------------------------------------------------

from django.core.exceptions import PermissionDenied  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402
from wagtail.models import GroupApprovalTask, TaskState  # noqa: E402


class FourEyesGroupApprovalTask(GroupApprovalTask):
    """A group approval step that can require a second person (four-eyes principle).

    With ``second_person_required`` (the default) whoever submitted the page
    cannot approve this step: Wagtail does not offer them the action (the edit
    view says why, hds_site/wagtail_hooks.py) and the action itself refuses
    them. Requesting changes stays possible. The decision locks the task state
    row, so two editors approving at once give one approval; the later one is
    refused.
    """

    second_person_required = models.BooleanField(
        _("Vier-Augen-Prinzip"),
        default=True,
        help_text=_("Wer die Seite eingereicht hat, kann diesen Schritt nicht selbst freigeben."),
    )

    admin_form_fields = GroupApprovalTask.admin_form_fields + ["second_person_required"]

    class Meta:
        verbose_name = _("Gruppenfreigabe mit Vier-Augen-Prinzip")
        verbose_name_plural = _("Gruppenfreigaben mit Vier-Augen-Prinzip")

    @classmethod
    def get_description(cls):
        return _("Mitglieder der gewählten Gruppen geben frei; auf Wunsch nie die Person, die eingereicht hat.")

    def submitted_by(self, obj, user) -> bool:
        state = getattr(obj, "current_workflow_state", None)
        return bool(state is not None and user is not None and state.requested_by_id == user.pk)

    def blocks_approval_by(self, obj, user) -> bool:
        return self.second_person_required and self.submitted_by(obj, user)

    def get_actions(self, obj, user):
        actions = super().get_actions(obj, user)
        if self.blocks_approval_by(obj, user):
            actions = [action for action in actions if action[0] != "approve"]
        return actions

    def on_action(self, task_state, user, action_name, **kwargs):
        with transaction.atomic():
            locked = TaskState.objects.select_for_update().select_related("workflow_state").get(pk=task_state.pk)
            if locked.status != TaskState.STATUS_IN_PROGRESS:
                raise PermissionDenied("this step has already been decided")
            if (
                action_name == "approve"
                and self.second_person_required
                and locked.workflow_state.requested_by_id == getattr(user, "pk", None)
            ):
                raise PermissionDenied("the submitter cannot approve this step (four-eyes principle)")
            return super().on_action(locked, user, action_name, **kwargs)
