"""CSV cells that are safe to open in a spreadsheet (every CSV download and upload uses these), and
the way a spreadsheet set to the reader's language reads a CSV file (the console's downloads)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import get_decimal_symbol

#: A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: First in a download: Excel reads a CSV as UTF-8 only with it (otherwise in the PC's code page).
BOM = "\ufeff"


def safe_cell(value: object) -> str:
    """The value as text, with an apostrophe in front when a spreadsheet would run it (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unquote_cell(text: str) -> str:
    """Undo `safe_cell` for a file that comes back: drop the apostrophe it put in front."""
    return text[1:] if text[:1] == "'" and text[1:2].startswith(FORMULA_STARTS) else text


@dataclass(frozen=True)
class CsvStyle:
    """How a spreadsheet set to a language splits a CSV line and reads a decimal number.

    Where the decimal mark is a comma (Indonesian: "4,5"), Excel and LibreOffice separate cells
    with ";" and would read "4.5" as a date or as forty-five; in English, "," and "4.5". Whole
    numbers are written without grouping ("1250000"), which both read as the same number."""

    delimiter: str
    decimal: str

    def number(self, value: Decimal | int | str | None, places: int | None = None) -> str:
        """A decimal number as this spreadsheet reads it ("" for None); `places` rounds it."""
        if value is None or value == "":
            return ""
        number = Decimal(str(value))
        if places is not None:
            number = number.quantize(Decimal(1).scaleb(-places))
        text = format(number, "f")
        return text.replace(".", self.decimal) if self.decimal != "." else text


def csv_style(lang: str) -> CsvStyle:
    """The CSV style of a reader's language (its decimal mark decides the cell separator)."""
    decimal = get_decimal_symbol(lang)
    return CsvStyle(delimiter=";" if decimal == "," else ",", decimal=decimal)
