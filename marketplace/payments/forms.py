"""Payments forms: they parse what was typed; the rules are in payments.transfers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, StringField
from wtforms.validators import Length

from marketplace.payments.transfers import MAX_SENDER_BANK, MAX_SENDER_NAME


class TransferClaimForm(FlaskForm):
    """The buyer's "I have transferred": everything optional (a guest's link token rides along)."""

    sender_name = StringField(
        _l("Name on the sending account (optional)"), validators=[Length(max=MAX_SENDER_NAME)]
    )
    sender_bank = StringField(_l("Sending bank (optional)"), validators=[Length(max=MAX_SENDER_BANK)])
    receipt = FileField(_l("Photo or screenshot of the transfer receipt (optional: JPEG, PNG or WebP)"))
    token = HiddenField()
