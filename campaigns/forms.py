from __future__ import annotations

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import consent as consent_texts

COUNTRY_CHOICES = [
    ("DE", _("Deutschland")),
    ("AT", _("Österreich")),
    ("CH", _("Schweiz")),
    ("LU", _("Luxemburg")),
    ("ZZ", _("anderes Land")),
]
PLZ_RE = re.compile(r"^\d{5}$")


class HoneypotField(forms.CharField):
    """Hidden from people; whatever a bot puts in (even NUL) marks it as a bot, never a field error
    (people could not see the error, and bots should not learn what was wrong)."""

    def run_validators(self, value):
        return


class SignForm(forms.Form):
    name = forms.CharField(label=_("Vor- und Nachname"), max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(
        label=_("E-Mail-Adresse"),
        help_text=_("Wir senden Ihnen einen Bestätigungslink. Ihre Adresse wird nie veröffentlicht oder weitergegeben."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    country = forms.ChoiceField(label=_("Land"), choices=COUNTRY_CHOICES, initial="DE")
    postcode = forms.CharField(
        label=_("Postleitzahl"), max_length=10, required=False,
        help_text=_("Fünfstellig, nur bei Wohnsitz in Deutschland. Daraus zählen wir Unterschriften je Bundesland."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    consent = forms.BooleanField(label=consent_texts.current_text(), required=True)
    consent_version = forms.CharField(widget=forms.HiddenInput, initial=consent_texts.CURRENT_VERSION)
    updates_opt_in = forms.BooleanField(label=consent_texts.UPDATES_TEXT, required=False)
    show_name = forms.BooleanField(
        label=_("Meinen Namen in der öffentlichen Liste der Unterzeichnenden zeigen."), required=False
    )
    # honeypot: hidden from people by CSS and aria-hidden, bots fill it
    website = HoneypotField(label=_("Bitte leer lassen"), required=False)

    def clean_postcode(self):
        return (self.cleaned_data.get("postcode") or "").strip().replace(" ", "")

    def clean(self):
        data = super().clean()
        if data.get("country") == "DE":
            postcode = data.get("postcode", "")
            if not PLZ_RE.match(postcode or ""):
                self.add_error("postcode", _("Bitte geben Sie eine fünfstellige Postleitzahl an."))
        else:
            data["postcode"] = ""
        return data

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website", "").strip())


class ConfirmForm(forms.Form):
    """Only a CSRF token and a button: confirming needs a POST (mail scanners only GET)."""


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("Titel der Kampagne"), max_length=120)
    demands = forms.CharField(
        label=_("Forderungen"), widget=forms.Textarea(attrs={"rows": 5}), max_length=3000,
        help_text=_("Eine Forderung pro Zeile."),
    )
    addressee = forms.CharField(
        label=_("An wen richtet sich die Kampagne?"), max_length=200,
        help_text=_("Zum Beispiel: Bundesministerium für Arbeit und Soziales"),
    )
    why = forms.CharField(
        label=_("Warum ist das wichtig?"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )
    goal = forms.IntegerField(
        label=_("Ziel (Anzahl Unterschriften)"), min_value=10, max_value=1_000_000, initial=1000
    )
    thread = forms.IntegerField(widget=forms.HiddenInput, required=False)


class UpdateForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    body = forms.CharField(label=_("Nachricht"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000)


class ResponseForm(forms.Form):
    response = forms.CharField(label=_("Antwort des Adressaten"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)


class InvalidateForm(forms.Form):
    since = forms.DateTimeField(
        label=_("von (Zeitpunkt)"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    until = forms.DateTimeField(
        label=_("bis (Zeitpunkt)"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    ip_hash = forms.CharField(label=_("IP-Kennung (Hash)"), max_length=64, required=False)
    domain = forms.CharField(label=_("E-Mail-Domain"), max_length=253, required=False)
    reason = forms.CharField(label=_("Begründung"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if not any(data.get(key) for key in ("since", "until", "ip_hash", "domain")):
            raise forms.ValidationError(_("Bitte mindestens einen Filter angeben."))
        for key in ("since", "until"):
            if data.get(key) and timezone.is_naive(data[key]):
                data[key] = timezone.make_aware(data[key])
        return data

    def filters(self) -> dict:
        data = self.cleaned_data
        return {
            "since": data.get("since"), "until": data.get("until"), "ip_hash": (data.get("ip_hash") or "").strip(),
            "domain": (data.get("domain") or "").strip().lower(),
        }


class DataRequestForm(forms.Form):
    email = forms.EmailField(label=_("E-Mail-Adresse"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
