"""Payout and commission forms (CSRF on each; the services hold the rules)."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from marketplace.numbers import parse_whole_number

_REQUIRED = _l("This field is required.")


class PayoutForm(FlaskForm):
    amount = StringField(_l("Amount transferred (Rp)"), validators=[DataRequired(_REQUIRED), Length(max=20)])
    bank_reference = StringField(
        _l("Bank transfer reference"), validators=[DataRequired(_REQUIRED), Length(max=120)]
    )
    token = HiddenField()


class CommissionForm(FlaskForm):
    percent = StringField(
        _l("Commission (% of the goods value)"), validators=[DataRequired(_REQUIRED), Length(max=10)]
    )
    effective_from = DateField(
        _l("From (date)"), validators=[DataRequired(_l("Enter a date, e.g. 2026-12-01."))]
    )
    note = TextAreaField(_l("Why (kept in the audit log)"), validators=[Length(max=2000)])


def new_token() -> str:
    return secrets.token_urlsafe(24)


def parse_rupiah(raw: str | None) -> int | None:
    """'1.250.000', 'Rp 1 250 000' → 1250000; None when it is not a whole number of rupiah or is
    ambiguous ('1.5', '1,5', '1.250,00': refused, never guessed)."""
    return parse_whole_number(raw, max_digits=15)
