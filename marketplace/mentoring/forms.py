"""The form a curator fills in to add a note or visit to a seller's mentoring log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from marketplace.mentoring.models import MentoringKind
from marketplace.mentoring.services import MAX_BODY


class MentoringNoteForm(FlaskForm):
    kind = RadioField(
        _l("Kind"),
        choices=[
            SelectChoice(MentoringKind.VISIT.value, _l("Field visit")),
            SelectChoice(MentoringKind.NOTE.value, _l("Note (call, message, observation)")),
        ],
        default=MentoringKind.VISIT.value,
        validators=[InputRequired(_l("Choose a note or a visit."))],
    )
    visited_on = DateField(
        _l("Day (Jakarta time)"),
        validators=[InputRequired(_l("Enter the day, e.g. 2026-11-28."))],
        format="%Y-%m-%d",
    )
    body = TextAreaField(
        _l("What was discussed or seen"),
        validators=[
            InputRequired(_l("Write what was discussed or seen.")),
            Length(max=MAX_BODY, message=_l("Keep the note under %(max)d characters.")),
        ],
    )
    follow_up_on = DateField(_l("Follow up on (optional)"), validators=[Optional()], format="%Y-%m-%d")
