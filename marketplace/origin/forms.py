"""Origin-tag forms: they parse what was typed; the rules are in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length


class MakeTagsForm(FlaskForm):
    """Only the CSRF token: the seller's "Make the tags" button."""


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason (buyers who scan the tag read it)"), validators=[Length(max=2000)])


class ReinstateForm(FlaskForm):
    note = StringField(_l("Note for the audit log (optional)"), validators=[Length(max=2000)])
