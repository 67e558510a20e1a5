"""Member profile: the public face of an account (pseudonym, trade, Land, bio)."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator, RegexValidator
from django.db import models
from django.db.models.lookups import GreaterThanOrEqual
from django.db.models.functions import Length, Lower
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

    def get_absolute_url(self) -> str:
        return reverse("accounts:member_profile", kwargs={"display_name": self.display_name})
