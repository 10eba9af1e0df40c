"""Curator console forms: they parse what was typed; the services in this package hold the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

#: Dates outside these years are typos (and near year 1 or 9999 cannot be converted between zones).
FIRST_YEAR, LAST_YEAR = 2000, 2200


def plausible_year(form, field) -> None:
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(
            _l("Enter a date between %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR)
        )


DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class DecisionForm(FlaskForm):
    """Approve or reject (the pressed button's `decision` value says which) with a note."""

    note = TextAreaField(
        _l("Reason or note to the seller (required to reject)"), validators=[Length(max=2000)]
    )
    #: The change the curator looked at (empty for a new listing) and its state then.
    revision_id = HiddenField()
    version = HiddenField()


class ActionForm(FlaskForm):
    """No fields: a POST button (end, delete) that carries only the CSRF token."""


class PlacementForm(FlaskForm):
    product = StringField(_l("Product (id or name)"), validators=[Length(max=100)])
    headline_id = StringField(_l("Headline, in Indonesian"))
    headline_en = StringField(_l("Headline, in English (optional)"))
    position = IntegerField(
        _l("Position (1 = first)"),
        validators=[Optional()],
        render_kw={"min": 1, "inputmode": "numeric"},
    )
    starts_at = DateTimeLocalField(
        _l("Starts (Jakarta time)"), format=DATETIME_FORMATS, validators=[Optional(), plausible_year]
    )
    ends_at = DateTimeLocalField(
        _l("Ends (Jakarta time)"), format=DATETIME_FORMATS, validators=[Optional(), plausible_year]
    )
