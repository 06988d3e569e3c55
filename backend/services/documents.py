"""What every printed document of the platform shares: an A4 page set in the bundled NanumSquare (OFL; without a
Korean font every Hangul glyph would be a box), titled, and signed with the platform's names."""

from __future__ import annotations

from pathlib import Path

FONTS = Path(__file__).resolve().parents[1] / "assets" / "fonts"


def a4(title: str, platform_ko: str, platform_en: str, page_class=None, bottom_margin: float | None = None):
    """A new A4 document (millimetres) of `page_class` (an FPDF subclass with a footer, say), its fonts added as
    "Nanum" (regular and bold), its metadata set, on its first page."""
    from fpdf import FPDF

    doc = (page_class or FPDF)(format="A4", unit="mm")
    if bottom_margin is not None:
        doc.set_auto_page_break(True, margin=bottom_margin)
    doc.add_font("Nanum", "", str(FONTS / "NanumSquareR.ttf"))
    doc.add_font("Nanum", "B", str(FONTS / "NanumSquareB.ttf"))
    doc.set_title(title)
    doc.set_author(platform_ko)
    doc.set_creator(platform_en)
    doc.set_lang("ko")
    doc.add_page()
    return doc
