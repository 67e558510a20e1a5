"""Demo forum for ``manage.py seed_demo`` (idempotent: categories and groups by slug,
threads by title). Runs after the accounts seed, which creates the demo members."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model

from . import services
from .models import Post, Thread

User = get_user_model()

GROUPS = [
    ("freie-dozentinnen", "Freie Dozent:innen", "request",
     "Honorarkräfte an Volkshochschulen, Hochschulen und in der Erwachsenenbildung: Honorare, "
     "Rentenversicherungspflicht, Scheinselbstständigkeit und gemeinsame Forderungen an die Träger."),
    ("kreative-medien", "Kreative & Medien", "open",
     "Grafik, Text, Foto, Film, Übersetzung: Künstlersozialkasse, Nutzungsrechte, KI und faire Honorare."),
    ("pflege-betreuung", "Pflege & Betreuung", "request",
     "Selbstständige Pflegekräfte, Alltagsbegleiter:innen und Betreuer:innen: Statusfragen, Vergütung, "
     "Versicherungen. Ein Teil der Diskussionen ist nur für Mitglieder sichtbar."),
    ("plattformarbeit", "Plattformarbeit", "open",
     "Wer über Plattformen Aufträge bekommt – Lieferdienste, Clickwork, Vermittlungsportale: "
     "Bewertungen, Sperrungen, Gebühren und die EU-Plattformrichtlinie."),
    ("sachsen", "Selbstständige in Sachsen", "request",
     "Regionale Gruppe: Stammtische in Leipzig und Dresden, Förderprogramme des Landes, Austausch vor Ort."),
]

CATEGORIES = [
    # slug, name, description, topic page slug, group slug, members only
    ("soziale-absicherung", "Soziale Absicherung",
     "Krankenversicherung, Rente, Künstlersozialkasse, Arbeitslosenversicherung.", "soziale-absicherung", None, False),
    ("honorare-preise", "Honorare & Preise",
     "Tagessätze kalkulieren, verhandeln, Zahlungsverzug.", "honorare-preise", None, False),
    ("recht-vertraege", "Recht & Verträge",
     "AGB, Nutzungsrechte, Statusfeststellung.", "recht-vertraege", None, False),
    ("plattformarbeit", "Plattformarbeit",
     "Erfahrungen mit Plattformen und Vermittlungsportalen.", None, "plattformarbeit", False),
    ("kreative-medien", "Kreative & Medien",
     "Der offene Bereich der Interessengemeinschaft Kreative & Medien.", None, "kreative-medien", False),
    ("pflege-intern", "Pflege & Betreuung – intern",
     "Nur für Mitglieder der Interessengemeinschaft Pflege & Betreuung.", None, "pflege-betreuung", True),
    ("plauderecke", "Plauderecke", "Alles, was sonst nirgends hinpasst.", None, None, False),
]

ADVISER = {
    "email": "beratung@example.org",
    "display_name": "Petra Lindner",
    "profile": {"profession": "Beraterin für Selbstständige, ver.di-Selbstständigenberatung", "bundesland": "DE-HH",
                "bio": "Ich berate seit vielen Jahren Solo-Selbstständige zu Sozialversicherung und Honoraren.",
                "is_public": True},
}
NEWCOMER = {
    "email": "neu@example.org",
    "display_name": "Neu im Forum",
    "profile": {"profession": "Fahrradkurier", "bundesland": "DE-HE"},
}

# title, category slug, kind, [(author key, body, reply to index or None)], accepted reply index
THREADS = [
    (
        "Wie kalkuliert ihr euren Tagessatz?", "honorare-preise", "discussion",
        [
            ("jana", "Ich werde immer wieder gefragt, wie ich auf meinen Tagessatz komme. Bisher rechne ich "
                     "rückwärts vom Wunschgehalt – aber Urlaub, Krankheit und Akquise vergesse ich gern.\n\n"
                     "Wie macht ihr das? Rechnet ihr mit **fakturierbaren Tagen** pro Jahr?", None),
            ("mehmet", "Ich rechne mit 120 fakturierbaren Tagen. Klingt wenig, aber Akquise, Buchhaltung und "
                       "Weiterbildung fressen viel Zeit. Daraus ergibt sich bei mir ein Tagessatz von 520 €.", 0),
            ("petra", "Der Ratgeber „Stundensatz kalkulieren“ hier auf der Plattform hat eine gute Vorlage. Wichtig: "
                      "Krankenversicherung und Altersvorsorge als *eigene* Posten einrechnen, nicht aus dem Gewinn "
                      "bezahlen.", None),
            ("jana", "@Mehmet K. 120 Tage finde ich realistisch, danke! Ich lag bei 180 – das erklärt einiges.", 1),
        ],
        None,
    ),
    (
        "Bin ich als Übersetzer rentenversicherungspflichtig?", "soziale-absicherung", "question",
        [
            ("mehmet", "Ich übersetze seit drei Jahren freiberuflich, ohne Angestellte. Ein Kollege meinte, ich "
                       "müsse in die gesetzliche Rentenversicherung einzahlen. Stimmt das?", None),
            ("jana", "Bei mir als Grafikerin läuft das über die Künstlersozialkasse – Übersetzer:innen gehören "
                     "als Publizisten oft auch dazu. Hast du dort schon angefragt?", 0),
            ("petra", "Übersetzer:innen können in die **Künstlersozialkasse** aufgenommen werden, wenn sie "
                      "überwiegend literarische oder publizistische Texte übersetzen. Für reine Fachübersetzungen "
                      "(Technik, Recht) lehnt die KSK meist ab. Dann gilt: Ohne Angestellte keine allgemeine "
                      "Pflicht, außer Sie arbeiten dauerhaft im Wesentlichen für *einen* Auftraggeber "
                      "(§ 2 Nr. 9 SGB VI). Lassen Sie das im Zweifel prüfen.", 0),
            ("mehmet", "Danke, das war genau die Antwort, die ich gebraucht habe. Ich habe mehrere Auftraggeber "
                       "und melde mich jetzt bei der KSK wegen meiner literarischen Aufträge.", 2),
        ],
        2,
    ),
    (
        "Account gesperrt nach schlechter Bewertung – was tun?", "plattformarbeit", "discussion",
        [
            ("mehmet", "Ein Bekannter fährt für einen Lieferdienst und wurde nach zwei schlechten Bewertungen "
                       "einfach deaktiviert. Keine Begründung, kein Ansprechpartner. Gibt es da Rechte?", None),
            ("moderation", "Wichtiges Thema! Die neue EU-Plattformrichtlinie verlangt, dass automatisierte "
                           "Entscheidungen erklärt und von Menschen überprüft werden. Bis sie in deutsches Recht "
                           "umgesetzt ist, hilft oft ein schriftlicher Widerspruch mit Verweis auf die DSGVO "
                           "(Art. 22).", 0),
            ("jana", "Bei Designplattformen kenne ich das auch. Unbedingt alle Aufträge und Bewertungen als "
                     "Screenshot sichern, bevor der Zugang weg ist.", None),
        ],
        None,
    ),
    (
        "KI-Bildgeneratoren: Wie geht ihr mit Kundenanfragen um?", "kreative-medien", "discussion",
        [
            ("jana", "Immer mehr Kund:innen fragen, ob ich „das nicht schnell mit KI“ machen kann – für ein "
                     "Drittel des Preises. Wie reagiert ihr darauf?", None),
            ("mehmet", "Bei Übersetzungen ist es dasselbe mit maschineller Übersetzung. Ich biete inzwischen "
                       "*Post-Editing* als eigene Leistung an, mit klarer Preisliste.", 0),
        ],
        None,
    ),
    (
        "Austausch: Stundensätze in der ambulanten Betreuung", "pflege-intern", "discussion",
        [
            ("moderation", "Dieser Bereich ist nur für Mitglieder der IG Pflege & Betreuung sichtbar. Hier könnt "
                           "ihr offen über Vergütungen sprechen.", None),
            ("jana", "Danke für den geschützten Raum! Ich frage für meine Schwester: 38 € pro Stunde für "
                     "Alltagsbegleitung – ist das zu wenig?", 0),
        ],
        None,
    ),
    (
        "Willkommen im Forum!", "plauderecke", "discussion",
        [
            ("moderation", "Schön, dass ihr da seid. Stellt euch gern kurz vor: Was macht ihr, seit wann seid ihr "
                           "selbstständig? Bitte bleibt freundlich – die Forenregeln findet ihr im Impressum.",
             None),
            ("jana", "Hallo zusammen! Jana, Grafikdesignerin aus Berlin, seit 2015 selbstständig.", 0),
            ("mehmet", "Mehmet, Übersetzer aus Köln. Freue mich auf den Austausch!", 0),
        ],
        None,
    ),
]

PENDING_POST = ("Willkommen im Forum!", "neu",
                "Hallo, ich bin neu hier und fahre als Kurier. Gibt es hier auch Leute aus Frankfurt?")


def _members() -> dict:
    from hds_site.accounts import services as account_services

    def get(email):
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise RuntimeError(f"demo member {email} is missing: the accounts seed must run first")
        return user

    password = settings.HDS_DEMO_PASSWORD
    adviser = account_services.provision_account(
        email=ADVISER["email"], password=password, display_name=ADVISER["display_name"],
        groups=("Berater:innen",), profile=ADVISER["profile"],
    )
    newcomer = account_services.provision_account(
        email=NEWCOMER["email"], password=password, display_name=NEWCOMER["display_name"], profile=NEWCOMER["profile"],
    )
    return {
        "jana": get("mitglied@example.org"),
        "mehmet": get("mitglied2@example.org"),
        "moderation": get("moderation@example.org"),
        "petra": adviser,
        "neu": newcomer,
    }


def _topic(slug):
    if not slug:
        return None
    from hds_site.content.models import TopicPage

    return TopicPage.objects.filter(slug=slug).first()


def seed(stdout) -> None:
    people = _members()
    moderator = people["moderation"]

    groups = {}
    for slug, name, policy, description in GROUPS:
        groups[slug] = services.upsert_group(slug=slug, name=name, description=description, join_policy=policy)
    services.add_group_member(group=groups["kreative-medien"], user=people["jana"], role="admin")
    services.add_group_member(group=groups["kreative-medien"], user=people["mehmet"])
    services.add_group_member(group=groups["plattformarbeit"], user=people["mehmet"], role="admin")
    services.add_group_member(group=groups["pflege-betreuung"], user=people["jana"])
    services.add_group_member(group=groups["pflege-betreuung"], user=moderator, role="admin")
    services.add_group_member(group=groups["freie-dozentinnen"], user=people["petra"], role="admin")
    services.add_group_member(group=groups["sachsen"], user=moderator, role="admin")

    categories = {}
    for order, (slug, name, description, topic_slug, group_slug, members_only) in enumerate(CATEGORIES):
        categories[slug] = services.upsert_category(
            slug=slug, name=name, description=description, order=order * 10, topic=_topic(topic_slug),
            group=groups.get(group_slug) if group_slug else None, members_only=members_only,
        )

    created = 0
    for title, category_slug, kind, posts, accepted in THREADS:
        category = categories[category_slug]
        if Thread.objects.filter(category=category, title=title).exists():
            continue
        author_key, body, _reply_to = posts[0]
        thread = services.create_thread(category=category, author=people[author_key], title=title, body=body,
                                        kind=kind, enforce_limits=False)
        made = [thread.first_post]
        if thread.first_post.status == Post.Status.PENDING:
            services.approve_post(post=thread.first_post, moderator=moderator)
        for author_key, body, reply_to in posts[1:]:
            thread.refresh_from_db()
            post = services.post_reply(
                thread=thread, author=people[author_key], body=body,
                reply_to=made[reply_to] if reply_to is not None else None, enforce_limits=False,
            )
            if post.status == Post.Status.PENDING:
                services.approve_post(post=post, moderator=moderator)
                post.refresh_from_db()
            made.append(post)
        if accepted is not None:
            thread.refresh_from_db()
            services.accept_answer(post=made[accepted], actor=thread.author)
        created += 1

    title, author_key, body = PENDING_POST
    thread = Thread.objects.filter(title=title).first()
    if thread is not None and not Post.objects.filter(thread=thread, author=people[author_key]).exists():
        services.post_reply(thread=thread, author=people[author_key], body=body, enforce_limits=False)

    stdout.write(f"Forum: {len(categories)} Kategorien, {len(groups)} Interessengemeinschaften, "
                 f"{created} neue Themen; ein Beitrag wartet in /forum/moderation/ auf Freigabe.\n")
