"""German postcodes (PLZ) → Bundesland, from data shipped in the repository.

``bundesland_for_plz("80331") == "DE-BY"``. The mapping lives in
``data/plz_bundesland.csv`` (prefix → ISO 3166-2 code, longest prefix wins);
read that file's header for how it was compiled and where it approximates.
Pure functions, no database: campaigns use it to count signatures per Land.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from django.utils.translation import gettext_lazy as _

DATA_FILE = Path(__file__).resolve().parent / "data" / "plz_bundesland.csv"

#: The 16 Länder: (ISO 3166-2 code, German name), alphabetical by name.
BUNDESLAENDER: list[tuple[str, str]] = [
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
BUNDESLAND_NAMES: dict[str, str] = dict(BUNDESLAENDER)
#: For form fields: choices with (lazily) translatable labels.
BUNDESLAND_CHOICES = [(code, _(name)) for code, name in BUNDESLAENDER]

PLZ_RE = re.compile(r"^\d{5}$")


@lru_cache(maxsize=1)
def _prefixes() -> dict[str, str]:
    mapping: dict[str, str] = {}
    with DATA_FILE.open(encoding="utf-8") as fh:
        rows = (line for line in fh if line.strip() and not line.startswith("#"))
        for row in csv.DictReader(rows):
            prefix, code = row["prefix"].strip(), row["code"].strip()
            if code not in BUNDESLAND_NAMES or not prefix.isdigit() or not 2 <= len(prefix) <= 5:
                raise ValueError(f"bad row in {DATA_FILE.name}: {row}")
            if prefix in mapping:
                raise ValueError(f"duplicate prefix {prefix} in {DATA_FILE.name}")
            mapping[prefix] = code
    return mapping


def normalize_plz(value: str | None) -> str:
    """Strip blanks and a leading "D-" as people type them ("D-80331", " 80331 ")."""
    value = (value or "").strip().upper().replace(" ", "")
    if value.startswith("D-"):
        value = value[2:]
    return value


def is_valid_plz(value: str | None) -> bool:
    """Five digits (after normalisation) – says nothing about whether it exists."""
    return bool(PLZ_RE.match(normalize_plz(value)))


def bundesland_for_plz(plz: str | None) -> str | None:
    """ISO code of the Land a postcode belongs to, or None (malformed or unknown)."""
    plz = normalize_plz(plz)
    if not PLZ_RE.match(plz):
        return None
    mapping = _prefixes()
    for length in (5, 4, 3, 2):
        code = mapping.get(plz[:length])
        if code:
            return code
    return None


def bundesland_name(code: str | None) -> str:
    """German name of a Land code ("DE-BY" → "Bayern"); empty string when unknown."""
    return BUNDESLAND_NAMES.get(code or "", "")
