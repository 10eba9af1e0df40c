"""Curator form for one shipping weight tier (the service holds the rules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from marketplace.forms import WholeNumberField


class RateForm(FlaskForm):
    price = WholeNumberField(_l("Price in rupiah"), rupiah=True)
    days_min = WholeNumberField(_l("Fewest days to deliver"))
    days_max = WholeNumberField(_l("Most days to deliver"))
    note = StringField(_l("Why (kept in the audit log)"), validators=[Optional(), Length(max=200)])


class CourierForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=60)])
    tracking_url = StringField(_l("Tracking page (with {tracking})"), validators=[Length(max=300)])
    active = BooleanField(_l("Offered to sellers"))
