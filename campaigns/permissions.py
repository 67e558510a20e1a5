"""Who may do what with a campaign. Plain functions of (user, campaign)."""

from __future__ import annotations

EDITOR_GROUPS = ("Editors", "Moderators", "Redaktion")
MODERATE_PERMISSION = "campaigns.moderate_signatures"


def _authenticated(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def is_editor(user) -> bool:
    """HDS editors: superusers and members of Wagtail's editor/moderator groups."""
    if not _authenticated(user):
        return False
    cached = getattr(user, "_campaigns_is_editor", None)
    if cached is None:
        cached = bool(user.is_superuser or user.groups.filter(name__in=EDITOR_GROUPS).exists())
        user._campaigns_is_editor = cached
    return cached


def is_organiser(user, campaign) -> bool:
    if not _authenticated(user):
        return False
    return campaign.organisers.filter(pk=user.pk).exists()


def can_manage(user, campaign) -> bool:
    """Dashboard, updates, exports, closing and hand-over: organisers and editors."""
    return is_editor(user) or is_organiser(user, campaign)


def can_moderate_signatures(user) -> bool:
    """Burst review and bulk invalidation: editors, forum moderators, holders of the permission."""
    if not _authenticated(user):
        return False
    if is_editor(user) or user.has_perm(MODERATE_PERMISSION):
        return True
    try:
        from community.permissions import is_moderator
    except ImportError:  # pragma: no cover - the forum is always installed
        return False
    return is_moderator(user)


def can_propose(user) -> bool:
    return _authenticated(user)
