"""The shared error summary's heading says what the reader can do: correct the fields it links to,
or, when nothing on the page is to be corrected (a decision refused, an expired form), that
nothing was saved; a caller's own title wins."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from flask_wtf import FlaskForm
from wtforms import StringField

from marketplace.mentoring.forms import MentoringNoteForm


def summary(app, lang: str = "en", **arguments) -> str:
    with app.test_request_context(), force_locale(lang):
        macro = app.jinja_env.get_template("macros/error_summary.html").module.error_summary
        return str(macro(**arguments))


def test_fields_to_correct_are_asked_for(app):
    html = summary(app, fields=[{"id": "note-3", "label": "Reason", "message": "Write the reason."}])
    assert "Please correct the fields marked below." in html and 'href="#note-3"' in html


@pytest.mark.parametrize("lang, heading", [("en", "Nothing was saved."), ("id", "Belum ada yang tersimpan.")])
def test_a_refusal_without_a_field_says_nothing_was_saved(app, lang, heading):
    html = summary(app, lang, fields=[{"message": "PD-1: someone else confirmed this transfer first."}])
    assert heading in html and "Please correct" not in html and "Mohon perbaiki" not in html
    assert "someone else confirmed" in html


def test_a_form_wide_or_hidden_field_error_is_not_a_field_to_correct(app):
    with app.test_request_context(method="POST", data={}):
        form = FlaskForm(meta={"csrf": False})
        form.form_errors.append("The buyer changed their account: check it again.")
        html = summary(app, forms=[form])
    assert "Nothing was saved." in html and "check it again" in html


def test_a_title_wins_and_no_problem_shows_nothing(app):
    html = summary(app, title="The payout was not recorded.", fields=[{"message": "Too much."}])
    assert "The payout was not recorded." in html and "Nothing was saved." not in html
    assert 'id="error-summary"' not in summary(app, fields=[{"id": "x", "label": "X", "message": ""}])


def test_the_mentoring_form_names_its_fields(app):
    class Named(FlaskForm):
        name = StringField("Name")

    with app.test_request_context(method="POST", data={}):
        form = MentoringNoteForm(meta={"csrf": False})
        form.validate()
        html = summary(app, forms=[form, Named(meta={"csrf": False})])
    assert "Please correct the fields marked below." in html and 'href="#body"' in html
