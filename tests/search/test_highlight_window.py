"""search.text.highlight stops scanning at the end of the snippet window (bench: search hot path).

The result must be exactly what marking every word of the whole text gives:
compared with that reference on generated texts, long and short.
"""

import random

from search import text as textlib

WORDS = ("Honorar Honorare Rechnung Steuer Künstlersozialkasse Kunde Kunden und oder für über Ärger "
         "Selbstständige selbstständig Stundensatz").split()


def reference_highlight(text: str, query: str, *, size: int = 240) -> str:
    """The full-scan version (before the window optimisation), kept here as the oracle."""
    text = textlib._MARKERS.sub("", text or "")
    terms = textlib.query_terms(query)
    stems = {textlib.stem(t) for t in terms}
    spans = [(m.start(), m.end()) for m in textlib._WORD.finditer(text)
             if textlib.stem(textlib.fold(m.group())) in stems] if stems else []
    if len(text) <= size:
        start, end = 0, len(text)
    else:
        first = spans[0][0] if spans else 0
        start = max(0, first - size // 4)
        if start:
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < first else start
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start else end
    out, pos = [], start
    for s, e in spans:
        if s < start or e > end:
            continue
        out += [text[pos:s], textlib.MARK_START + text[s:e] + textlib.MARK_END]
        pos = e
    out.append(text[pos:end])
    snippet = "".join(out).strip()
    if start > 0:
        snippet = "… " + snippet
    if end < len(text):
        snippet += " …"
    return snippet


def test_windowed_highlight_equals_the_full_scan():
    rng = random.Random(7)
    for _ in range(300):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 400)))
        query = " ".join(rng.sample(WORDS, rng.randint(1, 3)))
        size = rng.choice([40, 120, 240])
        assert textlib.highlight(text, query, size=size) == reference_highlight(text, query, size=size)


def test_match_far_into_a_long_text_is_found_and_marked():
    text = "Lorem " * 2000 + "Die Honorare steigen."
    snippet = textlib.highlight(text, "Honorar")
    assert textlib.MARK_START + "Honorare" + textlib.MARK_END in snippet
