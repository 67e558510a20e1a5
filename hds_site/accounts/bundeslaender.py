"""The 16 German Länder as (ISO 3166-2 code, name).

hds_site.content.plz ships the same list as ``BUNDESLAENDER``; it is used when
present so both apps share one source, otherwise this copy (identical codes).
"""

try:  # pragma: no cover - depends on the content app being in place
    from hds_site.content.plz import BUNDESLAENDER as _CONTENT_BUNDESLAENDER
except ImportError:  # pragma: no cover
    _CONTENT_BUNDESLAENDER = None

_OWN = [
    ("DE-BW", "Baden-Württemberg"),
    ("DE-BY", "Bayern"),
    ("DE-BE", "Berlin"),
    ("DE-BB", "Brandenburg"),
    ("DE-HB", "Bremen"),
    ("DE-HH", "Hamburg"),
    ("DE-HE", "Hessen"),
    ("DE-MV", "Mecklenburg-Vorpommern"),
    ("DE-NI", "Niedersachsen"),
    ("DE-NW", "Nordrhein-Westfalen"),
    ("DE-RP", "Rheinland-Pfalz"),
    ("DE-SL", "Saarland"),
    ("DE-SN", "Sachsen"),
    ("DE-ST", "Sachsen-Anhalt"),
    ("DE-SH", "Schleswig-Holstein"),
    ("DE-TH", "Thüringen"),
]

BUNDESLAENDER: list[tuple[str, str]] = [tuple(item) for item in (_CONTENT_BUNDESLAENDER or _OWN)]
