"""Curator form for an exchange rate: it collects text; marketplace.markets.services validates it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length

from marketplace.markets.context import SUPPORTED_CURRENCIES


class RateForm(FlaskForm):
    currency = SelectField(
        _l("Currency"), choices=[SelectChoice(code, code) for code in SUPPORTED_CURRENCIES if code != "IDR"]
    )
    rate = StringField(_l("Rupiah per 1 unit"), validators=[Length(max=40)])
    effective_date = StringField(_l("Valid from (YYYY-MM-DD)"), validators=[Length(max=10)])
    source = StringField(_l("Source (e.g. Bank Indonesia JISDOR)"), validators=[Length(max=120)])
