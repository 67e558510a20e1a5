"""Deterministic forum text shared by our loader and machina's (pure Python, no Django).

Bodies are 2–4 short German paragraphs, 300–900 characters, with a little
Markdown (bold, a list) so both renderers have something to do.
"""

import random

WORDS = (
    "Honorar Rechnung Steuer Krankenkasse Rentenversicherung Auftrag Kunde Vertrag Angebot Stundensatz "
    "Selbstständigkeit Beratung Finanzamt Umsatzsteuer Kleinunternehmer Projekt Akquise Netzwerk Weiterbildung "
    "Digitalisierung Werkzeug Software Datenschutz Impressum Versicherung Haftung Zahlungsziel Mahnung Pauschale "
    "Zeitaufwand Erfahrung Empfehlung Plattform Künstlersozialkasse Scheinselbstständigkeit Statusfeststellung"
).split()
FILL = "und oder aber weil dass wenn bei mit für von nach über ohne auch noch schon sehr gut viel".split()


def _sentence(rng: random.Random) -> str:
    n = rng.randint(6, 14)
    words = [rng.choice(WORDS) if rng.random() < 0.45 else rng.choice(FILL) for _ in range(n)]
    if rng.random() < 0.15:
        i = rng.randrange(n)
        words[i] = f"**{words[i]}**"
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".!?.")


def body(i: int) -> str:
    rng = random.Random(i)
    paras = []
    for _ in range(rng.randint(2, 4)):
        paras.append(" ".join(_sentence(rng) for _ in range(rng.randint(1, 3))))
    if rng.random() < 0.2:
        paras.append("\n".join(f"- {_sentence(rng)}" for _ in range(3)))
    return "\n\n".join(paras)[:900]


def title(i: int) -> str:
    rng = random.Random(10_000_000 + i)
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 6)))[:120] + f" ({i})"
