"""A plain-text document laid out as a printable PDF (US Letter), with fpdf2.

The words are the plain-text rendering of a template; this module only sets them on the page:
the first line is the title; the lines right under it (up to the first blank line) are a note
for the reader, set smaller in grey and ruled off from the rest; a line starting with "Re:" is
bold; a line starting with "- " or "1. " is a list item with a hanging indent; a blank line is
a paragraph break; everything else is a paragraph.

The font is DejaVu Sans, the one matplotlib ships, so accents, curly quotes, dashes and the
Latin, Greek and Cyrillic alphabets print as typed; a character it lacks (Chinese, say) prints
as the replacement character, never silently dropped. fpdf2 and matplotlib are imported only
when a PDF is made.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = "DejaVu"
SIZE = 10.5
"""Body text, in points."""
TITLE_SIZE = 14
NOTE_SIZE = 9
NOTE_GREY = (90, 90, 90)
LINE = 1.45
"""Line height, as a multiple of the type size."""
MARGIN = 22.0
"""Millimetres on every side (about 0.9 inch)."""
_ITEM = re.compile(r"(- |\d{1,2}\. )")
MISSING = "\ufffd"
"""Printed in place of a character the font lacks."""
_POINT = 0.3528
"""Millimetres per point."""


def layout(text: str, *, title: str, author: str = "") -> bytes:
    """The text as a PDF; `title` and `author` go into the file's properties."""
    from fpdf import FPDF

    pdf = FPDF(format="letter", unit="mm")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    regular, bold = _fonts()
    pdf.add_font(FONT, "", regular)
    pdf.add_font(FONT, "B", bold)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator("ketamine-coverage-bot")
    pdf.add_page()
    width = pdf.epw
    shown = set.intersection(*(set(font.cmap) for font in pdf.fonts.values()))
    printable = "".join(c if ord(c) in shown or c.isspace() else MISSING for c in text)
    lines = printable.strip("\n").split("\n")
    _write(pdf, lines[0], TITLE_SIZE, "B", width)
    pdf.ln(SIZE * _POINT * 0.5)
    body = lines.index("", 1) if "" in lines[1:] else 1
    if body > 1:  # the note under the title is for the reader only: grey, smaller, ruled off
        pdf.set_text_color(*NOTE_GREY)
        for line in lines[1:body]:
            _write(pdf, line, NOTE_SIZE, "", width)
        pdf.set_text_color(0)
        pdf.ln(SIZE * _POINT * 0.5)
        pdf.set_draw_color(*NOTE_GREY)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
    for line in lines[body:]:
        if not line.strip():
            pdf.ln(SIZE * _POINT * 0.8)
            continue
        item = _ITEM.match(line)
        if item:
            marker = item.group(1)
            indent = pdf.get_string_width(marker + " ") if marker != "- " else 5.0
            pdf.set_font(FONT, "", SIZE)
            pdf.cell(indent, SIZE * _POINT * LINE, "\u2022" if marker == "- " else marker.strip())
            _write(pdf, line[len(marker) :], SIZE, "", width - indent)
            continue
        _write(pdf, line, SIZE, "B" if line.startswith("Re:") else "", width)
    return bytes(pdf.output())


def _write(pdf: FPDF, text: str, size: float, style: str, width: float) -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(width, size * _POINT * LINE, text, align="L", new_x="LMARGIN", new_y="NEXT")


def _fonts() -> tuple[Path, Path]:
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
