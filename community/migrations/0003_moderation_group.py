"""The "Moderation" group gets the forum's moderate permission (and access to the Wagtail admin)."""

from django.db import migrations

MODERATION_GROUP = "Moderation"


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="community", model="moderationlog")
    moderate, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="moderate", defaults={"name": "Kann das Forum moderieren"}
    )
    group, _ = Group.objects.get_or_create(name=MODERATION_GROUP)
    group.permissions.add(moderate)
    admin_ct, _ = ContentType.objects.get_or_create(app_label="wagtailadmin", model="admin")
    access_admin, _ = Permission.objects.get_or_create(
        content_type=admin_ct, codename="access_admin", defaults={"name": "Can access Wagtail admin"}
    )
    group.permissions.add(access_admin)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0002_category_topic"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
