"""Forms of product questions (CSRF on each); the rules are in questions.services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from marketplace.questions.models import MAX_ANSWER, MAX_QUESTION
from marketplace.questions.services import MAX_HIDE_REASON, MAX_REPORT_REASON


class ActionForm(FlaskForm):
    """No fields: a POST button that carries only the CSRF token."""


class AskForm(FlaskForm):
    body = TextAreaField(_l("Your question to the maker"), validators=[Length(max=MAX_QUESTION)])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Your answer (shown on the product page)"), validators=[Length(max=MAX_ANSWER)])


class EditAnswerForm(FlaskForm):
    answer = TextAreaField(_l("Corrected answer"), validators=[Length(max=MAX_ANSWER)])
    #: The answer the form showed: a correction made meanwhile elsewhere is not overwritten.
    previous = HiddenField()


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("What is wrong with it? (optional)"), validators=[Length(max=MAX_REPORT_REASON)]
    )
    next = HiddenField()


class HideForm(FlaskForm):
    reason = TextAreaField(
        _l("Why it is hidden (the asker reads this)"), validators=[Length(max=MAX_HIDE_REASON)]
    )
