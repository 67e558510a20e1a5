"""Writes of the accounts app: profiles, GDPR export and account deletion.

Extension points (Wagtail hooks, registered by apps higher up the import chain):

* ``hds_gdpr_export`` — ``fn(user) -> dict[str, Any]``: sections an app adds to
  the member's data export ({section_name: JSON-serialisable data}).
* ``hds_account_deletion`` — ``fn(user) -> None``: called inside the deletion
  transaction *before* the user row is deleted (by ``delete_account``, and for any
  other deletion of a user row through the ``pre_delete`` signal); each app anonymises or removes
  its own rows (e.g. the forum sets ``Post.author`` to NULL so posts survive as
  "gelöschtes Mitglied"). Raising aborts the whole deletion.
* ``hds_profile_changed`` — ``fn(user, changed: set[str]) -> None``: called inside
  the transaction of ``update_profile`` when what others see of the member
  changed (``display_name``, ``is_public``); the forum rewrites the stored live
  events that show the member (docs/realtime.md).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User as AuthUser  # AUTH_USER_MODEL is Django's own
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from wagtail import hooks

from .models import Profile

User = get_user_model()

PROFILE_FIELDS = ("display_name", "profession", "bundesland", "bio", "is_public")
#: what other people see of a member next to their contributions (name, and a link when public)
SHOWN_FIELDS = ("display_name", "is_public")


def generate_username() -> str:
    """Internal, never shown: members log in with their email address."""
    while True:
        candidate = f"m-{secrets.token_hex(6)}"
        if not User.objects.filter(username=candidate).exists():
            return candidate


def _generated_display_name() -> str:
    while True:
        candidate = f"Mitglied-{secrets.token_hex(3)}"
        if not Profile.objects.filter(display_name__iexact=candidate).exists():
            return candidate


def display_name_taken(display_name: str, *, exclude_user=None) -> bool:
    qs = Profile.objects.filter(display_name__iexact=display_name.strip())
    if exclude_user is not None:
        qs = qs.exclude(user=exclude_user)
    return qs.exists()


def ensure_profile(*, user: AuthUser) -> Profile:
    """Return the user's profile, creating one with a generated pseudonym if missing."""
    try:
        return Profile.objects.get(user=user)
    except Profile.DoesNotExist:
        pass
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Profile.objects.create(user=user, display_name=_generated_display_name())
        except IntegrityError:
            existing = Profile.objects.filter(user=user).first()
            if existing:
                return existing
    raise RuntimeError("could not create a profile")  # pragma: no cover


def update_profile(*, user: AuthUser, actor: AuthUser | None = None, **fields: Any) -> Profile:
    """Change the member's own profile. Only the member may edit it."""
    actor = actor or user
    if actor.pk != user.pk:
        raise PermissionDenied("only the member may edit the profile")
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"unknown profile fields: {sorted(unknown)}")
    with transaction.atomic():
        profile = ensure_profile(user=user)
        profile = Profile.objects.select_for_update().get(pk=profile.pk)
        before = {name: getattr(profile, name) for name in SHOWN_FIELDS}
        for name, value in fields.items():
            if isinstance(value, str):
                value = value.strip()
            setattr(profile, name, value)
        profile.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
        profile.save()
        changed = {name for name in SHOWN_FIELDS if getattr(profile, name) != before[name]}
        if changed:
            user.profile = profile
            for fn in hooks.get_hooks("hds_profile_changed"):
                fn(user, changed)
    return profile


def register_member(*, user: AuthUser, display_name: str | None) -> Profile:
    """Called by the allauth adapter right after sign-up saved the user."""
    profile = ensure_profile(user=user)
    if display_name and display_name.strip() != profile.display_name:
        profile = update_profile(user=user, display_name=display_name)
    return profile


