"""Copy each profile's display name into User.first_name (Profile.mirror_display_name keeps it so)."""

from django.conf import settings
from django.db import migrations


def mirror(apps, schema_editor):
    Profile = apps.get_model("accounts", "Profile")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    for user_id, display_name in Profile.objects.values_list("user_id", "display_name").iterator():
        User.objects.filter(pk=user_id).update(first_name=display_name, last_name="")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_display_name_may_end_with_dot"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(mirror, migrations.RunPython.noop)]
