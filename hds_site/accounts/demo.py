"""Demo accounts for `manage.py seed_demo` (idempotent).

All demo accounts use the password from settings.HDS_DEMO_PASSWORD and have a
verified primary email, so they can log in straight away.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from . import services

DEMO_ACCOUNTS = [
    {
        "email": "admin@example.org",
        "role": "Administration (Superuser)",
        "display_name": "Plattform-Admin",
        "is_superuser": True,
        "is_staff": True,
        "groups": (),
        "profile": {},
    },
    {
        "email": "redaktion@example.org",
        "role": "Redaktion (Wagtail-Gruppe „Redaktion“)",
        "display_name": "HDS-Redaktion",
        "is_staff": True,
        "groups": ("Redaktion",),
        "profile": {"profession": "Redakteurin, Haus der Selbstständigen", "bundesland": "DE-SN"},
    },
    {
        "email": "moderation@example.org",
        "role": "Moderation (Wagtail-Gruppe „Moderation“)",
        "display_name": "HDS-Moderation",
        "is_staff": True,
        "groups": ("Moderation",),
        "profile": {"profession": "Community-Moderation, Haus der Selbstständigen", "bundesland": "DE-SN"},
    },
    {
        "email": "mitglied@example.org",
        "role": "Mitglied (öffentliches Profil)",
        "display_name": "Jana Freiberg",
        "groups": (),
        "profile": {
            "profession": "Freie Grafikdesignerin",
            "bundesland": "DE-BE",
            "bio": (
                "Seit 2015 selbstständig mit Corporate Design und Illustration für kleine Unternehmen "
                "und Vereine. Mich beschäftigen faire Honorare, die Künstlersozialkasse und wie "
                "KI-Bildgeneratoren unseren Markt verändern."
            ),
            "is_public": True,
        },
    },
    {
        "email": "mitglied2@example.org",
        "role": "Mitglied (öffentliches Profil)",
        "display_name": "Mehmet K.",
        "groups": (),
        "profile": {
            "profession": "Freiberuflicher Übersetzer (Türkisch, Englisch, Deutsch)",
            "bundesland": "DE-NW",
            "bio": (
                "Fachübersetzungen für Technik und Recht, allein und ohne Agentur. Interessiert an "
                "Altersvorsorge für Solo-Selbstständige und am Austausch über maschinelle Übersetzung."
            ),
            "is_public": True,
        },
    },
]


def seed(stdout) -> list:
    password = settings.HDS_DEMO_PASSWORD
    users = []
    for spec in DEMO_ACCOUNTS:
        users.append(
            services.provision_account(
                email=spec["email"],
                password=password,
                display_name=spec["display_name"],
                is_staff=spec.get("is_staff", False),
                is_superuser=spec.get("is_superuser", False),
                groups=spec["groups"],
                profile=spec["profile"],
                # established members: their posts must not wait in the newcomers' queue
                date_joined=timezone.now() - timedelta(days=730),
            )
        )

    def line(text: str = "") -> None:
        stdout.write(text + "\n")  # OutputWrapper and plain streams alike

    width = max(len(spec["email"]) for spec in DEMO_ACCOUNTS)
    line()
    line(f"Demo-Zugänge (Passwort für alle: {password})")
    line(f"  {'E-Mail'.ljust(width)}  Rolle")
    line(f"  {'-' * width}  {'-' * 40}")
    for spec in DEMO_ACCOUNTS:
        line(f"  {spec['email'].ljust(width)}  {spec['role']}")
    line("  Anmelden: /konto/login/  ·  Redaktion/Admin: /cms/")
    line()
    return users