# --- GDPR export --------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def export_user_data(*, user: AuthUser) -> dict[str, Any]:
    """Everything we store about ``user``, as JSON-serialisable data.

    Read-only; lives here because it assembles the hook contributions of all apps.
    """
    profile = ensure_profile(user=user)
    data: dict[str, Any] = {
        "format": "hds-data-export/1",
        "exported_at": timezone.now(),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "is_active": user.is_active,
            "is_staff": user.is_staff,
            "groups": sorted(user.groups.values_list("name", flat=True)),
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ],
        "profile": {
            "display_name": profile.display_name,
            "profession": profile.profession,
            "bundesland": profile.bundesland,
            "bundesland_name": profile.get_bundesland_display() if profile.bundesland else "",
            "bio": profile.bio,
            "is_public": profile.is_public,
            "created_at": profile.created_at,
            "updated_at": profile.updated_at,
        },
        # We keep no login log of our own; Django records the last login only.
        "login_history": [{"event": "last_login", "at": user.last_login}] if user.last_login else [],
    }
    for fn in hooks.get_hooks("hds_gdpr_export"):
        contribution = fn(user) or {}
        for section, section_data in contribution.items():
            if section in data:
                raise ValueError(f"export section {section!r} is contributed twice")
            data[section] = section_data
    return _jsonable(data)


# --- deletion -----------------------------------------------------------------


def delete_account(*, user: AuthUser) -> None:
    """Delete the member and their personal data, in one transaction.

    ``erase_member`` runs first (apps anonymise what must survive, e.g. forum
    posts keep their text but lose their author), then the user row is deleted;
    the profile and the email addresses go with it (on_delete=CASCADE). Nothing
    else of the member remains in accounts.
    """
    if user.is_superuser:
        raise PermissionDenied("superusers cannot delete themselves through self-service")
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        erase_member(user=locked)
        EmailAddress.objects.filter(user=locked).delete()
        Profile.objects.filter(user=locked).delete()
        locked.delete()


def erase_member(*, user: AuthUser) -> None:
    """Everything a deleted account leaves behind is anonymised or removed, in the caller's transaction:
    every ``hds_account_deletion`` hook (the forum: posts as "gelöschtes Mitglied", the live replay log
    rewritten), and every outbox mail addressed to the member (unsent ones are never sent).

    ``delete_account`` calls it; so does the ``pre_delete`` signal of the user model (signals.py) for
    any other way a user row is deleted (the Wagtail admin's user delete and bulk delete, a shell), so
    no path leaves the member's name in stored events or mails. Runs once per user object.
    """
    from hds_site import mail

    if getattr(user, "_hds_erased", False):
        return
    for fn in hooks.get_hooks("hds_account_deletion"):
        fn(user)
    addresses = {user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
    mail.forget_recipient(addresses)
    user._hds_erased = True  # type: ignore[attr-defined]  # a mark on this instance only


# --- provisioning (demo seed, operations) ---------------------------------------


def provision_account(
    *,
    email: str,
    password: str,
    display_name: str,
    is_staff: bool = False,
    is_superuser: bool = False,
    groups: list[str] | tuple[str, ...] = (),
    profile: dict[str, Any] | None = None,
    date_joined=None,
) -> AuthUser:
    """Create or update an account with a verified primary email (idempotent).

    ``date_joined`` backdates the account (the demo's established members must
    not look like newcomers to the forum's first-post moderation).

    For the demo seed and for operators creating staff accounts from a shell;
    members sign up themselves. Groups are looked up (or created) by name and
    staff groups get Wagtail's ``access_admin`` permission.
    """
    from django.contrib.auth.models import Group, Permission

    email = email.strip().lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User(username=generate_username(), email=email)
        user.email = email
        user.is_active = True
        user.is_staff = is_staff or is_superuser
        user.is_superuser = is_superuser
        user.set_password(password)
        if date_joined is not None:
            user.date_joined = date_joined
        user.save()
        EmailAddress.objects.filter(user=user).exclude(email__iexact=email).update(primary=False)
        address, _created = EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        if not (address.verified and address.primary):
            address.verified = True
            address.primary = True
            address.save(update_fields=["verified", "primary"])
        if groups:
            access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
            for name in groups:
                group, _created = Group.objects.get_or_create(name=name)
                if is_staff:
                    group.permissions.add(access_admin)
                user.groups.add(group)
        profile_obj = ensure_profile(user=user)
        wanted = {"display_name": display_name, **(profile or {})}
        if any(getattr(profile_obj, k) != v for k, v in wanted.items()):
            if profile_obj.display_name.casefold() != display_name.casefold() and display_name_taken(display_name):
                raise ValueError(f"display name {display_name!r} belongs to another account")
            update_profile(user=user, **wanted)
    return user
