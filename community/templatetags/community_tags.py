from django import template
from django.utils.html import format_html

from hds_site.accounts.selectors import display_name_of

register = template.Library()


@register.filter
def member_name(user) -> str:
    """Display name of a member, "gelöschtes Mitglied" for a deleted one."""
    return display_name_of(user)


@register.simple_tag
def member_link(user):
    """The member's name, linked to their profile when it is public."""
    name = display_name_of(user)
    profile = getattr(user, "profile", None) if user is not None else None
    try:
        public = bool(profile and profile.is_public)
    except Exception:  # a missing profile row
        public = False
    if public:
        return format_html('<a href="{}">{}</a>', profile.get_absolute_url(), name)
    return name


@register.inclusion_tag("community/includes/field.html")
def field(bound_field, **attrs):
    """A form field with its label, help and errors tied to the control (aria-describedby / aria-invalid)."""
    widget_attrs = dict(attrs)
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}-help")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}-error")
        widget_attrs["aria-invalid"] = "true"
    if described:
        widget_attrs["aria-describedby"] = " ".join(described)
    is_choice_group = bound_field.widget_type in ("radioselect", "checkboxselectmultiple")
    return {
        "field": bound_field,
        "widget": bound_field.as_widget(attrs=widget_attrs),
        "is_group": is_choice_group,
        "is_hidden": bound_field.is_hidden,
        "described": " ".join(described),
    }
