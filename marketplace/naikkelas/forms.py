"""Naik kelas forms: curators edit levels and criteria (each form also carries the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length


class ActionForm(FlaskForm):
    """A button that changes something (remove): only the CSRF token."""


class ThresholdForm(FlaskForm):
    threshold = StringField(_l("Target"), validators=[Length(max=20)])


class CriterionForm(FlaskForm):
    metric = SelectField(_l("What to measure"), validate_choice=False)
    threshold = StringField(_l("Target"), validators=[Length(max=20)])
    name_id = StringField(_l("Name, in Indonesian"), validators=[Length(max=120)])
    name_en = StringField(_l("Name, in English"), validators=[Length(max=120)])
    hint_id = TextAreaField(_l("Next step, in Indonesian"), validators=[Length(max=2000)])
    hint_en = TextAreaField(_l("Next step, in English"), validators=[Length(max=2000)])


class LevelForm(FlaskForm):
    code = StringField(_l("Code (letters, digits, dashes)"), validators=[Length(max=40)])
    position = StringField(_l("Position (lower levels first)"), validators=[Length(max=5)])
    name_id = StringField(_l("Name, in Indonesian"), validators=[Length(max=80)])
    name_en = StringField(_l("Name, in English"), validators=[Length(max=80)])
    description_id = TextAreaField(_l("Description, in Indonesian"), validators=[Length(max=2000)])
    description_en = TextAreaField(_l("Description, in English"), validators=[Length(max=2000)])
