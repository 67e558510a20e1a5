from django import template
from django.utils.formats import number_format

register = template.Library()


@register.simple_tag
def field_widget(field):
    """The widget with its help text and errors tied to it (aria-describedby, aria-invalid)."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_help")
    attrs = {}
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    # as Django decides: no `required` on a <select> whose first option has a value (invalid HTML), …
    if field.field.required and not field.is_hidden and field.field.widget.use_required_attribute(field.initial):
        attrs["required"] = True
    return field.as_widget(attrs=attrs)


@register.filter
def number(value):
    """A count with German thousands separators (1.234)."""
    try:
        return number_format(int(value), force_grouping=True)
    except (TypeError, ValueError):
        return value
