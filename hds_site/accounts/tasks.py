"""Account email (verification, password reset, notices), sent by a background task.

allauth renders the message in the request (language, links); the task only
delivers it. With the database task backend the task row is written in the
same transaction as the change that caused it, so a rolled-back sign-up sends
nothing and a slow SMTP server never holds up a request.
"""

from __future__ import annotations

from django.core.mail import EmailMultiAlternatives
from django_tasks import task


@task()
def send_account_email(
    *,
    subject: str,
    body: str,
    from_email: str,
    to: list[str],
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, from_email=from_email, to=to, headers=headers or {})
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
