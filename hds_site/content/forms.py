"""Visitor-facing forms: article filter and advice-centre finder (GET forms, work without JS)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ArticlePage, TopicPage
from .plz import BUNDESLAND_CHOICES, BUNDESLAND_NAMES, bundesland_for_plz, is_valid_plz, normalize_plz


class TopicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class ArticleFilterForm(forms.Form):
    thema = TopicChoiceField(
        label=_("Thema"), queryset=TopicPage.objects.none(), required=False,
        to_field_name="slug", empty_label=_("Alle Themen"),
    )
    art = forms.ChoiceField(
        label=_("Art"), required=False, choices=[("", _("Alle Arten"))] + ArticlePage.KIND_CHOICES
    )

    def __init__(self, *args, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [t.id for t in topics or []]
        self.fields["thema"].queryset = TopicPage.objects.filter(id__in=ids).order_by("title")
        # reuse the already loaded list for rendering the <select> (no extra query)
        self.fields["thema"].choices = [("", _("Alle Themen"))] + [(t.slug, t.title) for t in topics or []]


class FinderForm(forms.Form):
    plz = forms.CharField(
        label=_("Postleitzahl"), required=False, max_length=12,
        help_text=_("Fünf Ziffern, z. B. 10115"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code", "size": 8}),
    )
    bundesland = forms.ChoiceField(
        label=_("Bundesland"), required=False, choices=[("", _("– Bundesland wählen –"))] + BUNDESLAND_CHOICES
    )
    thema = TopicChoiceField(
        label=_("Thema (optional)"), queryset=TopicPage.objects.none(), required=False,
        to_field_name="slug", empty_label=_("Alle Themen"),
    )

    def __init__(self, *args, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        ids = [t.id for t in topics or []]
        self.fields["thema"].queryset = TopicPage.objects.filter(id__in=ids).order_by("title")
        self.fields["thema"].choices = [("", _("Alle Themen"))] + [(t.slug, t.title) for t in topics or []]

    def clean_plz(self) -> str:
        value = self.cleaned_data.get("plz", "")
        if not value.strip():
            return ""
        plz = normalize_plz(value)
        if not is_valid_plz(plz):
            raise forms.ValidationError(
                _("Bitte geben Sie eine Postleitzahl mit genau fünf Ziffern ein, zum Beispiel 10115."),
                code="malformed",
            )
        if bundesland_for_plz(plz) is None:
            raise forms.ValidationError(
                _("Die Postleitzahl %(plz)s kennen wir nicht. Bitte prüfen Sie die Eingabe "
                  "oder wählen Sie Ihr Bundesland aus der Liste."),
                code="unknown", params={"plz": plz},
            )
        return plz

    def clean(self):
        data = super().clean()
        plz = data.get("plz")
        if plz:
            # the postcode decides; it is more precise than a separately chosen Land
            data["bundesland_from_plz"] = bundesland_for_plz(plz)
        return data

    @property
    def has_query(self) -> bool:
        return bool(self.data) and any(self.data.get(k) for k in ("plz", "bundesland", "thema"))

    def resolved_bundesland(self) -> str | None:
        data = self.cleaned_data
        return data.get("bundesland_from_plz") or data.get("bundesland") or None

    @staticmethod
    def bundesland_name(code: str | None) -> str:
        return BUNDESLAND_NAMES.get(code or "", "")


def link_errors_to_fields(form: forms.Form) -> None:
    """Tie help texts and errors to their controls: aria-describedby + aria-invalid.

    Call after validation; the ids match content/includes/field.html."""
    for name, field in form.fields.items():
        bound = form[name]
        ids = []
        if field.help_text:
            ids.append(f"{bound.auto_id}_help")
        if form.is_bound and bound.errors:
            ids.append(f"{bound.auto_id}_error")
            field.widget.attrs["aria-invalid"] = "true"
        if ids:
            field.widget.attrs["aria-describedby"] = " ".join(ids)
