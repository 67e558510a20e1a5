"""Wagtail's own admin mails go only to people who can open the admin.

Wagtail mails the workflow's submitter when a page is approved or rejected,
the task's groups when a task waits for them, and superusers when something is
submitted. A member who proposes a campaign becomes the page's owner and the
workflow's submitter (campaigns.services.propose_campaign), so Wagtail would
greet them with an admin mail whose links lead to /cms/, which they cannot
open — beside the platform's own mail (campaigns/email/proposal_*), which is
the one meant for them.

`connect()` (from HdsSiteConfig.ready, which runs before wagtail.admin's) puts
subclasses of Wagtail's four notifiers under Wagtail's own ``dispatch_uid``\\s:
Wagtail's later ``register_signal_handlers()`` then connects nothing twice.
The subclasses drop every recipient without ``wagtailadmin.access_admin``
(inactive users Wagtail drops itself). Staff keep Wagtail's mails as before.
"""

from __future__ import annotations

from wagtail.admin import mail as wagtail_mail
from wagtail.models import TaskState, WorkflowState
from wagtail.signals import task_submitted, workflow_approved, workflow_rejected, workflow_submitted

ADMIN_PERMISSION = "wagtailadmin.access_admin"


def can_open_admin(user) -> bool:
    return bool(user is not None and user.is_active and user.has_perm(ADMIN_PERMISSION))


class AdminUsersOnly:
    """Mixin for Wagtail's notifiers: recipients are people who can follow the mail's links."""

    def get_valid_recipients(self, instance, **kwargs):
        return {user for user in super().get_valid_recipients(instance, **kwargs) if can_open_admin(user)}  # type: ignore[misc]


class TaskSubmissionNotifier(AdminUsersOnly, wagtail_mail.GroupApprovalTaskStateSubmissionEmailNotifier):
    pass


class WorkflowSubmissionNotifier(AdminUsersOnly, wagtail_mail.WorkflowStateSubmissionEmailNotifier):
    pass


class WorkflowApprovalNotifier(AdminUsersOnly, wagtail_mail.WorkflowStateApprovalEmailNotifier):
    pass


class WorkflowRejectionNotifier(AdminUsersOnly, wagtail_mail.WorkflowStateRejectionEmailNotifier):
    pass


# (signal, sender, Wagtail's dispatch_uid from wagtail/admin/signal_handlers.py, our notifier)
NOTIFIERS = (
    (task_submitted, TaskState, "group_approval_task_submitted_email_notification", TaskSubmissionNotifier()),
    (workflow_submitted, WorkflowState, "workflow_state_submitted_email_notification", WorkflowSubmissionNotifier()),
    (workflow_rejected, WorkflowState, "workflow_state_rejected_email_notification", WorkflowRejectionNotifier()),
    (workflow_approved, WorkflowState, "workflow_state_approved_email_notification", WorkflowApprovalNotifier()),
)


def connect() -> None:
    for signal, sender, dispatch_uid, notifier in NOTIFIERS:
        signal.disconnect(sender=sender, dispatch_uid=dispatch_uid)  # should Wagtail's have come first
        signal.connect(notifier, sender=sender, dispatch_uid=dispatch_uid)
