"""Reads of the accounts app shared by pages (and by other apps)."""

from __future__ import annotations

from django.contrib.auth.models import User as AuthUser  # AUTH_USER_MODEL is Django's own

from .models import DELETED_MEMBER_LABEL, Profile


def profile_for_display(*, display_name: str, viewer: AuthUser | None) -> Profile | None:
    """The profile at /konto/mitglieder/<display_name>/ if ``viewer`` may see it.

    Public profiles are visible to everyone, private ones only to their owner.
    """
    if "\x00" in display_name:
        return None  # no name holds NUL, and PostgreSQL refuses it in a query
    profile = Profile.objects.select_related("user").filter(display_name__iexact=display_name).first()
    if profile is None or not profile.user.is_active:
        return None
    if profile.is_public:
        return profile
    if viewer is not None and viewer.is_authenticated and viewer.pk == profile.user_id:
        return profile
    return None


def display_name_of(user: AuthUser | None) -> str:
    """What to show as the author of something: the pseudonym, or "gelöschtes Mitglied".

    Callers listing many authors should ``select_related("author__profile")``.
    """
    if user is None:
        return str(DELETED_MEMBER_LABEL)
    try:
        return user.profile.display_name
    except Profile.DoesNotExist:
        return str(DELETED_MEMBER_LABEL)
