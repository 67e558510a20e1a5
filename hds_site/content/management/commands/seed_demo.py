"""``manage.py seed_demo``: fill an empty development site with believable demo content.

Discovers a ``demo`` module in every installed app (INSTALLED_APPS order, so
hds_site.content → hds_site.accounts → community → campaigns) and calls its
``seed(stdout)``. Every app's seed is idempotent: running the command twice
creates nothing new.
"""

from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import module_has_submodule


def demo_modules():
    """The ``<app>.demo`` modules with a ``seed`` function, in INSTALLED_APPS order."""
    modules = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "demo"):
            module = import_module(f"{config.name}.demo")
            if callable(getattr(module, "seed", None)):
                modules.append(module)
    return modules


class Command(BaseCommand):
    help = (
        "Legt Demo-Inhalte an (Seiten, Beratungsstellen, Demo-Konten, Forum, Kampagnen). "
        "Idempotent. Läuft nur mit DEBUG=True."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Only for the test suite: run although DEBUG is False. Never use this on a production site.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo legt Demo-Konten mit bekanntem Passwort an und läuft deshalb nur mit DEBUG=True "
                "(Entwicklungsumgebung). Refusing to run with DEBUG=False."
            )
        for module in demo_modules():
            self.stdout.write(f"seed_demo: {module.__name__}")
            module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("seed_demo: fertig."))
