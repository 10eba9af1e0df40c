"""CSV cells that are safe to open in a spreadsheet (every CSV download and upload uses these)."""

from __future__ import annotations

#: A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The value as text, with an apostrophe in front when a spreadsheet would run it (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unquote_cell(text: str) -> str:
    """Undo `safe_cell` for a file that comes back: drop the apostrophe it put in front."""
    return text[1:] if text[:1] == "'" and text[1:2].startswith(FORMULA_STARTS) else text
