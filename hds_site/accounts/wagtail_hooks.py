"""Wagtail hooks of the accounts app.

The accounts app also *defines* four hooks for apps higher up (see
services.py and templates/accounts/member_profile.html):
``hds_gdpr_export`` (fn(user) -> {section: data}), ``hds_account_deletion``
(fn(user), inside the deletion transaction), ``hds_profile_changed``
(fn(user, changed), inside ``update_profile``'s transaction when the display
name or the profile's visibility changed) and ``hds_profile_sections``
(fn(context, profile_user) -> safe HTML on the public profile page).
"""

from wagtail import hooks


@hooks.register("hds_gdpr_export")
def export_wagtail_admin_preferences(user):
    """Staff accounts have Wagtail admin preferences; members have none (empty section omitted)."""
    from wagtail.users.models import UserProfile

    profile = UserProfile.objects.filter(user=user).first()
    if profile is None:
        return {}
    return {
        "wagtail_admin_preferences": {
            "preferred_language": profile.preferred_language,
            "current_time_zone": profile.current_time_zone,
            "submitted_notifications": profile.submitted_notifications,
            "approved_notifications": profile.approved_notifications,
            "rejected_notifications": profile.rejected_notifications,
            "updated_comments_notifications": profile.updated_comments_notifications,
            "has_avatar": bool(profile.avatar),
        }
    }
