"""What a refund's stored reason says, in the words of whoever reads it.

The code writes reasons as "<why>" or "<why>: <what a person typed>" (marketplace/cases/services.py,
marketplace/refunds/cancellation.py); a curator's own refund keeps what they typed. The buyer's
order page and both refund emails read the why in words and the typed part as typed, so no
"case 12:" reaches a person.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

#: (pattern, kind) of the reasons the code writes.
WRITTEN_REASONS = (
    (re.compile(r"case \d+(: (?P<text>.*))?", re.S), "case"),
    (re.compile(r"cancelled by the buyer(: (?P<text>.*))?", re.S), "buyer_cancelled"),
    (re.compile(r"cancelled by the seller(: (?P<text>.*))?", re.S), "seller_cancelled"),
)

#: Why, as the buyer reads it, after "a refund of Rp 50.000 …".
BUYER_WHY = {
    "case": _l("after your problem report"),
    "buyer_cancelled": _l("after you cancelled"),
    "seller_cancelled": _l("after the shop cancelled"),
}

#: Why, as the shop reads it, when nobody typed a reason.
SELLER_WHY = {
    "case": _l("The buyer's problem report"),
    "buyer_cancelled": _l("The buyer cancelled"),
    "seller_cancelled": _l("Your shop cancelled"),
}


def split_reason(reason: str | None) -> tuple[str, str]:
    """(kind, typed): which written reason it is ("" for one a curator typed) and the typed part."""
    reason = (reason or "").strip()
    for pattern, kind in WRITTEN_REASONS:
        match = pattern.fullmatch(reason)
        if match:
            return kind, (match.group("text") or "").strip()
    return "", reason


def buyer_reason(reason: str | None) -> tuple[str, str]:
    """(why, typed): why the money went back in the buyer's words ("after your problem report"),
    and what a person wrote about it, as they wrote it (either may be empty)."""
    kind, typed = split_reason(reason)
    return (str(BUYER_WHY[kind]) if kind else ""), typed


def seller_reason(reason: str | None) -> str:
    """The reason a shop reads: what a person typed, else why in words ("The buyer cancelled")."""
    kind, typed = split_reason(reason)
    return typed or (str(SELLER_WHY[kind]) if kind else "")
