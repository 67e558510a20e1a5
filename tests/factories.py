
# ============================================================================
# accounts (hds_site.accounts)
# ============================================================================
import factory as _acc_factory  # noqa: E402

DEFAULT_TEST_PASSWORD = "Sehr-geheim-2026!"


class UserFactory(_acc_factory.django.DjangoModelFactory):
    """A member with a verified primary email and a profile (made by the post_save signal).

    ``UserFactory(display_name="Anna", is_public=True, profession="…")`` sets profile fields.
    """

    class Meta:
        model = "auth.User"
        skip_postgeneration_save = True

    username = _acc_factory.Sequence(lambda n: f"m-test{n:05d}")
    email = _acc_factory.Sequence(lambda n: f"mitglied{n}@example.com")
    password = _acc_factory.PostGenerationMethodCall("set_password", DEFAULT_TEST_PASSWORD)

    @_acc_factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if not create:
            return
        from allauth.account.models import EmailAddress

        obj.save()
        EmailAddress.objects.update_or_create(
            user=obj, email=obj.email, defaults={"verified": extracted is not False, "primary": True}
        )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        profile_fields = {
            name: kwargs.pop(name)
            for name in ("display_name", "profession", "bundesland", "bio", "is_public")
            if name in kwargs
        }
        user = super()._create(model_class, *args, **kwargs)
        if profile_fields:
            from hds_site.accounts import services

            services.update_profile(user=user, **profile_fields)
            user.refresh_from_db()  # drop the cached (stale) profile
        return user
