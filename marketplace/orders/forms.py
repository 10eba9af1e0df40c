"""Order forms (Flask-WTF, so CSRF comes with them): finding a guest order by number and email."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length

_REQUIRED = _l("This field is required.")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class FindOrderForm(FlaskForm):
    number = StringField(
        _l("Order number"), validators=[DataRequired(_REQUIRED), Length(max=24)], filters=[_strip]
    )
    email = EmailField(
        _l("Email address used for the order"),
        validators=[DataRequired(_REQUIRED), Length(max=254)],
        filters=[_strip],
    )
