"""CSV downloads never hand a spreadsheet a formula, and uploads read back what was downloaded."""

import pytest

from marketplace.spreadsheets import csv_style, safe_cell, unquote_cell


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_looking_cells_are_defused_and_read_back(text):
    assert safe_cell(text) == "'" + text
    assert unquote_cell(safe_cell(text)) == text


@pytest.mark.parametrize("value", ["Batik", "'quoted", "", 12, None])
def test_plain_cells_are_unchanged(value):
    expected = "" if value is None else str(value)
    assert safe_cell(value) == expected
    assert unquote_cell(expected) == expected


@pytest.mark.parametrize(
    "lang, delimiter, cells",
    [
        ("id", ";", ["4,5", "33,3", "1250000", ""]),  # as Excel and LibreOffice set to Indonesian read
        ("en", ",", ["4.5", "33.3", "1250000", ""]),
    ],
)
def test_a_csv_is_written_the_way_the_readers_spreadsheet_reads_it(lang, delimiter, cells):
    style = csv_style(lang)
    assert style.delimiter == delimiter
    assert [
        style.number("4.50", 1),
        style.number("33.3333", 1),
        style.number(1250000),
        style.number(None),
    ] == cells
