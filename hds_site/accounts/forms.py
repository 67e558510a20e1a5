from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import ratelimit
from django import forms
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from . import services
from .models import DISPLAY_NAME_MAX, Profile


def _display_name_field() -> forms.CharField:
    model_field = Profile._meta.get_field("display_name")
    return forms.CharField(
        label=model_field.verbose_name,
        max_length=DISPLAY_NAME_MAX,
        validators=model_field.validators,
        help_text=_(
            "Ein Pseudonym ist in Ordnung. Der Name erscheint bei Ihren Beiträgen im Forum; "
            "3 bis 40 Zeichen, Buchstaben, Ziffern, Leerzeichen, Punkt, Binde- und Unterstrich."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )


class SignupForm(AllauthSignupForm):
    """allauth's sign-up plus the member's pseudonym (ACCOUNT_FORMS["signup"])."""

    display_name = _display_name_field()
    field_order = ["email", "display_name", "password1", "password2"]

    def try_save(self, request):
        """A registered address gets the work a new one gets: one password hash, one mail.

        allauth answers a sign-up with a registered address by mailing "account
        already exists" and skips creating the account, and with it the password
        hash (PBKDF2, ~300 ms): the quick answer told anyone which addresses are
        registered. Hashing the submitted password here (and throwing the result
        away) makes both cases cost the same; both queue one mail through the
        adapter's outbox and answer with the same redirect.
        """
        if self.account_already_exists:
            make_password(self.cleaned_data.get("password1") or None)
        return super().try_save(request)

    def clean_display_name(self) -> str:
        value = self.cleaned_data["display_name"].strip()
        if services.display_name_taken(value):
            raise forms.ValidationError(_("Dieser Anzeigename ist schon vergeben."), code="taken")
        return value


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["display_name", "profession", "bundesland", "bio", "is_public"]
        widgets = {
            "display_name": forms.TextInput(attrs={"autocomplete": "nickname"}),
            "profession": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "bio": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "bio": _("Höchstens 500 Zeichen. Bitte keine Telefonnummern oder Adressen."),
            "profession": _("Zum Beispiel: Grafikdesignerin, Übersetzer, Tischlerin."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bundesland"].choices = [("", _("– keine Angabe –"))] + [
            c for c in self.fields["bundesland"].choices if c[0]
        ]

    def clean_display_name(self) -> str:
        value = self.cleaned_data["display_name"].strip()
        if services.display_name_taken(value, exclude_user=self.instance.user):
            raise forms.ValidationError(_("Dieser Anzeigename ist schon vergeben."), code="taken")
        return value

    def validate_constraints(self):
        # the case-insensitive uniqueness is checked (with a German message) above
        pass


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Ihr Passwort"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Zur Sicherheit bestätigen Sie die Löschung mit Ihrem Passwort."),
    )
    confirm = forms.BooleanField(
        label=_("Ja, ich möchte mein Konto und meine persönlichen Daten endgültig löschen."),
    )

    def __init__(self, *args, user, request=None, **kwargs):
        self.user = user
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if self.request is not None and not ratelimit.consume(self.request, action="reauthenticate", user=self.user):
            raise forms.ValidationError(
                _("Zu viele Versuche. Bitte warten Sie eine Minute und versuchen Sie es dann erneut."), code="ratelimited"
            )
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Das Passwort ist nicht korrekt."), code="invalid")
        return password


class AdminLoginForm(WagtailLoginForm):
    """The Wagtail admin login (WAGTAILADMIN_USER_LOGIN_FORM) with the site login's lockout.

    Wagtail's own form calls ``django.contrib.auth.authenticate`` directly, which
    knows nothing of allauth's ``login_failed`` rate limit: /cms/login/ would let
    anyone guess passwords without limit, and reset nothing the site login counts.
    Authenticating through the allauth adapter applies the same limits
    (ACCOUNT_RATE_LIMITS["login_failed"], per IP and per account) with one shared
    counter: failures on /konto/login/ and /cms/login/ add up.
    """

    def clean(self):
        from allauth.account.adapter import get_adapter

        login = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if login is not None and password:
            # members and editors log in with their email; the username stays possible for old accounts
            credentials = {"email" if "@" in login else "username": login.strip(), "password": password}
            self.user_cache = get_adapter(self.request).authenticate(self.request, **credentials)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
