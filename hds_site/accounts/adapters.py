from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.db import transaction

from hds_site import mail

from . import services


def site_url(path_or_url: str) -> str:
    """``path_or_url`` on ``settings.SITE_URL``: its path, query and fragment, never a request's host.

    The Host header is the client's to choose (any port on an allowed host
    passes ALLOWED_HOSTS): a link built from it would send a password-reset
    token wherever the requester pointed it.
    """
    parts = urlsplit(path_or_url)
    return settings.SITE_URL + urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))


class AccountAdapter(DefaultAccountAdapter):
    """Members log in with their email; the username is an internal random id.

    Generating it keeps the email's local part out of the username (no leak in
    URLs or the admin) and avoids asking members for a second name: the public
    name is the profile's display name, chosen on sign-up.
    """

    def populate_username(self, request, user) -> None:
        if not getattr(user, "username", ""):
            user.username = services.generate_username()

    def save_user(self, request, user, form, commit=True):
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                services.register_member(user=user, display_name=form.cleaned_data.get("display_name"))
        return user

    def _get_login_attempts_cache_key(self, request, **credentials) -> str:
        """The per-account key of the ``login_failed`` limit: the login alone, not the request's host.

        allauth prefixes it with ``get_current_site(request).domain``; without the
        sites framework that is the Host header, so a new port per guess
        (``Host: localhost:6666``, ``:6667`` …) started a fresh count for the
        same account.
        """
        login = (credentials.get("email") or credentials.get("username") or "").strip().lower()
        return f"{urlsplit(settings.SITE_URL).netloc}:{login}"

    # --- links in mails: always on SITE_URL ------------------------------------------------

    def get_reset_password_from_key_url(self, key: str) -> str:
        return site_url(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        return site_url(super().get_email_confirmation_url(request, emailconfirmation))

    def render_mail(self, template_prefix, email, context, headers=None):
        context = {"site_name": settings.WAGTAIL_SITE_NAME, "site_url": settings.SITE_URL, **context}
        return super().render_mail(template_prefix, email, context, headers=headers)

    def send_mail(self, template_prefix, email, context) -> None:
        """Render now (request language, links), queue in the mail outbox (``hds_site.mail``).

        The row joins the request's transaction when there is one (a rolled-back
        sign-up sends nothing) and is delivered after commit, with retries while
        the SMTP server is away; a slow SMTP server never holds up the request.
        """
        from allauth.core import context as allauth_context

        request = allauth_context.request
        # allauth builds its links (and ``current_site``) from the request's Host: every ``*_url``
        # handed to a template is rebased onto SITE_URL, whichever flow built it
        context = {
            key: site_url(value) if key.endswith("_url") and isinstance(value, str) and value else value
            for key, value in context.items()
        }
        current_site = SimpleNamespace(name=settings.WAGTAIL_SITE_NAME, domain=urlsplit(settings.SITE_URL).netloc)
        ctx = {"request": request, "email": email, "current_site": current_site, **context}
        message = self.render_mail(template_prefix, email, ctx)
        alternatives = getattr(message, "alternatives", [])
        html = next((content for content, mimetype in alternatives if mimetype == "text/html"), None)
        mail.queue(
            to=list(message.to),
            subject=message.subject,
            body=message.body,
            html=html,
            from_email=message.from_email,
            headers=dict(message.extra_headers),
            category="account-" + template_prefix.rsplit("/", 1)[-1].replace("_", "-"),
        )
