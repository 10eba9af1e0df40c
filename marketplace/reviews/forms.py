"""Forms of reviews: the buyer's review, the shop's reply, a report, a curator's decision (CSRF on each)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import MultipleFileField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import Length

from marketplace.reviews.services import MAX_TEXT

STAR_LABELS = {
    5: _l("5 stars: excellent"),
    4: _l("4 stars: good"),
    3: _l("3 stars: fair"),
    2: _l("2 stars: poor"),
    1: _l("1 star: bad"),
}


def _stars(value):
    """The chosen stars as a whole number, or None for anything else (the service says why)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ReviewForm(FlaskForm):
    rating = RadioField(
        _l("Your rating"),
        choices=[SelectChoice(stars, label) for stars, label in STAR_LABELS.items()],
        coerce=_stars,
        validate_choice=False,
    )
    # No validators: the service names every problem at once (stars, length, photos).
    body = TextAreaField(_l("Your review (optional)"))
    photos = MultipleFileField(_l("Photos (up to 3; JPEG, PNG or WebP)"))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your public reply"), validators=[Length(max=MAX_TEXT)])


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("What is wrong with this review? (optional)"), validators=[Length(max=MAX_TEXT)]
    )


class HideForm(FlaskForm):
    reason = TextAreaField(_l("Reason (the reviewer reads it)"), validators=[Length(max=MAX_TEXT)])


class KeepForm(FlaskForm):
    """Keep a reported review: a button and its CSRF token."""
