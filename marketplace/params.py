"""Whole numbers, ids and dates from URLs, query strings and forms, read within bounds: never a 500.

A number past what a column holds overflows the database driver (SQLite stops at 2**63 - 1), a
10,000-digit string overflows `int()`, "²" passes `str.isdigit()` but not `int()`, and a date near
the year 9999 overflows the first `+ timedelta`. Parse such input with these functions instead of
`int()`, `isdigit()` or `date.fromisoformat()`: they take plain ASCII digits, and ISO dates
(YYYY-MM-DD) from MIN_DATE to MAX_DATE, and return None for anything else (the caller then
ignores the value, answers 404, or shows a message). `date_in_range` does the same for a WTForms
DateField. `<int:…>` URL arguments are bounded by `BoundedIntConverter`, and a NUL
character anywhere in a request's parameters is refused once for all (`refuse_nul`, web.py).
Kernel module: no request, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Optional

from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter
from wtforms.validators import ValidationError as FormValidationError

from marketplace.errors import ValidationError

#: The largest id a row can have: primary keys are INTEGER on SQLite and PostgreSQL (int4).
MAX_ID = 2**31 - 1
#: Dates anyone may type or ask for; anything outside is a typo (and 9999-12-31 + 1 day overflows).
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)

NUL = "\x00"
_INTEGER = re.compile(r"-?[0-9]{1,19}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def find_int(raw: object, *, low: int = 1, high: int = MAX_ID) -> Optional[int]:
    """The integer `raw` spells (ASCII digits, a leading "-" only when `low` < 0) in low..high, else None."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not _INTEGER.fullmatch(text) or (text.startswith("-") and low >= 0):
        return None
    value = int(text)
    return value if low <= value <= high else None


def find_id(raw: object) -> Optional[int]:
    """A row id (1..MAX_ID) from text, else None: look nothing up with anything else."""
    return find_int(raw, low=1, high=MAX_ID)


def find_date(raw: object) -> Optional[date]:
    """The ISO date (YYYY-MM-DD) `raw` spells, from MIN_DATE to MAX_DATE, else None."""
    text = raw.strip() if isinstance(raw, str) else ""
    if not _DATE.fullmatch(text):
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:  # 2026-02-30, 0000-00-00
        return None
    return value if MIN_DATE <= value <= MAX_DATE else None


def date_range_message():
    """What to tell someone whose date is outside MIN_DATE..MAX_DATE (lazy: for forms and errors)."""
    return _l(
        "Enter a date from %(first)s to %(last)s, e.g. 2026-01-31.",
        first=MIN_DATE.isoformat(),
        last=MAX_DATE.isoformat(),
    )


def date_in_range(form, field) -> None:
    """WTForms validator for a DateField: refuse dates outside MIN_DATE..MAX_DATE."""
    if field.data is not None and not MIN_DATE <= field.data <= MAX_DATE:
        raise FormValidationError(date_range_message())


def refuse_nul(*parameters: Mapping) -> None:
    """Raise ValidationError naming the first parameter whose name or value holds a NUL character.

    No person types one, and PostgreSQL can neither store nor compare text holding it (its driver
    raises), so it is refused before any hook or view reads the request. Mappings may be
    multi-valued (werkzeug MultiDict): every value counts.
    """
    for mapping in parameters:
        items = mapping.items(multi=True) if hasattr(mapping, "getlist") else mapping.items()
        for name, value in items:
            if NUL in str(name) or (isinstance(value, str) and NUL in value):
                field = str(name).replace(NUL, "")
                raise ValidationError(
                    str(_l("%(name)s must not contain a NUL character.", name=field)), field=field
                )


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` that lets through only 0..MAX_ID (unless the rule says otherwise).

    A larger number names no row: the route answers 404 instead of overflowing the database.
    """

    def __init__(self, map, fixed_digits: int = 0, min=None, max=None, signed: bool = False) -> None:
        super().__init__(
            map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max, signed=signed
        )
