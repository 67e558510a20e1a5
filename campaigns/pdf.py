"""Hand-over PDF (pure Python, fpdf2): name, postcode, town. Never email addresses.

The shipped DejaVu Sans (campaigns/fonts, free licence in LICENSE-DejaVu.txt)
covers Latin Extended, Greek and Cyrillic, so names such as "Ağaoğlu" or
"Łukasiewicz" print as written (the PDF core fonts only know Latin-1).
"""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from fpdf import FPDF

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"


def _latin1(text: str) -> str:
    # kept for the caller's interface: text is passed through unchanged now
    return text or ""


def _fit(pdf: FPDF, text: str, width: float, size: float = 10, smallest: float = 7) -> str:
    """Shrink the font (down to ``smallest`` pt), then shorten with "…", so text fits one cell."""
    room = width - 2 * pdf.c_margin
    pdf.set_font_size(size)
    while pdf.get_string_width(text) > room and size > smallest:
        size -= 0.5
        pdf.set_font_size(size)
    if pdf.get_string_width(text) > room:
        while text and pdf.get_string_width(text + "…") > room:
            text = text[:-1]
        text = text.rstrip(" /") + "…"
    return text


def handover_pdf(page, rows: list[tuple[str, str, str]]) -> bytes:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(_latin1(page.title))
    pdf.set_author("Haus der Selbstständigen")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, _latin1(page.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(
        0, 6,
        _latin1(
            ngettext("An: %(addressee)s – %(count)s Unterschrift, Stand %(date)s",
                     "An: %(addressee)s – %(count)s Unterschriften, Stand %(date)s", len(rows))
            % {"addressee": page.addressee, "count": len(rows), "date": timezone.localdate().strftime("%d.%m.%Y")}
        ),
        new_x="LMARGIN", new_y="NEXT",
    )
    pdf.ln(4)
    widths = (12, 78, 16, 84)
    pdf.set_font(FONT, "B", 10)
    for width, label in zip(widths, ["#", _("Name"), _("PLZ"), _("Ort")], strict=False):
        pdf.cell(width, 7, _latin1(label), border="B")
    pdf.ln()
    pdf.set_font(FONT, "", 10)
    for number, (name, postcode, town) in enumerate(rows, start=1):
        pdf.cell(widths[0], 6, str(number))
        pdf.cell(widths[1], 6, _fit(pdf, _latin1(name), widths[1]))
        pdf.cell(widths[2], 6, _latin1(postcode))
        pdf.cell(widths[3], 6, _fit(pdf, _latin1(town), widths[3]))
        pdf.set_font_size(10)
        pdf.ln()
    # the town names come from OpenStreetMap (ODbL): the produced work names its source
    pdf.ln(4)
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(0, 4, _("Orte zu den Postleitzahlen: © OpenStreetMap contributors (ODbL)"), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
