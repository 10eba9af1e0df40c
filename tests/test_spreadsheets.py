"""CSV downloads never hand a spreadsheet a formula, and uploads read back what was downloaded."""

import pytest

from marketplace.spreadsheets import safe_cell, unquote_cell


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x")', "+1", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_looking_cells_are_defused_and_read_back(text):
    assert safe_cell(text) == "'" + text
    assert unquote_cell(safe_cell(text)) == text


@pytest.mark.parametrize("value", ["Batik", "'quoted", "", 12, None])
def test_plain_cells_are_unchanged(value):
    expected = "" if value is None else str(value)
    assert safe_cell(value) == expected
    assert unquote_cell(expected) == expected
