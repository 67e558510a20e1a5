"""Demo campaigns for ``manage.py seed_demo`` (idempotent; runs after content, accounts and community).

Three campaigns under the campaign index: one open and just below its 25 %
milestone, one that reached its goal and was closed, one handed over with the
addressee's response. Their signatures are synthetic (``…@example.org``),
confirmed and spread over the Länder, created in bulk through
``services.import_confirmed_signatures`` (which keeps the counter shards
exact); ``reconcile_counts`` afterwards only confirms it.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from . import consent, services
from .models import CampaignIndexPage, CampaignPage, MilestoneReached

ORGANISER_EMAIL = "mitglied@example.org"

# one typical postcode per Land, weighted roughly by population
PLZ_WEIGHTS = [
    ("10115", 5), ("14467", 3), ("20095", 3), ("28195", 1), ("40213", 18), ("01067", 5), ("04109", 3),
    ("39104", 3), ("99084", 3), ("19053", 2), ("24103", 3), ("30159", 9), ("55116", 5), ("66111", 1),
    ("60311", 8), ("70173", 13), ("80331", 15),
]
FIRST = ["Anna", "Ben", "Clara", "Deniz", "Elif", "Felix", "Greta", "Hannah", "Ilias", "Jonas", "Katrin", "Lukas",
         "Mara", "Niklas", "Olga", "Paul", "Rosa", "Sami", "Tina", "Ute", "Vera", "Yusuf", "Zoe"]
LAST = ["Albers", "Becker", "Çelik", "Dietrich", "Engel", "Fischer", "Graf", "Hoffmann", "Ivanova", "Jung", "Keller",
        "Lange", "Meyer", "Nowak", "Özdemir", "Peters", "Richter", "Schulz", "Weber", "Zimmermann"]

CAMPAIGNS = [
    {
        "slug": "faire-beitraege-krankenversicherung",
        "title": "Faire Krankenversicherungsbeiträge für Solo-Selbstständige",
        "teaser": "Wer wenig verdient, zahlt in der gesetzlichen Krankenversicherung oft einen viel zu hohen Anteil. "
                  "Beiträge müssen sich nach dem tatsächlichen Einkommen richten.",
        "addressee": "Bundesministerium für Gesundheit",
        "demands": ["Beiträge ab dem ersten Euro nach tatsächlichem Einkommen",
                    "Keine Nachforderungen auf Basis geschätzter Einkommen",
                    "Ratenzahlung ohne Säumniszuschläge bei Einkommenseinbrüchen"],
        "why": "Viele Solo-Selbstständige zahlen bei kleinen Einkommen einen Beitragssatz, den keine Angestellte "
               "zahlen müsste. Das treibt Menschen in Schulden oder aus der Selbstständigkeit.",
        "goal": 1000, "signatures": 246, "phase": "open", "deadline_days": 60,
    },
    {
        "slug": "ksk-oeffnen",
        "title": "Künstlersozialkasse für neue Berufe öffnen",
        "teaser": "Webdesign, Games, Social Media: Viele kreative Berufe von heute fallen durch das Raster der KSK.",
        "addressee": "Bundesministerium für Arbeit und Soziales",
        "demands": ["Zeitgemäßer Katalog künstlerischer und publizistischer Tätigkeiten",
                    "Verbindliche Auskunft vor der Antragstellung"],
        "why": "Die Künstlersozialkasse sichert Kreative ab. Aber ihr Berufskatalog ist in Teilen Jahrzehnte alt.",
        "goal": 500, "signatures": 620, "phase": "closed", "deadline_days": -10,
    },
    {
        "slug": "zahlungsfristen-auftraggeber",
        "title": "30 Tage Zahlungsfrist – auch für große Auftraggeber",
        "teaser": "Selbstständige warten oft monatelang auf ihr Honorar. Große Auftraggeber sollen in 30 Tagen zahlen.",
        "addressee": "Deutscher Bundestag, Ausschuss für Wirtschaft",
        "demands": ["Gesetzliche Zahlungsfrist von 30 Tagen für Unternehmen gegenüber Solo-Selbstständigen",
                    "Automatische Verzugszinsen ohne Mahnung"],
        "why": "Späte Zahlungen sind für Solo-Selbstständige ein Liquiditätsrisiko, das Angestellte nicht kennen.",
        "goal": 1200, "signatures": 1340, "phase": "handed_over", "deadline_days": -40,
        "response": "Der Ausschuss hat die Petition am 12. März beraten und die Bundesregierung gebeten, "
                    "eine Regelung zu Zahlungsfristen im Rahmen der Umsetzung der EU-Zahlungsverzugsverordnung "
                    "zu prüfen. (Demo-Antwort)",
    },
]


def _index(stdout):
    from hds_site.content.models import HomePage

    index = CampaignIndexPage.objects.first()
    if index is not None:
        return index
    home = HomePage.objects.first()
    if home is None:
        stdout.write("campaigns.demo: no HomePage yet, skipped")
        return None
    index = CampaignIndexPage(
        title="Kampagnen",
        slug="kampagnen",
        intro="<p>Gemeinsam sind Solo-Selbstständige lauter: Unterschreiben Sie laufende Kampagnen oder schlagen "
              "Sie selbst eine vor.</p>",
    )
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


def _signatures(page: CampaignPage, n: int, rng: random.Random) -> list[services.ImportedSignature]:
    plzs = [plz for plz, weight in PLZ_WEIGHTS for _ in range(weight)]
    now = timezone.now()
    rows = []
    for i in range(n):
        plz = rng.choice(plzs)
        created = now - timedelta(days=rng.uniform(0.2, 30), minutes=rng.randint(0, 600))
        abroad = i % 50 == 49
        rows.append(
            services.ImportedSignature(
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", email=f"demo-{page.slug[:20]}-{i}@example.org",
                postcode="" if abroad else plz, country="AT" if abroad else "DE",
                consent_version=consent.CURRENT_VERSION, show_name=i % 4 == 0, signed_at=created,
                confirmed_at=created + timedelta(minutes=rng.randint(1, 90)),
            )
        )
    return rows


def seed(stdout) -> None:
    index = _index(stdout)
    if index is None:
        return
    organiser = get_user_model().objects.filter(email__iexact=ORGANISER_EMAIL).first()
    rng = random.Random(4)  # noqa: S311 — demo data: a seeded generator, not a secret
    today = timezone.localdate()
    for spec in CAMPAIGNS:
        page = CampaignPage.objects.filter(slug=spec["slug"]).first()
        if page is not None:
            continue
        with transaction.atomic():
            page = CampaignPage(
                title=spec["title"], slug=spec["slug"], teaser=spec["teaser"], addressee=spec["addressee"],
                demands="<ul>" + "".join(f"<li>{d}</li>" for d in spec["demands"]) + "</ul>",
                body=[("paragraph", f"<p>{spec['why']}</p>")], goal=spec["goal"],
                deadline=today + timedelta(days=spec["deadline_days"]), phase=spec["phase"],
                proposer=organiser, owner=organiser,
            )
            if spec["phase"] != "open":
                page.closed_at = timezone.now() - timedelta(days=abs(spec["deadline_days"]))
            if spec["phase"] == "handed_over":
                page.handed_over_at = page.closed_at + timedelta(days=7)
                page.response = f"<p>{spec['response']}</p>"
                page.response_published_at = page.handed_over_at + timedelta(days=14)
            index.add_child(instance=page)
            if organiser:
                page.organisers.add(organiser)
            page.save_revision(user=organiser).publish(user=organiser, skip_permission_checks=True)
            services.import_confirmed_signatures(campaign=page, signatures=_signatures(page, spec["signatures"], rng))
            # milestones already passed are history: record them without mailing anyone
            count = spec["signatures"]
            MilestoneReached.objects.bulk_create(
                [MilestoneReached(campaign=page, percent=p, count=count) for p in page.milestone_list
                 if count * 100 >= p * page.goal],
                ignore_conflicts=True,
            )
        report = services.reconcile_counts(campaign=page)
        if any(item.repaired for item in report):
            stdout.write(f"campaigns.demo: counter of {page.title} repaired (should not happen)")
        stdout.write(f"campaigns.demo: {page.title} ({spec['signatures']} Unterschriften)")
