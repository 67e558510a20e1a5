"""Versioned consent texts for signing.

A signature stores the version it was given under and the moment of consent
(Art. 7(1) GDPR: the controller must be able to prove consent). Never edit a
published text: add a new version and point ``CURRENT_VERSION`` at it, so the
text behind every stored version stays reconstructible.
"""

from django.utils.translation import gettext_lazy as _

CONSENT_TEXTS = {
    "2026-01": _(
        "Ich willige ausdrücklich ein, dass das Haus der Selbstständigen meinen Namen, meine E-Mail-Adresse "
        "und meine Postleitzahl zur Durchführung dieser Kampagne verarbeitet. Meine Unterschrift gibt eine "
        "politische Meinung wieder (besondere Kategorie nach Art. 9 DSGVO). Bei der Übergabe erhält der "
        "Adressat nur Name, Postleitzahl und Region – nie meine E-Mail-Adresse. Ich kann meine Unterschrift "
        "zurückziehen, solange die Kampagne läuft; sechs Monate nach dem Ende werden meine Daten anonymisiert."
    ),
}
CURRENT_VERSION = "2026-01"

UPDATES_TEXT = _(
    "Ja, ich möchte per E-Mail über Neuigkeiten zu dieser Kampagne informiert werden "
    "(freiwillig, jederzeit abbestellbar, unabhängig von der Unterschrift)."
)


def current_text():
    return CONSENT_TEXTS[CURRENT_VERSION]
