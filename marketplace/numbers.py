"""Whole numbers as people type them (prices, amounts, grams, stock): read strictly, never guessed.

Indonesian writes 1.500.000 where English writes 1,500,000, and a decimal comma where English has
a point, so "1.5", "1,5", "1.0" or "150,000" could each mean two very different amounts. Only
unambiguous text is read: plain digits ("150000"), or thousands grouped by "." (or a space) with
exactly three digits after every separator ("1.500.000", "15.000", "Rp 125 000"). Anything else is
refused and the caller asks again with a message; a wrong guess on a price or a payout is worse.
Ids are not typed by people: marketplace.params.find_id reads them (plain digits, no grouping).
Kernel module: no Flask, no database.
"""

from __future__ import annotations

import re
from typing import Optional

_PREFIX = re.compile(r"rp\.?\s*", re.IGNORECASE)
#: Digits alone, or 1–3 digits then groups of exactly three, all with the same separator
#: ("." as in Indonesian, a space, a no-break or narrow no-break space, or "_").
_WHOLE = re.compile(r"[0-9]+|[0-9]{1,3}(?P<sep>[. \u00a0\u202f_])[0-9]{3}(?:(?P=sep)[0-9]{3})*")


def parse_whole_number(raw: object, *, allow_negative: bool = False, max_digits: int = 13) -> Optional[int]:
    """The whole number in `raw`, or None when it is empty, ambiguous or not a number.

    "150000", "150.000", "Rp 1.500.000", "Rp. 125 000", "+5" (and "-3" with `allow_negative`)
    are read; "1.5", "1,5", "1.0", "1.50", "150,000", "1.500,00", "12.34.567", "1e5", "²" and
    anything with more than `max_digits` digits are not.
    """
    text = str(raw if raw is not None else "").strip()
    match = _PREFIX.match(text)
    if match:
        text = text[match.end() :]
    sign = 1
    if text[:1] in ("-", "+"):
        if text[0] == "-":
            if not allow_negative:
                return None
            sign = -1
        text = text[1:]
    if not _WHOLE.fullmatch(text):
        return None
    digits = re.sub(r"[^0-9]", "", text)
    if len(digits) > max_digits:
        return None
    return sign * int(digits)
