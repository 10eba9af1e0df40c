"""The refund form: CSRF, reason, bank reference and the once-only token; per-line inputs are parsed
from the posted names (`units-<line id>`, `back-<line id>`, `shipping-<fulfilment id>`)."""

from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length

from marketplace import params
from marketplace.errors import ValidationError

_WHOLE = re.compile(r"^[0-9]{1,4}$")


class RefundForm(FlaskForm):
    full = BooleanField(_l("Refund everything not refunded yet"))
    reason = TextAreaField(_l("Reason (sent to the buyer)"), validators=[Length(max=2000)])
    bank_reference = StringField(
        _l("Reference of your transfer back to the buyer"), validators=[Length(max=120)]
    )
    token = HiddenField()
    payment_id = HiddenField()
    #: The amount the preview showed (minor units); the refund is refused if it is now another.
    expected_minor = HiddenField()


def parse_expected(raw: str | None) -> int | None:
    """The previewed amount from the hidden field; empty (no preview seen) is None."""
    text = (raw or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{1,18}", text):
        raise ValidationError(_("The form expired. Please open the page again."))
    return int(text)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def parse_units(formdata, prefix: str, ids) -> dict[int, int]:
    """{id: units} from fields named `<prefix>-<id>`; empty means 0. ValidationError for anything
    but a whole number."""
    result = {}
    for item_id in ids:
        raw = (formdata.get(f"{prefix}-{item_id}") or "").strip()
        if not raw:
            continue
        if not _WHOLE.match(raw):
            raise ValidationError(_("Enter whole numbers of units."))
        if int(raw):
            result[item_id] = int(raw)
    return result


def parse_checked(formdata, prefix: str, ids) -> set[int]:
    return {item_id for item_id in ids if formdata.get(f"{prefix}-{item_id}")}


def parse_payment_id(raw: str | None) -> int | None:
    if not (raw or "").strip():
        return None
    payment_id = params.find_id(raw)
    if payment_id is None:
        raise ValidationError(_("This payment has nothing left to refund."))
    return payment_id
