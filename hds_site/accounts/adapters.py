from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from . import services


class AccountAdapter(DefaultAccountAdapter):
    """Members log in with their email; the username is an internal random id.

    Generating it keeps the email's local part out of the username (no leak in
    URLs or the admin) and avoids asking members for a second name: the public
    name is the profile's display name, chosen on sign-up.
    """

    def populate_username(self, request, user) -> None:
        if not getattr(user, "username", ""):
            user.username = services.generate_username()

    def save_user(self, request, user, form, commit=True):
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                services.register_member(user=user, display_name=form.cleaned_data.get("display_name"))
        return user
