"""Forms of the facilitator pages: grant access by email, a curator's link with the artisan's consent."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

_REQUIRED = _l("This field is required.")


class GrantForm(FlaskForm):
    """A shop owner gives a facilitator's account access to one of their shops."""

    email = EmailField(
        _l("Facilitator's account email"), validators=[DataRequired(_REQUIRED), Length(max=254)]
    )


class CuratorLinkForm(FlaskForm):
    """A curator links a facilitator to an artisan without an account, who agreed offline.

    The service checks every field (all messages at once), so the form only parses.
    """

    email = EmailField(_l("Facilitator's account email"), validators=[Length(max=254)])
    consent = BooleanField(_l("The artisan agreed to be helped by this facilitator (consent recorded)"))
    consent_note = TextAreaField(
        _l("How the artisan agreed (when, where, who was there)"), validators=[Length(max=1000)]
    )


class PayoutAccountForm(FlaskForm):
    """Where a shop's payouts go; only its owner may change it."""

    bank_name = StringField(_l("Bank name"), validators=[Length(max=80)])
    account_number = StringField(_l("Account number"), validators=[Length(max=40)])
    account_holder = StringField(_l("Account holder's name"), validators=[Length(max=120)])
