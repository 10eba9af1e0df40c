"""Forms of problem cases: the buyer's report, a reply, the curator's decision (CSRF on each)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Length

from marketplace.cases.models import CaseProblem, CaseResolution
from marketplace.forms import WholeNumberField

PROBLEM_LABELS = {
    CaseProblem.NOT_RECEIVED: _l("The parcel did not arrive"),
    CaseProblem.DAMAGED: _l("It arrived damaged"),
    CaseProblem.WRONG_ITEM: _l("I received the wrong item"),
}
RESOLUTION_LABELS = {
    CaseResolution.REFUND: _l("Refund the whole part"),
    CaseResolution.PARTIAL_REFUND: _l("Refund an amount"),
    CaseResolution.REJECT: _l("Reject the report"),
}


class ReportForm(FlaskForm):
    problem = RadioField(
        _l("What went wrong?"),
        choices=[SelectChoice(problem.value, label) for problem, label in PROBLEM_LABELS.items()],
        validate_choice=False,
    )
    description = TextAreaField(
        _l("Tell the seller and the curators what happened"), validators=[Length(max=2000)]
    )
    photos = MultipleFileField(_l("Photos (up to 3; JPEG, PNG or WebP)"))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your answer"), validators=[Length(max=2000)])


class ResolveForm(FlaskForm):
    resolution = RadioField(
        _l("Decision"),
        choices=[SelectChoice(decision.value, label) for decision, label in RESOLUTION_LABELS.items()],
        validate_choice=False,
    )
    amount = WholeNumberField(_l("Amount to refund (for “Refund an amount”)"))
    note = TextAreaField(_l("Note for the buyer and the seller"), validators=[Length(max=2000)])
    bank_reference = StringField(
        _l("Reference of your transfer back to the buyer (bank transfer orders)"),
        validators=[Length(max=120)],
    )
    token = HiddenField()
