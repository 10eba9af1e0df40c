"""Forms of the facilitator pages: grant access by email, a curator's link with the artisan's consent."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

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


class ArtisanPayoutAccountForm(FlaskForm):
    """Where an artisan without an account is paid, recorded by a curator or the shop's facilitator
    with the artisan's signed consent. The service checks every field (all messages at once)."""

    artisan_name = StringField(_l("Artisan's name (as on their ID card)"), validators=[Length(max=120)])
    bank_name = StringField(_l("Bank name"), validators=[Length(max=80)])
    account_number = StringField(_l("Account number"), validators=[Length(max=40)])
    account_holder = StringField(_l("Account holder's name"), validators=[Length(max=120)])
    holder_explanation = TextAreaField(
        _l("If the holder is not the artisan: why the money goes to this account"),
        validators=[Length(max=1000)],
    )
    consent_on = DateField(_l("Day the artisan signed the consent form"), validators=[Optional()])
    consent_file = FileField(_l("Signed consent form (PDF or photo, at most 5 MB)"))
