"""What members type, made safe for the places it goes to: Wagtail rich text, and text that leaves the site.

* ``clean_text``: drops NUL and the other control characters (they break
  PostgreSQL text, XML and PDF), unifies line breaks (CRLF, CR, U+2028/9 → LF)
  and drops lone surrogates.
* ``plain_text_to_rich_text``: plain text → rich text that Wagtail's Draftail
  editor can load (``/cms/pages/<id>/edit/``): every character escaped
  (Markdown and HTML stay visible text), paragraphs from blank lines, single
  line breaks as ``<br/>`` inside the paragraph — the self-closed form
  Wagtail's HTML → contentstate converter accepts (``<br>`` from
  ``django.utils.html.linebreaks`` leaves an open tag behind and the editor
  answers 500: "Unmatched tags: expected br, got p").
* ``spreadsheet_safe``: a CSV cell that a spreadsheet would run as a formula
  (starting with ``=``, ``+``, ``-``, ``@``, tab or CR) gets a leading ``'``
  (OWASP "CSV injection").
"""

from __future__ import annotations

import re

from django.utils.html import escape

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_BLANK_LINES = re.compile(r"\n[ \t\u00a0]*\n\s*")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value: str) -> str:
    value = str(value or "").replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _CONTROL.sub("", value)


def plain_text_to_rich_text(value: str) -> str:
    """``"a\\nb\\n\\nc"`` → ``<p>a<br/>b</p><p>c</p>``; empty text → ``""``."""
    paragraphs = []
    for block in _BLANK_LINES.split(clean_text(value).strip()):
        lines = [escape(line.strip()) for line in block.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            paragraphs.append("<p>" + "<br/>".join(lines) + "</p>")
    return "".join(paragraphs)


def spreadsheet_safe(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def spreadsheet_row(row) -> list[str]:
    return [spreadsheet_safe(cell) for cell in row]


class _GuardedWriter:
    """A ``csv.DictWriter`` stand-in that passes every text cell through ``spreadsheet_safe``."""

    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row: dict):
        return self._writer.writerow({key: spreadsheet_safe(v) if isinstance(v, str) else v for key, v in row.items()})

    def __getattr__(self, name):
        return getattr(self._writer, name)


def guard_wagtail_csv_exports() -> None:
    """Wagtail's admin CSV exports (page listings, reports such as the site history, form submissions) write
    cells as they are, and proposals put member-typed titles there; wrap their row writer (Wagtail's XLSX
    export already stores formulas as text). Called once from ``CampaignsConfig.ready``."""
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    original = SpreadsheetExportMixin.write_csv_row
    if getattr(original, "hds_guarded", False):
        return

    def write_csv_row(self, writer, row_dict):
        return original(self, _GuardedWriter(writer), row_dict)

    write_csv_row.hds_guarded = True  # type: ignore[attr-defined]
    SpreadsheetExportMixin.write_csv_row = write_csv_row  # type: ignore[method-assign]
