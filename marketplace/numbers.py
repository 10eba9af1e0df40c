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


# ------------------------------------------------------------------ rupiah as a seller types them

#: Per language: the thousands separator and the decimal mark people write ("150.000" / "150,000").
_MARKS = {"id": (".", ","), "en": (",", ".")}


class AmountError(ValueError):
    """Why a typed rupiah amount was refused (`reason`), and the amount's digits when a reader of
    the language could have meant them, for a message that shows how to write them (`digits`)."""

    NOT_A_NUMBER = "not_a_number"
    DECIMALS = "decimals"
    UNCLEAR = "unclear"
    NEGATIVE = "negative"
    TOO_LARGE = "too_large"

    def __init__(self, reason: str, digits: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.digits = digits


#: Groups of three split by a space (any kind) or "_": the same in both languages.
_SPACED = r"[0-9]{1,3}(?P<space>[ \u00a0\u202f_])[0-9]{3}(?:(?P=space)[0-9]{3})*"


def _grouped(separator: str) -> str:
    sep = re.escape(separator)
    return rf"[0-9]{{1,3}}(?:{sep}[0-9]{{3}})+"


def group_digits(digits: str, lang: str) -> str:
    """Digits with the thousands separator of `lang`: "150000" → "150.000" (id), "150,000" (en)."""
    return f"{int(digits):,}".replace(",", _MARKS.get(lang, _MARKS["id"])[0])


#: Words written after an amount for thousands and millions, as sellers type prices: "75rb",
#: "75 ribu", "75k", "1,5jt", "2 juta". Unambiguous in both languages, so read in both.
SCALE_WORDS = {"rb": 1_000, "ribu": 1_000, "k": 1_000, "jt": 1_000_000, "juta": 1_000_000}
_SCALED = re.compile(r"(?P<number>.*?[0-9])\s*(?P<word>[a-z]+)\.?", re.IGNORECASE)


def split_scale(text: str, scales: dict[str, int]) -> tuple[str, int]:
    """`text` without a trailing scale or unit word from `scales` and that word's factor:
    "75rb" → ("75", 1000), "400 gram" → ("400", 1); text without one comes back with factor 0."""
    match = _SCALED.fullmatch(text.strip())
    if match and match["word"].lower() in scales:
        return match["number"], scales[match["word"].lower()]
    return text, 0


def scaled_amount(number: str, factor: int, *, lang: str) -> int:
    """A number written before a scale word ("75", "1,5", "1.500" before "rb"), times `factor`.

    One or two digits after a "," or "." are a decimal fraction in either language ("1,5jt", "1.5jt":
    one and a half million); three digits after either mark could be a fraction or thousands
    ("1,255jt": 1.255 million, or 1,255 million to an English reader, a thousandfold apart), so
    they are UNCLEAR whatever the language: nobody groups thousands before "rb" or "jt". A
    fraction that leaves part of a rupiah is DECIMALS. Raises AmountError.
    """
    digits = re.sub(r"[^0-9]", "", number)
    if re.fullmatch(r"[0-9]+", number):
        return int(digits) * factor
    fraction = re.fullmatch(r"(?P<whole>[0-9]+)[.,](?P<part>[0-9]{1,3})", number)
    if not fraction:
        raise AmountError(AmountError.NOT_A_NUMBER)
    part = fraction["part"]
    if len(part) == 3:
        raise AmountError(AmountError.UNCLEAR, str(int(digits) * factor))
    scaled = int(fraction["whole"] + part) * factor
    if scaled % 10 ** len(part):
        raise AmountError(AmountError.DECIMALS)
    return scaled // 10 ** len(part)


def parse_rupiah_amount(raw: object, *, lang: str, max_digits: int = 13) -> int | None:
    """Whole rupiah as a reader of `lang` writes them; None when empty. Raises AmountError.

    Read in both languages: plain digits ("150000"), "Rp" first, groups of three split by a space.
    Indonesian groups with "." ("150.000", "Rp 1.500.000"); English with "," ("150,000",
    "Rp 1,500,000"). A decimal mark ("150.000,50" in id, "150,000.50" or "1.5" in en) is DECIMALS:
    rupiah has no cents. The other language's grouping is read only when it cannot be a decimal:
    "1.500.000" has two points, so even in English it is one and a half million; but one "." with
    three digits after ("150.000", "Rp 1.500") is 150 or 150 thousand to an English reader, so it
    is UNCLEAR, never guessed ("150,000" in Indonesian likewise): a thousandfold mistake on a price
    is worse than asking again. A minus sign is NEGATIVE; more than `max_digits` digits TOO_LARGE
    (the caller checks its own maximum). A scale word after the number multiplies it
    (`SCALE_WORDS`, `scaled_amount`): "75rb" and "Rp 75 ribu" are 75.000, "1,5jt" is 1.500.000.
    """
    group, decimal = _MARKS.get(lang, _MARKS["id"])
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None
    match = _PREFIX.match(text)
    if match:
        text = text[match.end() :]
    negative = text[:1] == "-"
    if text[:1] in ("-", "+"):
        text = text[1:]
    number, factor = split_scale(text, SCALE_WORDS)
    if factor:
        value = scaled_amount(number, factor, lang=lang)
        if negative:
            raise AmountError(AmountError.NEGATIVE)
        if len(str(value)) > max_digits:
            raise AmountError(AmountError.TOO_LARGE)
        return value
    digits = re.sub(r"[^0-9]", "", text)
    own = rf"(?:[0-9]+|{_grouped(group)}|{_SPACED})"
    other = _grouped(decimal)
    if re.fullmatch(own, text):
        pass
    elif re.fullmatch(other, text):
        if text.count(decimal) == 1:
            raise AmountError(AmountError.UNCLEAR, digits)
    elif re.fullmatch(rf"{own}{re.escape(decimal)}[0-9]+", text) or re.fullmatch(
        rf"(?:[0-9]+|{other}){re.escape(group)}[0-9]{{1,2}}", text
    ):
        raise AmountError(AmountError.DECIMALS)  # in this language's writing, or in the other's
    else:
        raise AmountError(AmountError.NOT_A_NUMBER)
    if negative:
        raise AmountError(AmountError.NEGATIVE)
    if len(digits.lstrip("0")) > max_digits:
        raise AmountError(AmountError.TOO_LARGE)
    return int(digits)
