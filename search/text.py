"""German text pipeline shared by the database backend and the highlighter.

``fold()`` lowercases and folds umlauts, their two-letter spellings and ß the
way the Snowball German stemmer does (ä/ae → a, ö/oe → o, ü/ue → u except after
q or a vowel, ß → ss) and strips other diacritics (é → e). Index text and query
text go through the same function, so "Strasse" meets "Straße" and
"Gruenderzuschuss" meets "Gründerzuschuss" on every backend.

``analyze()`` = fold → split into words → drop German stop words → Snowball
German stem ("Selbstständige" → "selbststand", "Honorare" → "honorar").

Snippets carry two private-use marker characters around matches
(``MARK_START``/``MARK_END``); ``render_snippet()`` escapes everything and only
then turns the markers into ``<mark>`` tags. Both backends produce snippets this
way, so user text can never inject markup into the results page.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

MARK_START = "\ue000"
MARK_END = "\ue001"
_MARKERS = re.compile("[\ue000\ue001]")

_WORD = re.compile(r"\w+", re.UNICODE)
_UE = re.compile(r"(?<![aeiouyq])ue")
_FOLD_TABLE = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "ẞ": "ss"})

# Snowball's German stop-word list (folded), so a question such as
# "Wie hoch ist mein Rentenbeitrag als Selbstständige?" searches for its content words.
_STOP_WORDS_RAW = """
aber alle allem allen aller alles als also am an ander andere anderem anderen anderer anderes anderm andern
anderr anders auch auf aus bei bin bis bist da damit dann das dass dasselbe dazu daß dein deine deinem deinen
deiner deines dem demselben den denn denselben der derer derselbe derselben des desselben dessen dich die dies
diese dieselbe dieselben diesem diesen dieser dieses dir doch dort du durch ein eine einem einen einer eines
einig einige einigem einigen einiger einiges einmal er es etwas euch euer eure eurem euren eurer eures für
gegen gewesen hab habe haben hat hatte hatten hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer
ihres im in indem ins ist jede jedem jeden jeder jedes jene jenem jenen jener jenes jetzt kann kein keine
keinem keinen keiner keines können könnte machen man manche manchem manchen mancher manches mein meine meinem
meinen meiner meines mich mir mit muss musste nach nicht nichts noch nun nur ob oder ohne sehr sein seine
seinem seinen seiner seines selbst sich sie sind so solche solchem solchen solcher solches soll sollte
sondern sonst über um und uns unsere unserem unseren unser unseres unter viel vom von vor während war waren
warst was weg weil weiter welche welchem welchen welcher welches wenn werde werden wie wieder will wir wird
wirst wo wollen wollte würde würden zu zum zur zwar zwischen
"""


def fold(text: str) -> str:
    """Lowercase and fold German spelling variants (see module docstring)."""
    text = (text or "").lower().translate(_FOLD_TABLE)
    text = text.replace("ae", "a").replace("oe", "o")
    text = _UE.sub("u", text)
    # strip remaining diacritics (é → e, ç → c) but keep non-Latin letters
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


STOP_WORDS = frozenset(fold(word) for word in _STOP_WORDS_RAW.split())


@lru_cache(maxsize=50_000)
def _fold_word(word: str) -> str:
    """``fold`` of one word, cached: snippets fold the same words of every hit again and again."""
    return fold(word)


_local = threading.local()


def _stemmer():
    """One stemmer per thread: a stemmer keeps the word in hand as instance state, and Django runs
    concurrent sync views in threads under ASGI (a shared one raised IndexError; found by make soak)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("german")
    return stemmer


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """Stem one folded word."""
    return _stemmer().stemWord(word)


def words(text: str) -> list[str]:
    """Folded words of ``text`` (stop words kept)."""
    return _WORD.findall(fold(text))


def analyze(text: str, *, keep_stop_words: bool = False) -> list[str]:
    """Folded, stemmed words of ``text`` without stop words (the index and query form)."""
    return [stem(w) for w in words(text) if keep_stop_words or w not in STOP_WORDS]


def query_terms(text: str) -> list[str]:
    """Distinct folded query words, stop words dropped (order kept)."""
    seen: dict[str, None] = {}
    for word in words(text):
        if word not in STOP_WORDS and word not in seen:
            seen[word] = None
    return list(seen)


def title_vocabulary(titles) -> list[str]:
    """Distinct lowercase words (longer than three letters, no stop words) of ``titles``."""
    vocab: set[str] = set()
    for title in titles:
        for word in _WORD.findall((title or "").lower()):
            if len(word) > 3 and not word.isdigit() and fold(word) not in STOP_WORDS:
                vocab.add(word)
    return sorted(vocab)


def plain_text(html_or_text: str) -> str:
    """Text of a fragment of HTML (rich text, rendered Markdown), whitespace collapsed.

    Marker characters are removed so indexed text cannot fake a highlight.
    """
    from html import unescape

    text = unescape(strip_tags(html_or_text or ""))
    text = _MARKERS.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def highlight(text: str, query: str, *, size: int = 240, prefix_last: bool = False) -> str:
    """A snippet of ``text`` around the first match, matches wrapped in marker characters.

    Words match when their stem equals a query stem (so "Honorare" highlights
    "Honorar"). The result is plain text with markers; pass it to
    ``render_snippet()`` for HTML.
    """
    text = _MARKERS.sub("", text or "")
    terms = query_terms(query)
    stems = {stem(t) for t in terms}
    last = terms[-1] if (prefix_last and terms) else None

    def matches(word: str) -> bool:
        folded = _fold_word(word)
        if stem(folded) in stems:
            return True
        return bool(last and folded.startswith(last))

    # only the words up to the end of the widest possible window can be marked: stop scanning there
    spans: list[tuple[int, int]] = []
    limit = None
    if stems:
        for m in _WORD.finditer(text):
            if limit is not None and m.start() >= limit:
                break
            if matches(m.group()):
                spans.append((m.start(), m.end()))
                if limit is None:
                    limit = max(0, m.start() - size // 4) + size
    if len(text) <= size:
        start, end = 0, len(text)
    else:
        first = spans[0][0] if spans else 0
        start = max(0, first - size // 4)
        if start:
            # begin at a word boundary
            space = text.find(" ", start)
            start = space + 1 if 0 <= space < first else start
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start else end
    out = []
    pos = start
    for s, e in spans:
        if s < start or e > end:
            continue
        out.append(text[pos:s])
        out.append(MARK_START + text[s:e] + MARK_END)
        pos = e
    out.append(text[pos:end])
    snippet = "".join(out).strip()
    if start > 0:
        snippet = "… " + snippet
    if end < len(text):
        snippet = snippet + " …"
    return snippet


def render_snippet(marked: str) -> SafeString:
    """Escape ``marked`` completely, then turn the marker characters into <mark> tags."""
    escaped = escape(marked or "")
    return mark_safe(escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))  # noqa: S308 — escaped completely first, then only the markers become <mark>
