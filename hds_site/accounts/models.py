"""Member profile: the public face of an account (pseudonym, trade, Land, bio)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length, Lower
from django.db.models.lookups import GreaterThanOrEqual
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .bundeslaender import BUNDESLAENDER

DISPLAY_NAME_MIN = 3
DISPLAY_NAME_MAX = 40
BIO_MAX = 500
# What the forum (and everyone else) shows instead of a deleted member.
DELETED_MEMBER_LABEL = _("gelöschtes Mitglied")
RESERVED_DISPLAY_NAMES = {"gelöschtes mitglied", "deleted member", "admin", "administrator", "moderation", "redaktion", "hds"}

display_name_validator = RegexValidator(
    # letters (any script), digits, space, dot, hyphen, underscore; starts with a letter or digit,
    # ends with one (optionally followed by a dot: "Mehmet K.")
    regex=r"^[^\W_](?:[\w .\-]*[^\W_]\.?)?$",
    flags=re.UNICODE,
    message=_("Erlaubt sind Buchstaben, Ziffern, Leerzeichen, Punkt, Binde- und Unterstrich; am Anfang und Ende ein Buchstabe oder eine Ziffer (am Ende darf ein Punkt folgen)."),
)


def validate_display_name_not_reserved(value: str) -> None:
    if value.strip().casefold() in RESERVED_DISPLAY_NAMES:
        raise ValidationError(_("Dieser Name ist reserviert."), code="reserved")


def validate_display_name_not_numeric(value: str) -> None:
    if value.strip().isdigit():
        raise ValidationError(_("Der Name darf nicht nur aus Ziffern bestehen."), code="numeric")


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("Konto")
    )
    display_name = models.CharField(
        _("Anzeigename"),
        max_length=DISPLAY_NAME_MAX,
        validators=[
            MinLengthValidator(DISPLAY_NAME_MIN),
            display_name_validator, validate_display_name_not_reserved, validate_display_name_not_numeric],
        help_text=_("Ein Pseudonym ist in Ordnung. Es erscheint bei Ihren Beiträgen im Forum."),
    )
    profession = models.CharField(_("Beruf / Gewerk"), max_length=100, blank=True)
    bundesland = models.CharField(_("Bundesland"), max_length=5, choices=BUNDESLAENDER, blank=True)
    bio = models.TextField(_("Kurzvorstellung"), max_length=BIO_MAX, blank=True)
    is_public = models.BooleanField(
        _("Profil öffentlich zeigen"),
        default=False,
        help_text=_("Wenn aktiviert, können alle Besucherinnen und Besucher Ihr Profil sehen."),
    )
    created_at = models.DateTimeField(_("angelegt am"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert am"), auto_now=True)

    class Meta:
        verbose_name = _("Mitgliedsprofil")
        verbose_name_plural = _("Mitgliedsprofile")
        constraints = [
            models.UniqueConstraint(Lower("display_name"), name="accounts_profile_display_name_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(display_name__regex=r"^\S(.*\S)?$"),
                name="accounts_profile_display_name_trimmed",
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("display_name"), DISPLAY_NAME_MIN),
                name="accounts_profile_display_name_min_length",
            ),
            models.CheckConstraint(
                condition=models.Q(bundesland="") | models.Q(bundesland__in=[code for code, _name in BUNDESLAENDER]),
                name="accounts_profile_bundesland_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self.mirror_display_name()

    def get_absolute_url(self) -> str:
        return reverse("accounts:member_profile", kwargs={"display_name": self.display_name})

    def mirror_display_name(self) -> None:
        """Copy the display name into ``User.first_name`` (and empty ``last_name``).

        Django and Wagtail name a person by ``get_full_name()`` / ``get_short_name()``
        and the admin's account menu by ``first_name``; with the name on the user row
        itself every admin page names people without a query per person (page
        history, workflow panels, dashboard, Wagtail's mails). The profile stays the
        one place the name is edited; this runs on every save of it.
        """
        from django.contrib.auth import get_user_model

        get_user_model().objects.filter(pk=self.user_id).exclude(first_name=self.display_name, last_name="").update(
            first_name=self.display_name, last_name=""
        )
        user = self._state.fields_cache.get("user")
        if user is not None:
            user.first_name, user.last_name = self.display_name, ""


def user_full_name(user) -> str:
    """``User.get_full_name`` (installed by AccountsConfig.ready): how the admin names a person.

    The display name (mirrored into ``first_name``, see `Profile.mirror_display_name`);
    for staff also the email, so editors can tell colleagues apart and reach them.
    Members appear by their display name only: their email stays private.
    ``get_short_name`` (Django's: ``first_name``) is the display name alone, for
    greetings ("Hallo Jana Freiberg,").
    """
    name = (user.first_name or "").strip()
    if user.is_staff and user.email:
        return f"{name} ({user.email})" if name else user.email
    return name


def user_str(user) -> str:
    """``str(user)``: what choice fields and lists show (e.g. the campaign's organisers in the
    admin), the full name as above; the username only for a user without any name."""
    return user_full_name(user) or user.get_username()


def install_display_name_methods() -> None:
    """Django's own User (AUTH_USER_MODEL is auth.User) names people by the profile."""
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    user_model.get_full_name = user_full_name  # type: ignore[method-assign]
    user_model.__str__ = user_str  # type: ignore[method-assign]
