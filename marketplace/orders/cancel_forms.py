"""The buyer's cancel form and the seller's "cannot send" form (parse only; rules in cancellation.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class BuyerCancelForm(FlaskForm):
    #: A fulfilment id, or "all" for every part not shipped.
    part = HiddenField()
    reason = TextAreaField(
        _l("Why are you cancelling? (optional)"), validators=[Optional(), Length(max=1000)]
    )
    bank_name = StringField(_l("Your bank"), validators=[Optional(), Length(max=80)])
    account_number = StringField(_l("Your account number"), validators=[Optional(), Length(max=40)])
    account_holder = StringField(_l("Name on the account"), validators=[Optional(), Length(max=120)])


class SellerCancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Why can you not send them? The buyer reads this."), validators=[Length(max=1000)]
    )
