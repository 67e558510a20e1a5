"""Forms of the forum: input only; the services decide and write."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Category, ForumPreference, Report, Thread
from .services import BODY_MAX, TITLE_MAX, TITLE_MIN

BODY_HELP = _("Markdown ist möglich: **fett**, *kursiv*, > Zitat, Listen, Links. Mit @Anzeigename erwähnen Sie ein Mitglied.")


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the matching fields (or the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Titel"), min_length=TITLE_MIN, max_length=TITLE_MAX)
    kind = forms.ChoiceField(
        label=_("Art des Themas"), choices=Thread.Kind.choices, initial=Thread.Kind.DISCUSSION,
        widget=forms.RadioSelect,
        help_text=_("Bei einer Frage können Sie später eine Antwort als Lösung markieren."),
    )
    body = forms.CharField(label=_("Ihr Beitrag"), widget=forms.Textarea(attrs={"rows": 10}), max_length=BODY_MAX,
                           help_text=BODY_HELP)


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Ihre Antwort"), widget=forms.Textarea(attrs={"rows": 6}), max_length=BODY_MAX,
                           help_text=BODY_HELP)
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)


class EditForm(forms.Form):
    body = forms.CharField(label=_("Beitrag"), widget=forms.Textarea(attrs={"rows": 10}), max_length=BODY_MAX,
                           help_text=BODY_HELP)


class ReportForm(forms.Form):
    reason = forms.ChoiceField(label=_("Grund"), choices=Report.Reason.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("Erläuterung (optional)"), required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("Nur die Moderation sieht Ihre Meldung."))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Begründung"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Wird im Moderationsprotokoll gespeichert."))


class MoveForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Neue Kategorie"), queryset=Category.objects.order_by("order", "name"))
    reason = forms.CharField(label=_("Begründung"), max_length=1000, required=False)


class SuspendForm(forms.Form):
    days = forms.IntegerField(label=_("Dauer in Tagen"), min_value=1, max_value=3650, initial=7)
    reason = forms.CharField(label=_("Begründung"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Das Mitglied erhält die Begründung per Benachrichtigung."))


class EmailModeForm(forms.Form):
    email_mode = forms.ChoiceField(label=_("E-Mails über neue Beiträge"), choices=ForumPreference.EmailMode.choices,
                                   widget=forms.RadioSelect)
