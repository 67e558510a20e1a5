"""Demo content for ``manage.py seed_demo`` (idempotent: pages keyed on slugs, centres on names).

Builds the site tree (home, five topic hubs, the Ratgeber with advice articles
and news, the legal pages) and the advice centres. Legal facts are stated as of
2025/2026 and say where values change yearly. Invented details (addresses,
phone numbers, e-mail addresses of the centres, the Impressum) are marked as
demo data.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from . import services
from .models import AdviceCentre, ArticleIndexPage, ArticlePage, StandardPage, TopicPage

AUTHOR = "Redaktion Haus der Selbstständigen"


# --- stream helpers -------------------------------------------------------------

def P(html: str) -> dict:
    return {"type": "paragraph", "value": html}


def H(text: str, level: str = "h2") -> dict:
    return {"type": "heading", "value": {"heading_text": text, "level": level}}


def INFO(variant: str, title: str, html: str) -> dict:
    return {"type": "info_box", "value": {"variant": variant, "title": title, "text": html}}


def FAQ(items: list[tuple[str, str]], title: str = "Häufige Fragen") -> dict:
    return {
        "type": "faq",
        "value": {"title": title, "items": [{"question": q, "answer": a} for q, a in items]},
    }


def QUOTE(text: str, attribution: str) -> dict:
    return {"type": "quote", "value": {"text": text, "attribution": attribution}}


# --- topics -------------------------------------------------------------------------

TOPICS = [
    {
        "slug": "soziale-absicherung",
        "title": "Soziale Absicherung",
        "icon": "shield",
        "colour": "blue",
        "intro": "<p>Rente, Krankenversicherung, Künstlersozialkasse, Arbeitslosenversicherung: "
                 "Wer selbstständig ist, muss sich um seine Absicherung meist selbst kümmern. "
                 "Hier finden Sie, was Pflicht ist, was sich lohnt und wo es Unterstützung gibt.</p>",
    },
    {
        "slug": "honorare-preise",
        "title": "Honorare & Preise",
        "icon": "euro",
        "colour": "green",
        "intro": "<p>Ein fairer Preis deckt Lebenshaltung, Vorsorge, Steuern und Betriebskosten. "
                 "Wir zeigen, wie Sie Ihren Stundensatz kalkulieren, Angebote schreiben und "
                 "zu Ihrem Geld kommen.</p>",
    },
    {
        "slug": "digitalisierung-ki",
        "title": "Digitalisierung & KI",
        "icon": "chip",
        "colour": "purple",
        "intro": "<p>E-Rechnung, digitale Buchhaltung, Plattformarbeit und Künstliche Intelligenz "
                 "verändern die Arbeit von Selbstständigen. Praxiswissen für einen sicheren und "
                 "selbstbestimmten Umgang mit neuen Werkzeugen.</p>",
    },
    {
        "slug": "weiterbildung",
        "title": "Weiterbildung",
        "icon": "book",
        "colour": "orange",
        "intro": "<p>Wer selbstständig ist, bildet sich meist auf eigene Kosten weiter. "
                 "Welche Förderprogramme es gibt und wie Sie Weiterbildung steuerlich geltend machen.</p>",
    },
    {
        "slug": "recht-vertraege",
        "title": "Recht & Verträge",
        "icon": "paragraph",
        "colour": "red",
        "intro": "<p>Verträge, AGB, Scheinselbstständigkeit und Zahlungsverzug: die rechtlichen "
                 "Grundlagen, die Solo-Selbstständige kennen sollten – verständlich erklärt.</p>",
    },
]


# --- articles -------------------------------------------------------------------------

ARTICLES = [
    {
        "slug": "rentenversicherungspflicht-fuer-selbststaendige",
        "title": "Rentenversicherungspflicht für Selbstständige: Wer muss einzahlen?",
        "topics": ["soziale-absicherung"],
        "date": datetime.date(2026, 3, 12),
        "teaser": "Die meisten Selbstständigen sind nicht automatisch rentenversichert – einige Berufsgruppen "
                  "aber schon. Wer betroffen ist, was es kostet und welche Wege es zur Altersvorsorge gibt.",
        "body": [
            P("<p>Anders als Angestellte sind Selbstständige in Deutschland in der Regel <b>nicht</b> "
              "in der gesetzlichen Rentenversicherung pflichtversichert. Das Sechste Buch "
              "Sozialgesetzbuch (§ 2 SGB VI) nennt aber eine Reihe von Gruppen, für die eine "
              "Versicherungspflicht gilt – oft, ohne dass die Betroffenen davon wissen.</p>"),
            H("Wer ist versicherungspflichtig?"),
            P("<p>Pflichtversichert sind unter anderem:</p><ul>"
              "<li>selbstständige Lehrerinnen, Lehrer, Dozentinnen, Dozenten, Trainerinnen und Trainer, "
              "die keine versicherungspflichtigen Angestellten beschäftigen,</li>"
              "<li>selbstständige Pflegepersonen, Hebammen und Entbindungspfleger,</li>"
              "<li>Handwerkerinnen und Handwerker, die in die Handwerksrolle eingetragen sind "
              "(nach 18 Jahren Beitragszahlung ist eine Befreiung möglich),</li>"
              "<li>Selbstständige, die auf Dauer und im Wesentlichen nur für <b>einen</b> Auftraggeber "
              "arbeiten und keine versicherungspflichtigen Angestellten haben (sogenannte "
              "arbeitnehmerähnliche Selbstständige),</li>"
              "<li>Künstlerinnen, Künstler und Publizisten – sie sind über die Künstlersozialkasse versichert.</li>"
              "</ul>"),
            INFO("warning", "Melden Sie sich selbst",
                 "<p>Versicherungspflichtige Selbstständige müssen sich innerhalb von drei Monaten nach "
                 "Beginn der Tätigkeit bei der Deutschen Rentenversicherung melden. Wer das versäumt, "
                 "muss Beiträge für bis zu vier Jahre nachzahlen.</p>"),
            H("Was kostet die Pflichtversicherung?"),
            P("<p>Grundsätzlich zahlen pflichtversicherte Selbstständige den <b>Regelbeitrag</b>. "
              "Er berechnet sich aus dem Beitragssatz von 18,6 Prozent und der sogenannten Bezugsgröße "
              "– 2025 waren das rund 697 Euro im Monat. Wer ein niedrigeres (oder höheres) Einkommen "
              "nachweist, etwa mit dem letzten Einkommensteuerbescheid, zahlt einkommensgerechte Beiträge. "
              "In den ersten drei Kalenderjahren nach Aufnahme der Tätigkeit kann ein halber Regelbeitrag "
              "gewählt werden. Die Werte ändern sich jedes Jahr – die aktuellen nennt die Deutsche "
              "Rentenversicherung.</p>"),
            H("Freiwillig versichern oder Pflichtversicherung auf Antrag?"),
            P("<p>Wer nicht pflichtversichert ist, hat zwei Wege in die gesetzliche Rente:</p><ul>"
              "<li><b>Pflichtversicherung auf Antrag</b> (§ 4 SGB VI): innerhalb von fünf Jahren nach "
              "Beginn der Selbstständigkeit möglich. Sie sichert auch Ansprüche auf Erwerbsminderungsrente "
              "und Reha-Leistungen.</li>"
              "<li><b>Freiwillige Versicherung</b>: jederzeit möglich, Beiträge zwischen Mindest- und "
              "Höchstbeitrag frei wählbar. Der Schutz bei Erwerbsminderung ist aber oft nicht gegeben.</li>"
              "</ul>"),
            INFO("info", "Politische Entwicklung",
                 "<p>Die Bundesregierung plant seit Längerem eine Altersvorsorgepflicht für neue "
                 "Selbstständige, die keinem anderen Pflichtsystem angehören – mit Wahlfreiheit zwischen "
                 "gesetzlicher Rente und anderen Vorsorgeformen. Ein Gesetz gibt es noch nicht; wir "
                 "berichten, sobald es konkret wird.</p>"),
            FAQ([
                ("Ich unterrichte Yoga-Kurse an der Volkshochschule. Bin ich rentenversicherungspflichtig?",
                 "<p>Sehr wahrscheinlich ja: Lehrtätigkeiten fallen unter § 2 Nr. 1 SGB VI, wenn Sie keine "
                 "versicherungspflichtigen Angestellten beschäftigen. Das gilt auch nebenberuflich, sofern "
                 "der Gewinn über der Geringfügigkeitsgrenze liegt.</p>"),
                ("Zählt eine private Rentenversicherung als Ersatz?",
                 "<p>Nein. Private Vorsorge befreit nicht von einer gesetzlichen Versicherungspflicht. "
                 "Sie kann aber eine sinnvolle Ergänzung sein, etwa über eine Basisrente (Rürup-Rente), "
                 "deren Beiträge steuerlich absetzbar sind.</p>"),
                ("Wo kann ich prüfen lassen, ob ich pflichtversichert bin?",
                 "<p>Bei der Deutschen Rentenversicherung. Die Beratung dort ist kostenlos; auch die "
                 "Zukunftszentren helfen bei der Vorbereitung.</p>"),
            ]),
        ],
    },
    {
        "slug": "kuenstlersozialkasse",
        "title": "Künstlersozialkasse: Sozialversicherung für Kreative",
        "topics": ["soziale-absicherung"],
        "date": datetime.date(2026, 2, 3),
        "teaser": "Selbstständige Künstlerinnen, Künstler und Publizisten zahlen über die KSK nur etwa die "
                  "Hälfte ihrer Sozialversicherungsbeiträge. So funktioniert die Aufnahme.",
        "body": [
            P("<p>Die Künstlersozialkasse (KSK) in Wilhelmshaven sorgt dafür, dass selbstständige "
              "Künstlerinnen, Künstler und Publizisten in der gesetzlichen Renten-, Kranken- und "
              "Pflegeversicherung ähnlich abgesichert sind wie Angestellte. Die KSK ist keine "
              "Versicherung, sondern zieht Beiträge ein und leitet sie weiter.</p>"),
            H("Wie wird finanziert?"),
            P("<p>Versicherte tragen etwa die Hälfte der Beiträge. Die andere Hälfte kommt aus einem "
              "Bundeszuschuss (20 Prozent) und der <b>Künstlersozialabgabe</b> (30 Prozent), die Unternehmen "
              "zahlen, wenn sie künstlerische oder publizistische Leistungen von Selbstständigen "
              "verwerten.</p>"),
            H("Wer wird aufgenommen?"),
            P("<ul><li>Ihre Tätigkeit ist künstlerisch (Musik, darstellende oder bildende Kunst) oder "
              "publizistisch (zum Beispiel Journalismus, Text, Lektorat mit eigenem Gestaltungsanteil).</li>"
              "<li>Sie arbeiten selbstständig und erwerbsmäßig, nicht nur vorübergehend.</li>"
              "<li>Sie beschäftigen höchstens einen Arbeitnehmer (Auszubildende und Minijobs zählen nicht).</li>"
              "<li>Ihr voraussichtliches Jahresarbeitseinkommen liegt über 3.900 Euro. In den ersten drei "
              "Jahren als Berufsanfängerin oder Berufsanfänger gilt diese Grenze nicht.</li></ul>"),
            INFO("tip", "Einkommen realistisch schätzen",
                 "<p>Die Beiträge richten sich nach dem Einkommen, das Sie für das kommende Jahr schätzen. "
                 "Die Schätzung können Sie im Laufe des Jahres anpassen. Eine zu niedrige Schätzung senkt "
                 "auch das Krankengeld und die spätere Rente.</p>"),
            H("Der Antrag"),
            P("<p>Den Antrag stellen Sie bei der KSK mit Fragebogen und Nachweisen: Rechnungen, Verträge, "
              "Veröffentlichungen, Ausstellungen, Website. Je klarer die künstlerische oder publizistische "
              "Tätigkeit belegt ist, desto schneller die Entscheidung. Wer abgelehnt wird, kann "
              "Widerspruch einlegen – lassen Sie sich dabei beraten.</p>"),
            QUOTE("Ohne die KSK könnte ich mir als freie Illustratorin die Krankenversicherung kaum leisten.",
                  "Lena, Illustratorin aus Leipzig (Demo-Zitat)"),
            FAQ([
                ("Ich bin Webdesignerin. Gehört das zur KSK?",
                 "<p>Das hängt vom gestalterischen Anteil ab. Gestaltung von Websites wird oft anerkannt, "
                 "reine Programmierung nicht. Beschreiben Sie im Antrag genau, welchen Anteil die "
                 "Gestaltung hat.</p>"),
                ("Was passiert, wenn ich nebenbei eine nicht-künstlerische Selbstständigkeit habe?",
                 "<p>Dann kann der Schutz über die KSK in der Kranken- und Pflegeversicherung entfallen, "
                 "wenn diese Tätigkeit zu viel Gewicht bekommt; es gelten Einkommensgrenzen. "
                 "Lassen Sie das vorab prüfen.</p>"),
            ]),
        ],
    },
    {
        "slug": "krankenversicherung-gesetzlich-oder-privat",
        "title": "Krankenversicherung: freiwillig gesetzlich oder privat?",
        "topics": ["soziale-absicherung"],
        "date": datetime.date(2026, 1, 20),
        "teaser": "Selbstständige müssen krankenversichert sein und haben oft die Wahl. Die Unterschiede bei "
                  "Beitrag, Familie, Krankengeld und Rückkehr – und warum die Entscheidung langfristig ist.",
        "body": [
            P("<p>In Deutschland gilt eine Pflicht zur Krankenversicherung. Selbstständige (außer über die "
              "Künstlersozialkasse) sind nicht pflichtversichert, sondern können sich <b>freiwillig</b> "
              "gesetzlich oder <b>privat</b> versichern. Die Entscheidung wirkt oft für Jahrzehnte.</p>"),
            H("Freiwillig gesetzlich versichert"),
            P("<ul><li>Der Beitrag richtet sich nach Ihrem Einkommen. Er wird zunächst vorläufig nach dem "
              "letzten Steuerbescheid festgesetzt und später anhand des tatsächlichen Einkommens "
              "endgültig berechnet – es kann also zu Nachzahlungen oder Erstattungen kommen.</li>"
              "<li>Es gibt eine Mindestbemessungsgrundlage: 2025 lag sie bei rund 1.249 Euro im Monat. "
              "Auch bei geringerem Einkommen wird mindestens dieser Betrag zugrunde gelegt.</li>"
              "<li>Ehepartner und Kinder ohne eigenes Einkommen sind beitragsfrei familienversichert.</li>"
              "<li>Krankengeld gibt es nur mit Wahlerklärung (allgemeiner Beitragssatz, Krankengeld ab der "
              "siebten Woche) oder über einen Wahltarif.</li></ul>"),
            H("Privat versichert"),
            P("<ul><li>Der Beitrag hängt von Alter, Gesundheitszustand und gewähltem Leistungsumfang ab, "
              "nicht vom Einkommen. Für junge, gesunde Menschen ist er anfangs oft günstig.</li>"
              "<li>Jedes Familienmitglied braucht einen eigenen Vertrag.</li>"
              "<li>Beiträge steigen mit der Zeit; im Alter kann die Belastung hoch werden.</li>"
              "<li>Ein Wechsel zurück in die gesetzliche Krankenversicherung ist für Selbstständige nur in "
              "Ausnahmefällen möglich, etwa bei Aufnahme einer versicherungspflichtigen Beschäftigung – "
              "ab 55 Jahren fast gar nicht mehr.</li></ul>"),
            INFO("warning", "Schwankendes Einkommen?",
                 "<p>Wer unregelmäßig verdient, ist in der gesetzlichen Versicherung oft besser aufgehoben: "
                 "Sinkt das Einkommen, sinkt auch der Beitrag. In der privaten Versicherung bleibt der "
                 "Beitrag gleich.</p>"),
            FAQ([
                ("Kann ich nach dem Ende einer Anstellung einfach in der gesetzlichen Kasse bleiben?",
                 "<p>Ja. Wer vorher gesetzlich versichert war, wird automatisch freiwilliges Mitglied, "
                 "wenn er nicht innerhalb von zwei Wochen den Austritt erklärt. Informieren Sie Ihre "
                 "Krankenkasse über die Selbstständigkeit.</p>"),
                ("Ist der Beitrag steuerlich absetzbar?",
                 "<p>Beiträge zur Basisabsicherung in Kranken- und Pflegeversicherung sind als "
                 "Sonderausgaben in voller Höhe absetzbar.</p>"),
            ]),
        ],
    },
    {
        "slug": "stundensatz-kalkulieren",
        "title": "Stundensatz kalkulieren: So finden Sie Ihren Preis",
        "topics": ["honorare-preise"],
        "date": datetime.date(2026, 4, 8),
        "teaser": "Ein Stundensatz ist kein Stundenlohn. Mit einer einfachen Rechnung aus Jahresbedarf und "
                  "fakturierbaren Stunden finden Sie Ihre Untergrenze.",
        "body": [
            P("<p>Viele Solo-Selbstständige orientieren sich beim Preis am früheren Stundenlohn oder an dem, "
              "was andere verlangen. Beides führt oft zu Honoraren, die weder Vorsorge noch Urlaub "
              "finanzieren. Besser ist es, von den eigenen Kosten aus zu rechnen.</p>"),
            H("Schritt 1: Was brauchen Sie im Jahr?"),
            P("<p>Addieren Sie:</p><ul>"
              "<li>Ihren privaten Bedarf (Miete, Lebenshaltung, Rücklagen),</li>"
              "<li>Kranken- und Pflegeversicherung sowie Altersvorsorge – Selbstständige zahlen beides "
              "vollständig selbst,</li>"
              "<li>Ihre Betriebskosten (Arbeitsplatz, Technik, Software, Fahrtkosten, Weiterbildung, "
              "Versicherungen, Steuerberatung),</li>"
              "<li>die Einkommensteuer auf den Gewinn.</li></ul>"),
            H("Schritt 2: Wie viele Stunden können Sie abrechnen?"),
            P("<p>Von 365 Tagen bleiben nach Wochenenden, Feiertagen, 30 Urlaubstagen und zehn "
              "Krankheitstagen rund 210 Arbeitstage. Davon entfallen erfahrungsgemäß 30 bis 40 Prozent auf "
              "Akquise, Verwaltung und Weiterbildung, die niemand bezahlt. Realistisch sind oft "
              "1.000 bis 1.200 fakturierbare Stunden im Jahr.</p>"),
            H("Schritt 3: Teilen"),
            P("<p>Jahresbedarf geteilt durch fakturierbare Stunden ergibt Ihren Mindeststundensatz.</p>"),
            INFO("info", "Rechenbeispiel",
                 "<p>Privater Bedarf 30.000 € + Kranken- und Pflegeversicherung 6.000 € + Altersvorsorge "
                 "5.000 € + Betriebskosten 9.000 € + Einkommensteuer 7.000 € = <b>57.000 €</b>. "
                 "Bei 1.100 abrechenbaren Stunden ergibt das einen Mindeststundensatz von rund "
                 "<b>52 € netto</b> (zuzüglich Umsatzsteuer, wenn Sie nicht Kleinunternehmer sind).</p>"),
            H("Vom Minimum zum Marktpreis"),
            P("<p>Der errechnete Satz ist Ihre Untergrenze, nicht Ihr Preis. Erfahrung, Spezialisierung, "
              "Eilaufträge und Nutzungsrechte rechtfertigen Zuschläge. Vergleichen Sie mit Honorarspiegeln "
              "Ihres Berufsverbands und sprechen Sie im Forum mit anderen aus Ihrer Branche.</p>"),
            FAQ([
                ("Soll ich Pauschalen oder nach Stunden abrechnen?",
                 "<p>Pauschalen sind für Kundinnen und Kunden planbar und belohnen effizientes Arbeiten. "
                 "Kalkulieren Sie sie trotzdem über Ihren Stundensatz – mit einem Puffer für Korrekturschleifen.</p>"),
                ("Wie erhöhe ich meine Preise bei Bestandskunden?",
                 "<p>Kündigen Sie Erhöhungen rechtzeitig schriftlich an, etwa zum Jahreswechsel, und begründen "
                 "Sie sie kurz (gestiegene Kosten, erweitertes Angebot).</p>"),
            ]),
        ],
    },
    {
        "slug": "scheinselbststaendigkeit-statusfeststellung",
        "title": "Scheinselbstständigkeit und Statusfeststellungsverfahren",
        "topics": ["recht-vertraege", "soziale-absicherung"],
        "date": datetime.date(2026, 5, 14),
        "teaser": "Wer wie eine Angestellte arbeitet, ist vielleicht gar nicht selbstständig. Woran die "
                  "Rentenversicherung das festmacht und wie das Statusfeststellungsverfahren Klarheit bringt.",
        "body": [
            P("<p>Von <b>Scheinselbstständigkeit</b> spricht man, wenn jemand als Selbstständiger auftritt, "
              "tatsächlich aber wie ein Beschäftigter arbeitet. Dann schuldet der Auftraggeber "
              "Sozialversicherungsbeiträge – rückwirkend für bis zu vier Jahre, bei Vorsatz für 30 Jahre.</p>"),
            H("Woran wird das festgemacht?"),
            P("<p>Entscheidend ist das Gesamtbild der tatsächlichen Arbeit, nicht was im Vertrag steht. "
              "Hinweise auf eine abhängige Beschäftigung sind:</p><ul>"
              "<li>Sie sind an Weisungen zu Zeit, Ort und Art der Arbeit gebunden,</li>"
              "<li>Sie sind in die Arbeitsorganisation eingegliedert (feste Schichten, eigene Firmen-E-Mail, "
              "Teilnahme an Teamrunden),</li>"
              "<li>Sie tragen kein unternehmerisches Risiko und setzen kein eigenes Kapital ein,</li>"
              "<li>Sie treten nicht am Markt auf und arbeiten dauerhaft nur für einen Auftraggeber.</li></ul>"),
            H("Das Statusfeststellungsverfahren"),
            P("<p>Auftragnehmer und Auftraggeber können bei der Clearingstelle der Deutschen "
              "Rentenversicherung Bund gemeinsam oder einzeln prüfen lassen, ob eine selbstständige "
              "Tätigkeit vorliegt (§ 7a SGB IV). Seit 2022 stellt die Clearingstelle den "
              "Erwerbsstatus fest, kann schon vor Beginn eines Auftrags entscheiden (Prognose) und "
              "für gleichartige Aufträge eine Gruppenfeststellung treffen.</p>"),
            INFO("tip", "Früh beantragen",
                 "<p>Wird der Antrag innerhalb eines Monats nach Beginn des Auftrags gestellt, beginnt eine "
                 "festgestellte Versicherungspflicht unter bestimmten Voraussetzungen erst mit der "
                 "Entscheidung – das schützt vor hohen Nachzahlungen.</p>"),
            FAQ([
                ("Schützt mich ein Vertrag mit der Überschrift „freier Mitarbeitervertrag“?",
                 "<p>Nein. Maßgeblich ist, wie die Zusammenarbeit tatsächlich gelebt wird.</p>"),
                ("Was kostet das Verfahren?",
                 "<p>Das Statusfeststellungsverfahren ist kostenlos. Gegen die Entscheidung ist Widerspruch "
                 "und Klage vor dem Sozialgericht möglich.</p>"),
                ("Habe ich Nachteile, wenn ich als scheinselbstständig eingestuft werde?",
                 "<p>Die Beiträge muss grundsätzlich der Auftraggeber nachzahlen. Für Sie kann sich die "
                 "Zusammenarbeit aber ändern. Lassen Sie sich vorher beraten.</p>"),
            ]),
        ],
    },
    {
        "slug": "gruendungszuschuss",
        "title": "Gründungszuschuss: Förderung aus der Arbeitslosigkeit",
        "topics": ["soziale-absicherung", "honorare-preise"],
        "date": datetime.date(2025, 11, 4),
        "teaser": "Wer Arbeitslosengeld bezieht und sich selbstständig macht, kann einen Gründungszuschuss "
                  "bekommen. Voraussetzungen, Höhe und die wichtigsten Stolpersteine.",
        "body": [
            P("<p>Der Gründungszuschuss (§ 93 SGB III) unterstützt Menschen, die aus dem Bezug von "
              "Arbeitslosengeld eine hauptberufliche Selbstständigkeit beginnen. Er ist eine "
              "<b>Ermessensleistung</b>: Die Agentur für Arbeit entscheidet, einen Rechtsanspruch gibt es nicht.</p>"),
            H("Voraussetzungen"),
            P("<ul><li>Anspruch auf Arbeitslosengeld mit einer Restdauer von mindestens 150 Tagen bei Gründung,</li>"
              "<li>eine hauptberufliche Selbstständigkeit,</li>"
              "<li>eine Tragfähigkeitsbescheinigung einer fachkundigen Stelle, etwa der IHK, der "
              "Handwerkskammer, einer Steuerberatung oder einer Gründungsberatung,</li>"
              "<li>der Nachweis Ihrer Kenntnisse und Fähigkeiten.</li></ul>"),
            INFO("warning", "Erst beantragen, dann gründen",
                 "<p>Der Antrag muss gestellt sein, <b>bevor</b> Sie die Selbstständigkeit aufnehmen. "
                 "Wer zu früh gründet, verliert den Anspruch.</p>"),
            H("Höhe und Dauer"),
            P("<p>In der ersten Phase gibt es sechs Monate lang einen Zuschuss in Höhe des bisherigen "
              "Arbeitslosengeldes plus 300 Euro monatlich für die soziale Absicherung. In der zweiten Phase "
              "können weitere neun Monate je 300 Euro gezahlt werden, wenn Sie Ihre Geschäftstätigkeit "
              "nachweisen.</p>"),
            FAQ([
                ("Was gehört in den Businessplan?",
                 "<p>Geschäftsidee, Zielgruppe, Wettbewerb, Preise, Umsatz- und Kostenplanung für drei Jahre "
                 "sowie Ihr Lebensunterhalt. Eine realistische Planung überzeugt mehr als eine optimistische.</p>"),
                ("Muss ich den Zuschuss versteuern?",
                 "<p>Nein, der Gründungszuschuss ist steuerfrei und unterliegt auch nicht dem Progressionsvorbehalt.</p>"),
            ]),
        ],
    },
    {
        "slug": "kleinunternehmerregelung",
        "title": "Kleinunternehmerregelung: ohne Umsatzsteuer starten",
        "topics": ["honorare-preise", "recht-vertraege"],
        "date": datetime.date(2025, 9, 22),
        "teaser": "Seit 2025 gelten neue Umsatzgrenzen: 25.000 Euro im Vorjahr, 100.000 Euro im laufenden Jahr. "
                  "Was die Regelung bringt und wann sie sich nicht lohnt.",
        "body": [
            P("<p>Wer wenig Umsatz macht, kann nach § 19 Umsatzsteuergesetz auf die Berechnung von "
              "Umsatzsteuer verzichten. Das spart Aufwand und macht Angebote für Privatkundschaft günstiger.</p>"),
            H("Die Grenzen seit 2025"),
            P("<ul><li>Der Umsatz im <b>Vorjahr</b> lag bei höchstens 25.000 Euro (netto) und</li>"
              "<li>der Umsatz im <b>laufenden Jahr</b> übersteigt 100.000 Euro nicht.</li></ul>"
              "<p>Wird die Grenze von 100.000 Euro im laufenden Jahr überschritten, endet die Regelung "
              "sofort – schon für den Umsatz, mit dem die Grenze überschritten wird.</p>"),
            INFO("info", "Pflichtangabe auf Rechnungen",
                 "<p>Weisen Sie keine Umsatzsteuer aus und vermerken Sie zum Beispiel: "
                 "„Gemäß § 19 UStG wird keine Umsatzsteuer berechnet.“</p>"),
            H("Vor- und Nachteile"),
            P("<p>Vorteil: keine Umsatzsteuer-Voranmeldungen, einfachere Buchhaltung, günstigere Preise für "
              "Privatpersonen. Nachteil: Sie können keine Vorsteuer aus Einkäufen zurückholen. Wer viel "
              "investiert oder vor allem für Unternehmen arbeitet, fährt mit der Regelbesteuerung oft besser. "
              "Der Verzicht auf die Kleinunternehmerregelung bindet Sie für fünf Jahre.</p>"),
            FAQ([
                ("Muss ich als Kleinunternehmerin E-Rechnungen ausstellen?",
                 "<p>Nein, Kleinunternehmer sind von der Pflicht zur Ausstellung befreit. Empfangen können "
                 "müssen Sie E-Rechnungen seit dem 1. Januar 2025 aber trotzdem.</p>"),
                ("Muss ich trotzdem eine Steuererklärung abgeben?",
                 "<p>Ja: Einkommensteuererklärung mit Einnahmenüberschussrechnung; je nach Tätigkeit auch "
                 "eine Gewerbesteuererklärung.</p>"),
            ]),
        ],
    },
    {
        "slug": "e-rechnung-ab-2025",
        "title": "E-Rechnung ab 2025: Was Solo-Selbstständige tun müssen",
        "topics": ["digitalisierung-ki", "honorare-preise"],
        "date": datetime.date(2025, 10, 15),
        "teaser": "Seit Januar 2025 müssen alle Unternehmen E-Rechnungen empfangen können, ab 2027 bzw. 2028 "
                  "auch ausstellen. Ein Fahrplan in vier Schritten.",
        "body": [
            P("<p>Eine E-Rechnung ist eine Rechnung in einem strukturierten, maschinenlesbaren Format "
              "nach der europäischen Norm EN 16931 – etwa <b>XRechnung</b> oder <b>ZUGFeRD</b> (ab Version 2.0.1). "
              "Ein einfaches PDF gilt nicht mehr als E-Rechnung, sondern als „sonstige Rechnung“.</p>"),
            H("Die Fristen"),
            P("<ul><li><b>Seit 1. Januar 2025:</b> Alle Unternehmen – auch Kleinunternehmer – müssen "
              "E-Rechnungen von anderen Unternehmen empfangen und verarbeiten können. Ein E-Mail-Postfach "
              "genügt dafür.</li>"
              "<li><b>Bis Ende 2026:</b> Papier- und PDF-Rechnungen dürfen weiter ausgestellt werden "
              "(PDF mit Zustimmung der Empfänger).</li>"
              "<li><b>Bis Ende 2027:</b> gilt diese Übergangsfrist weiter für Unternehmen mit höchstens "
              "800.000 Euro Vorjahresumsatz.</li>"
              "<li><b>Ab 2028:</b> Rechnungen an andere Unternehmen im Inland müssen E-Rechnungen sein.</li></ul>"),
            INFO("tip", "Ausnahmen",
                 "<p>Rechnungen an Privatpersonen, Kleinbetragsrechnungen bis 250 Euro und Rechnungen von "
                 "Kleinunternehmern sind von der Pflicht ausgenommen.</p>"),
            H("Vier Schritte für Ihr Büro"),
            P("<ol><li>Legen Sie ein eigenes E-Mail-Postfach für Rechnungen an.</li>"
              "<li>Prüfen Sie, ob Ihre Buchhaltungs- oder Rechnungssoftware XRechnung und ZUGFeRD "
              "lesen und erstellen kann.</li>"
              "<li>Archivieren Sie E-Rechnungen im Originalformat (die XML-Datei), unveränderbar und acht "
              "Jahre lang.</li>"
              "<li>Fragen Sie Ihre Geschäftskundschaft, ab wann sie E-Rechnungen erwartet.</li></ol>"),
            FAQ([
                ("Kann ich XRechnungen ohne Software lesen?",
                 "<p>Die XML-Datei ist für Menschen schwer lesbar. Kostenlose Viewer, etwa der "
                 "Behörden, oder Ihre Buchhaltungssoftware zeigen sie lesbar an.</p>"),
                ("Ist eine ZUGFeRD-Rechnung auch ein PDF?",
                 "<p>Ja, ein hybrides: Das PDF enthält die strukturierten Daten als eingebettete XML-Datei. "
                 "Maßgeblich sind die XML-Daten.</p>"),
            ]),
        ],
    },
    {
        "slug": "ki-tools-rechtssicher-nutzen",
        "title": "KI-Tools rechtssicher nutzen: Datenschutz, Urheberrecht, KI-Verordnung",
        "topics": ["digitalisierung-ki", "recht-vertraege"],
        "date": datetime.date(2026, 6, 2),
        "teaser": "Texte, Bilder und Code mit KI zu erstellen spart Zeit – wirft aber Fragen auf: Welche Daten "
                  "darf ich eingeben? Wem gehört das Ergebnis? Was verlangt die KI-Verordnung?",
        "body": [
            P("<p>Generative KI ist für viele Selbstständige Alltag geworden. Damit sie nicht zum Risiko wird, "
              "helfen ein paar Regeln.</p>"),
            H("Datenschutz: keine Kundendaten ohne Vertrag"),
            P("<p>Personenbezogene Daten Ihrer Kundschaft (Namen, E-Mails, Gesundheits- oder Finanzdaten) "
              "gehören nicht in frei zugängliche KI-Dienste. Wer solche Daten verarbeiten will, braucht "
              "einen Anbieter, der einen <b>Auftragsverarbeitungsvertrag</b> nach Art. 28 DSGVO anbietet, "
              "und sollte die Speicherung der Eingaben für Trainingszwecke abschalten. "
              "Betriebs- und Geschäftsgeheimnisse Ihrer Auftraggeber sind oft zusätzlich vertraglich geschützt.</p>"),
            H("Urheberrecht: Wem gehört das Ergebnis?"),
            P("<p>Urheberrechtlich geschützt sind nach deutschem Recht nur persönliche geistige Schöpfungen "
              "von Menschen. Rein maschinell erzeugte Texte oder Bilder sind deshalb in der Regel nicht "
              "geschützt. Das ist wichtig, wenn Sie Kundinnen und Kunden Nutzungsrechte einräumen: "
              "Vereinbaren Sie offen, ob und wie KI eingesetzt wird. Prüfen Sie außerdem, ob die "
              "Ergebnisse fremde Werke oder Marken wiedergeben.</p>"),
            H("KI-Verordnung der EU"),
            P("<p>Seit Februar 2025 verlangt die KI-Verordnung (AI Act) von allen, die KI-Systeme beruflich "
              "einsetzen, ausreichende <b>KI-Kompetenz</b> – auch von Selbstständigen. Ab August 2026 "
              "gelten Transparenzpflichten, etwa für die Kennzeichnung von Deepfakes.</p>"),
            INFO("tip", "Checkliste",
                 "<ul><li>Nutzungsbedingungen des Tools gelesen (gewerbliche Nutzung erlaubt?)</li>"
                 "<li>Keine personenbezogenen oder vertraulichen Daten ohne Vertrag eingegeben</li>"
                 "<li>Ergebnisse fachlich geprüft – KI erfindet auch Fakten</li>"
                 "<li>KI-Einsatz mit der Kundschaft abgesprochen</li></ul>"),
            FAQ([
                ("Muss ich KI-generierte Texte kennzeichnen?",
                 "<p>Eine allgemeine Pflicht gibt es nicht. Ab August 2026 müssen aber unter anderem Deepfakes "
                 "und KI-Texte, die die Öffentlichkeit über Angelegenheiten von öffentlichem Interesse "
                 "informieren, gekennzeichnet werden, wenn sie nicht redaktionell geprüft wurden. "
                 "Vertraglich kann mehr vereinbart sein.</p>"),
            ]),
        ],
    },
    {
        "slug": "weiterbildung-foerdern",
        "title": "Weiterbildung fördern lassen: Aufstiegs-BAföG und Programme der Länder",
        "topics": ["weiterbildung"],
        "date": datetime.date(2026, 2, 25),
        "teaser": "Weiterbildung kostet Zeit und Geld. Welche Förderungen Selbstständige nutzen können – "
                  "und warum die frühere Bildungsprämie nicht mehr hilft.",
        "body": [
            P("<p>Wer selbstständig ist, hat keinen Arbeitgeber, der Weiterbildung bezahlt. Es gibt aber "
              "Förderprogramme – und die Kosten sind in der Regel Betriebsausgaben.</p>"),
            H("Aufstiegs-BAföG"),
            P("<p>Das Aufstiegs-BAföG (Aufstiegsfortbildungsförderungsgesetz) fördert Fortbildungen zu "
              "Meisterin, Fachwirt, Techniker, Erzieherin und vielen weiteren Abschlüssen – unabhängig "
              "vom Alter und auch, wenn Sie schon selbstständig sind.</p><ul>"
              "<li>Lehrgangs- und Prüfungsgebühren werden bis zu 15.000 Euro gefördert, die Hälfte als "
              "Zuschuss, der Rest als zinsgünstiges KfW-Darlehen.</li>"
              "<li>Nach bestandener Prüfung wird die Hälfte des Restdarlehens erlassen.</li>"
              "<li>Wer nach der Fortbildung ein Unternehmen gründet oder übernimmt, kann sich das "
              "restliche Darlehen für Lehrgangs- und Prüfungskosten vollständig erlassen lassen.</li>"
              "<li>Bei Vollzeitfortbildungen gibt es zusätzlich einen Unterhaltsbeitrag.</li></ul>"),
            INFO("info", "Bildungsprämie ausgelaufen",
                 "<p>Die Bildungsprämie des Bundes mit ihrem Prämiengutschein gibt es seit Ende 2021 nicht "
                 "mehr. Einige Länder haben eigene Programme.</p>"),
            H("Programme der Länder"),
            P("<p>Viele Bundesländer fördern berufliche Weiterbildung mit Gutscheinen oder Zuschüssen, "
              "zum Beispiel den Bildungsscheck in Nordrhein-Westfalen oder den Qualifizierungsscheck in "
              "Hessen. Bedingungen und Budgets ändern sich häufig; die Zukunftszentren kennen die "
              "aktuellen Angebote in Ihrer Region.</p>"),
            H("Steuern"),
            P("<p>Kurse, Fachliteratur, Fahrt- und Übernachtungskosten für die berufliche Fortbildung "
              "sind Betriebsausgaben und mindern Ihren Gewinn.</p>"),
            FAQ([
                ("Gilt das Aufstiegs-BAföG auch für Online-Kurse?",
                 "<p>Ja, wenn die Fortbildung auf einen anerkannten Fortbildungsabschluss vorbereitet und "
                 "die Mindeststundenzahl erreicht. Reine Selbstlernkurse ohne Präsenz- oder "
                 "Lehranteile sind nicht förderfähig.</p>"),
            ]),
        ],
    },
    {
        "slug": "agb-und-vertraege",
        "title": "AGB und Verträge: Was in einen guten Auftrag gehört",
        "topics": ["recht-vertraege"],
        "date": datetime.date(2026, 7, 7),
        "teaser": "Ein schriftlicher Vertrag verhindert die meisten Streitigkeiten. Die wichtigsten Punkte – "
                  "und was Sie in AGB regeln dürfen und was nicht.",
        "body": [
            P("<p>Verträge kommen auch mündlich oder per E-Mail zustande. Im Streit zählt aber, was Sie "
              "beweisen können. Halten Sie deshalb jeden Auftrag in Textform fest – ein bestätigtes Angebot "
              "genügt oft.</p>"),
            H("Das gehört in jeden Vertrag"),
            P("<ul><li><b>Leistungsbeschreibung:</b> Was genau liefern Sie, was nicht? Wie viele Korrekturschleifen?</li>"
              "<li><b>Vertragsart:</b> Schulden Sie einen Erfolg (Werkvertrag, mit Abnahme) oder eine "
              "Tätigkeit (Dienstvertrag)?</li>"
              "<li><b>Vergütung und Zahlungsziel:</b> Honorar, Abschläge, Fälligkeit, Reisekosten.</li>"
              "<li><b>Nutzungsrechte:</b> Welche Rechte übertragen Sie, für welche Zwecke, wie lange, ab wann "
              "(oft erst nach vollständiger Zahlung)?</li>"
              "<li><b>Haftung:</b> Begrenzung auf vorhersehbare Schäden oder eine Höchstsumme.</li>"
              "<li><b>Kündigung und Stornierung:</b> Was gilt, wenn der Auftrag abgebrochen wird?</li></ul>"),
            H("AGB: Grenzen beachten"),
            P("<p>Allgemeine Geschäftsbedingungen sind vorformulierte Klauseln für viele Verträge. "
              "Sie gelten nur, wenn Sie vor Vertragsschluss auf sie hinweisen und die andere Seite sie "
              "zur Kenntnis nehmen kann. Das Gesetz (§§ 305 ff. BGB) setzt Grenzen: Die Haftung für "
              "Vorsatz, grobe Fahrlässigkeit und Verletzungen von Leben, Körper oder Gesundheit lässt "
              "sich nicht ausschließen. Überraschende oder unklare Klauseln sind unwirksam.</p>"),
            INFO("warning", "Verträge mit Privatpersonen",
                 "<p>Schließen Sie Verträge mit Verbraucherinnen und Verbrauchern außerhalb Ihrer Geschäftsräume "
                 "oder online, haben diese meist ein 14-tägiges Widerrufsrecht. Ohne korrekte Belehrung "
                 "verlängert sich die Frist auf bis zu ein Jahr und 14 Tage.</p>"),
            FAQ([
                ("Darf ich die AGB meiner Auftraggeber ablehnen?",
                 "<p>Ja. Sie können widersprechen und eigene Bedingungen vorschlagen. Kritisch sind vor allem "
                 "unbegrenzte Rechteübertragungen und Haftungsklauseln – verhandeln lohnt sich.</p>"),
                ("Wo finde ich Musterverträge?",
                 "<p>Berufsverbände und Gewerkschaften stellen für viele Branchen Musterverträge bereit. "
                 "Passen Sie sie an Ihren Auftrag an.</p>"),
            ]),
        ],
    },
    {
        "slug": "zahlungsverzug-und-mahnwesen",
        "title": "Zahlungsverzug und Mahnwesen: So kommen Sie an Ihr Geld",
        "topics": ["recht-vertraege", "honorare-preise"],
        "date": datetime.date(2026, 8, 18),
        "teaser": "Offene Rechnungen gefährden die Liquidität. Wann Kundschaft in Verzug ist, welche Zinsen und "
                  "Pauschalen Sie verlangen dürfen und wie das gerichtliche Mahnverfahren funktioniert.",
        "body": [
            P("<p>Für Solo-Selbstständige kann schon eine ausbleibende Zahlung zum Engpass werden. "
              "Das Gesetz gibt Ihnen aber klare Werkzeuge.</p>"),
            H("Wann tritt Verzug ein?"),
            P("<ul><li>Mit einer Mahnung nach Fälligkeit,</li>"
              "<li>ohne Mahnung, wenn ein Zahlungstermin nach Kalender vereinbart war („zahlbar bis 15. März“),</li>"
              "<li>spätestens 30 Tage nach Fälligkeit und Zugang der Rechnung (§ 286 Abs. 3 BGB). "
              "Bei Privatpersonen gilt das nur, wenn die Rechnung darauf hinweist.</li></ul>"),
            H("Was Sie verlangen dürfen"),
            P("<ul><li><b>Verzugszinsen:</b> bei Unternehmen 9 Prozentpunkte, bei Privatpersonen "
              "5 Prozentpunkte über dem Basiszinssatz.</li>"
              "<li><b>Verzugspauschale:</b> 40 Euro gegenüber Unternehmen (§ 288 Abs. 5 BGB).</li>"
              "<li>Ersatz weiterer Kosten, etwa für Anwalt oder Inkasso, in angemessenem Rahmen.</li></ul>"),
            INFO("tip", "Vorbeugen",
                 "<p>Vereinbaren Sie Abschlagszahlungen bei größeren Aufträgen, nennen Sie auf jeder Rechnung "
                 "ein konkretes Zahlungsdatum und schreiben Sie Rechnungen sofort nach Lieferung.</p>"),
            H("Das gerichtliche Mahnverfahren"),
            P("<p>Zahlt die Kundschaft trotz Mahnung nicht, können Sie online beim zentralen Mahngericht "
              "Ihres Bundeslandes einen Mahnbescheid beantragen – ohne Anwalt und mit geringen Gebühren. "
              "Widerspricht der Schuldner nicht, erhalten Sie einen Vollstreckungsbescheid und können "
              "vollstrecken lassen.</p>"),
            FAQ([
                ("Wie viele Mahnungen muss ich schreiben?",
                 "<p>Rechtlich genügt eine Mahnung. Eine freundliche Zahlungserinnerung vorab ist "
                 "üblich und erhält die Kundenbeziehung.</p>"),
                ("Wann verjähren meine Forderungen?",
                 "<p>In der Regel nach drei Jahren, gerechnet ab dem Ende des Jahres, in dem die Forderung "
                 "entstanden ist. Ein Mahnbescheid hemmt die Verjährung.</p>"),
            ]),
        ],
    },
    {
        "slug": "berufshaftpflicht-fuer-selbststaendige",
        "title": "Berufshaftpflicht: Welche Versicherungen Selbstständige brauchen",
        "topics": ["soziale-absicherung", "recht-vertraege"],
        "date": datetime.date(2026, 9, 9),
        "teaser": "Ein Fehler im Auftrag kann teuer werden. Welche Haftpflichtversicherung zu welchem Beruf "
                  "passt und welche Versicherungen wirklich wichtig sind.",
        "body": [
            P("<p>Als Selbstständige haften Sie für Schäden, die Sie Kundinnen, Kunden oder Dritten bei "
              "der Arbeit zufügen – grundsätzlich unbegrenzt mit Ihrem Privatvermögen.</p>"),
            H("Die wichtigsten Arten"),
            P("<ul><li><b>Betriebshaftpflicht:</b> für Personen- und Sachschäden, etwa wenn bei einem "
              "Kundentermin etwas zu Bruch geht.</li>"
              "<li><b>Vermögensschadenhaftpflicht:</b> für reine Vermögensschäden durch Beratungs- oder "
              "Planungsfehler – wichtig in Beratung, IT, Text und Übersetzung.</li>"
              "<li><b>Berufshaftpflicht:</b> kombiniert oft beides und ist für manche Berufe Pflicht, "
              "etwa für Architektinnen oder Steuerberater.</li></ul>"),
            INFO("info", "Reihenfolge der Wichtigkeit",
                 "<p>Zuerst existenzielle Risiken absichern: Krankenversicherung, Haftpflicht, "
                 "Berufsunfähigkeit. Inventar- oder Rechtsschutzversicherungen sind je nach Beruf sinnvoll, "
                 "aber zweitrangig.</p>"),
            FAQ([
                ("Reicht meine private Haftpflichtversicherung?",
                 "<p>Nein. Private Haftpflichtversicherungen schließen berufliche Tätigkeiten in aller Regel aus.</p>"),
            ]),
        ],
    },
]

NEWS = [
    {
        "slug": "plattform-gestartet",
        "title": "Das Haus der Selbstständigen startet seine Online-Plattform",
        "topics": ["digitalisierung-ki"],
        "date": datetime.date(2026, 10, 1),
        "teaser": "Ratgeber, Beratungsfinder, Forum und Kampagnen an einem Ort: Die neue Plattform bündelt "
                  "Angebote für Solo-Selbstständige. (Demo-Meldung)",
        "body": [
            P("<p>Mit der neuen Plattform finden Solo-Selbstständige verständliche Ratgeber-Artikel, "
              "eine Beratungsstelle in ihrer Region, ein Forum zum Austausch mit anderen und Kampagnen "
              "für bessere Arbeitsbedingungen.</p>"),
            INFO("info", "Demo-Inhalt",
                 "<p>Diese Meldung ist Teil der Demo-Inhalte und beschreibt keine reale Veranstaltung.</p>"),
            P("<p>Die Plattform ist barrierearm gestaltet und funktioniert auch ohne JavaScript. "
              "Rückmeldungen nimmt die Redaktion gern über das Forum entgegen.</p>"),
        ],
    },
    {
        "slug": "neue-grenzen-kleinunternehmerregelung",
        "title": "Kleinunternehmerregelung: höhere Umsatzgrenzen seit 2025",
        "topics": ["honorare-preise"],
        "date": datetime.date(2025, 1, 15),
        "teaser": "Seit dem 1. Januar 2025 liegen die Grenzen bei 25.000 Euro Vorjahresumsatz und 100.000 Euro "
                  "im laufenden Jahr. Was sich sonst geändert hat.",
        "body": [
            P("<p>Mit dem Jahressteuergesetz 2024 wurde die Kleinunternehmerregelung neu gefasst. "
              "Die Vorjahresgrenze stieg von 22.000 auf 25.000 Euro, die Grenze für das laufende Jahr "
              "von 50.000 auf 100.000 Euro. Neu ist, dass die Regelung sofort endet, wenn im laufenden "
              "Jahr 100.000 Euro überschritten werden.</p>"),
            P("<p>Außerdem können Kleinunternehmer die Regelung seit 2025 unter bestimmten Voraussetzungen "
              "auch in anderen EU-Staaten nutzen. Alle Details lesen Sie in unserem Ratgeber zur "
              "Kleinunternehmerregelung.</p>"),
        ],
    },
]


# --- legal pages ---------------------------------------------------------------------------

LEGAL_PAGES = [
    {
        "slug": "impressum",
        "title": "Impressum",
        "intro": "<p>Angaben gemäß § 5 Digitale-Dienste-Gesetz (DDG).</p>",
        "body": [
            INFO("warning", "Demodaten",
                 "<p>Diese Angaben sind für die Demo-Installation erfunden. Vor dem Betrieb durch die "
                 "tatsächlichen Angaben des Trägers ersetzen.</p>"),
            H("Anbieter"),
            P("<p>Haus der Selbstständigen (Demo)<br/>Musterstraße 1<br/>04109 Leipzig</p>"
              "<p>Telefon: 0341 0000000 (Demo)<br/>E-Mail: kontakt@example.org</p>"),
            H("Vertreten durch"),
            P("<p>Die Projektleitung (Demo-Angabe).</p>"),
            H("Förderung"),
            P("<p>Das Haus der Selbstständigen ist Teil des ESF-Plus-Programms „Zukunftszentren“ und wird "
              "gefördert durch das Bundesministerium für Arbeit und Soziales und die Europäische Union.</p>"),
            H("Verantwortlich für den Inhalt"),
            P("<p>Die Redaktion des Hauses der Selbstständigen, Anschrift wie oben.</p>"),
            H("Haftung für Links"),
            P("<p>Für Inhalte verlinkter externer Seiten sind deren Betreiber verantwortlich. "
              "Bei Bekanntwerden von Rechtsverletzungen entfernen wir die Links umgehend.</p>"),
        ],
    },
    {
        "slug": "datenschutz",
        "title": "Datenschutzerklärung",
        "intro": "<p>Wir verarbeiten personenbezogene Daten nur, soweit es für den Betrieb dieser Plattform "
                 "nötig ist. Hier erfahren Sie, welche Daten das sind und welche Rechte Sie haben.</p>",
        "body": [
            H("Verantwortliche Stelle"),
            P("<p>Verantwortlich im Sinne der Datenschutz-Grundverordnung (DSGVO) ist der im Impressum "
              "genannte Anbieter (Demo-Angaben).</p>"),
            H("Besuch der Website"),
            P("<p>Beim Aufruf einer Seite verarbeitet der Server technisch notwendige Daten (IP-Adresse, "
              "Zeitpunkt, aufgerufene Adresse) zur Auslieferung und zur Abwehr von Angriffen "
              "(Art. 6 Abs. 1 lit. f DSGVO). Wir setzen keine Tracking- oder Werbe-Cookies ein. "
              "Technisch notwendige Cookies speichern Ihre Anmeldung, Ihre Sprachwahl und den Schutz "
              "vor gefälschten Formularen.</p>"),
            H("Mitgliedskonto"),
            P("<p>Für ein Konto speichern wir Ihre E-Mail-Adresse, Ihren Anzeigenamen und die Angaben, "
              "die Sie freiwillig in Ihrem Profil machen (Art. 6 Abs. 1 lit. b DSGVO). Sie können alle "
              "Ihre Daten jederzeit unter „Mein Konto“ als Datei herunterladen und Ihr Konto selbst löschen. "
              "Beiträge im Forum bleiben nach der Löschung erhalten und werden „gelöschtes Mitglied“ "
              "zugeordnet.</p>"),
            H("Petitionen und Kampagnen"),
            P("<p>Wenn Sie eine Petition unterzeichnen, speichern wir Name, E-Mail-Adresse und Postleitzahl, "
              "um die Unterschrift zu bestätigen und zu zählen. Wie lange die Daten gespeichert werden und "
              "an wen sie übergeben werden, steht auf der jeweiligen Kampagnenseite.</p>"),
            H("Ihre Rechte"),
            P("<p>Sie haben das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der Verarbeitung, "
              "Datenübertragbarkeit und Widerspruch sowie das Recht, sich bei einer Datenschutz-"
              "Aufsichtsbehörde zu beschweren.</p>"),
        ],
    },
    {
        "slug": "barrierefreiheit",
        "title": "Erklärung zur Barrierefreiheit",
        "intro": "<p>Das Haus der Selbstständigen ist bemüht, seine Website im Einklang mit dem "
                 "Behindertengleichstellungsgesetz (BGG) und der Barrierefreie-Informationstechnik-Verordnung "
                 "(BITV 2.0) barrierefrei zugänglich zu machen.</p>",
        "body": [
            H("Stand der Vereinbarkeit mit den Anforderungen"),
            P("<p>Diese Website ist weitgehend mit der BITV 2.0 vereinbar. Sie wurde nach den "
              "Web Content Accessibility Guidelines (WCAG) 2.1, Stufe AA, entwickelt und mit "
              "automatischen Prüfwerkzeugen sowie manuell mit Tastatur und Screenreader getestet.</p>"),
            H("Nicht barrierefreie Inhalte"),
            P("<ul><li>Eingebettete Videos externer Plattformen haben nicht immer Untertitel.</li>"
              "<li>Einige ältere PDF-Dokumente sind noch nicht vollständig barrierefrei.</li></ul>"
              "<p>Wir arbeiten daran, diese Barrieren zu beseitigen. (Demo-Angaben)</p>"),
            H("Erstellung dieser Erklärung"),
            P("<p>Diese Erklärung wurde auf Grundlage einer Selbstbewertung erstellt (Demo-Angabe).</p>"),
            H("Barrieren melden: Kontakt zu den Feedback-Ansprechpartnern"),
            P("<p>Sie sind auf eine Barriere gestoßen? Schreiben Sie uns an "
              "<a href=\"mailto:barrierefreiheit@example.org\">barrierefreiheit@example.org</a> (Demo-Adresse). "
              "Wir antworten innerhalb von zwei Wochen.</p>"),
            H("Schlichtungsverfahren"),
            P("<p>Wenn auch nach Ihrem Feedback keine zufriedenstellende Lösung gefunden wurde, können Sie "
              "sich an die Schlichtungsstelle nach § 16 BGG wenden. Sie hat die Aufgabe, bei Konflikten "
              "zwischen Menschen mit Behinderungen und öffentlichen Stellen des Bundes eine "
              "außergerichtliche Streitbeilegung zu unterstützen. Das Schlichtungsverfahren ist kostenlos.</p>"),
        ],
    },
    {
        "slug": "leichte-sprache",
        "title": "Leichte Sprache",
        "intro": "<p>Hier erklären wir in Leichter Sprache: Was ist das Haus der Selbstständigen?</p>",
        "body": [
            H("Wer sind wir?"),
            P("<p>Wir sind das Haus der Selbstständigen.</p>"
              "<p>Selbstständig heißt:<br/>Sie arbeiten für sich selbst.<br/>Sie haben keinen Chef.</p>"
              "<p>Wir helfen Menschen, die selbstständig sind.</p>"),
            H("Was gibt es auf dieser Internet-Seite?"),
            P("<ul><li>Texte mit Tipps.<br/>Zum Beispiel: Wie viel Geld soll ich für meine Arbeit verlangen?</li>"
              "<li>Eine Liste mit Beratungs-Stellen.<br/>Dort können Sie Fragen stellen.<br/>"
              "Die Beratung kostet nichts.</li>"
              "<li>Ein Forum.<br/>Dort können Sie mit anderen Menschen schreiben.</li>"
              "<li>Kampagnen.<br/>Dort können Sie mit anderen zusammen etwas fordern.</li></ul>"),
            H("Wie finde ich eine Beratungs-Stelle?"),
            P("<p>Klicken Sie oben auf: <b>Beratung finden</b>.<br/>"
              "Schreiben Sie Ihre Post-Leit-Zahl in das Feld.<br/>"
              "Die Post-Leit-Zahl hat 5 Zahlen.<br/>Dann sehen Sie Beratungs-Stellen in Ihrer Nähe.</p>"),
        ],
    },
]


# --- advice centres -------------------------------------------------------------------------

# One regional centre per region; addresses, phone numbers and e-mails are invented (demo data).
REGIONAL_CENTRES = [
    ("Zukunftszentrum Baden-Württemberg", ["DE-BW"], "Stuttgart", "70173", "Königstraße 10", "0711"),
    ("Zukunftszentrum Bayern", ["DE-BY"], "München", "80331", "Sendlinger Straße 20", "089"),
    ("Zukunftszentrum Berlin-Brandenburg", ["DE-BE", "DE-BB"], "Berlin", "10117", "Friedrichstraße 100", "030"),
    ("Zukunftszentrum Hessen", ["DE-HE"], "Frankfurt am Main", "60311", "Zeil 5", "069"),
    ("Zukunftszentrum Mecklenburg-Vorpommern", ["DE-MV"], "Rostock", "18055", "Kröpeliner Straße 30", "0381"),
    ("Zukunftszentrum Niedersachsen-Bremen", ["DE-NI", "DE-HB"], "Hannover", "30159", "Georgstraße 12", "0511"),
    ("Zukunftszentrum Nord", ["DE-HH", "DE-SH"], "Hamburg", "20095", "Mönckebergstraße 7", "040"),
    ("Zukunftszentrum Nordrhein-Westfalen", ["DE-NW"], "Dortmund", "44137", "Westenhellweg 40", "0231"),
    ("Zukunftszentrum Rheinland-Pfalz-Saarland", ["DE-RP", "DE-SL"], "Mainz", "55116", "Große Bleiche 15", "06131"),
    ("Zukunftszentrum Sachsen", ["DE-SN"], "Dresden", "01067", "Wilsdruffer Straße 8", "0351"),
    ("Zukunftszentrum Sachsen-Anhalt", ["DE-ST"], "Magdeburg", "39104", "Breiter Weg 50", "0391"),
    ("Zukunftszentrum Thüringen", ["DE-TH"], "Erfurt", "99084", "Anger 22", "0361"),
]


def _topic_map(home) -> dict[str, TopicPage]:
    return {t.slug: t for t in TopicPage.objects.child_of(home)}


@transaction.atomic
def seed(stdout) -> None:
    home, created = services.ensure_home_page(
        title="Haus der Selbstständigen",
        intro="<p>Beratung, Austausch und gemeinsame Interessenvertretung für Solo-Selbstständige: "
              "verständliche Ratgeber, kostenfreie Beratung in Ihrer Region, ein Forum und Kampagnen "
              "für faire Arbeitsbedingungen.</p>",
    )
    stdout.write(f"  home page {'created' if created else 'exists'}: {home.title}")

    for data in TOPICS:
        services.upsert_child_page(
            parent=home, page_class=TopicPage, slug=data["slug"], title=data["title"],
            intro=data["intro"], icon=data["icon"], colour=data["colour"],
        )
    topics = _topic_map(home)

    index, _ = services.upsert_child_page(
        parent=home, page_class=ArticleIndexPage, slug="ratgeber", title="Ratgeber",
        intro="<p>Praxiswissen für Solo-Selbstständige: Absicherung, Honorare, Digitalisierung, "
              "Weiterbildung und Recht – geprüft von unserer Redaktion.</p>",
    )
    n_articles = 0
    for kind, items in ((ArticlePage.KIND_ADVICE, ARTICLES), (ArticlePage.KIND_NEWS, NEWS)):
        for data in items:
            _, made = services.upsert_child_page(
                parent=index, page_class=ArticlePage, slug=data["slug"], title=data["title"],
                kind=kind, teaser=data["teaser"], body=data["body"], author_name=AUTHOR,
                publication_date=data["date"],
                last_reviewed=datetime.date(2026, 10, 15) if kind == ArticlePage.KIND_ADVICE else None,
                topics=[topics[slug] for slug in data["topics"]],
            )
            n_articles += made
    stdout.write(f"  articles created: {n_articles}")

    for data in LEGAL_PAGES:
        services.upsert_child_page(
            parent=home, page_class=StandardPage, slug=data["slug"], title=data["title"],
            intro=data["intro"], body=data["body"], show_in_footer=True,
        )

    all_topics = list(topics.values())
    for name, lands, city, plz, street, area in REGIONAL_CENTRES:
        region = name.removeprefix("Zukunftszentrum ")
        services.upsert_advice_centre(
            name=name,
            kind=AdviceCentre.KIND_REGIONAL,
            bundeslaender=lands,
            topics=[],  # regional centres advise on every topic
            description=f"Das Regionale Zukunftszentrum für {region} berät Beschäftigte, Selbstständige und "
                        "kleine Unternehmen zur digitalen Transformation: kostenfrei, vertraulich, "
                        "vor Ort und online.",
            address=f"{street}\n{plz} {city}",
            phone=f"{area} 000000-0",
            email=f"kontakt@{_mail_slug(region)}.example.org",
            website="",
            is_demo=True,
        )
    services.upsert_advice_centre(
        name="Haus der Selbstständigen",
        kind=AdviceCentre.KIND_HDS,
        nationwide=True,
        topics=all_topics,
        description="Bundesweite Anlaufstelle für Solo-Selbstständige: Beratung zu sozialer Absicherung, "
                    "Honoraren, Recht und Digitalisierung, Vernetzung und gemeinsame Interessenvertretung. "
                    "Beratung telefonisch und online aus allen Bundesländern.",
        address="Musterstraße 1\n04109 Leipzig",
        phone="0341 000000-0",
        email="beratung@example.org",
        website="",
        is_demo=True,
    )
    stdout.write(f"  advice centres: {AdviceCentre.objects.count()}")
    services.ensure_editorial_setup()


def _mail_slug(region: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": "-"})
    return region.lower().translate(table)
