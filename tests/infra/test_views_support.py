"""The view helper that turns a service's DomainError into a rollback and form messages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from wtforms import StringField

from marketplace.accounts.models import User
from marketplace.errors import Conflict, InvalidInput, NotFound, ValidationError
from marketplace.views_support import apply_error, domain_errors


class TwoFieldForm(FlaskForm):
    class Meta:
        csrf = False

    name = StringField()
    phone = StringField()


def _user_count(session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(User))


def test_success_keeps_the_work_and_reports_ok(app, session):
    with app.test_request_context():
        form = TwoFieldForm()
        with domain_errors(form) as outcome:
            session.add(User(email="ok@example.test", password_hash="x"))
            session.flush()
        assert outcome.ok and outcome.error is None and outcome.message == ""
        assert _user_count(session) == 1
        assert form.form_errors == [] and not form.name.errors


def test_an_error_rolls_back_and_lands_on_its_field(app, session):
    with app.test_request_context():
        form = TwoFieldForm()
        with domain_errors(form) as outcome:
            session.add(User(email="gone@example.test", password_hash="x"))
            session.flush()
            raise ValidationError("Bad phone.", field="phone")
        assert not outcome.ok
        assert outcome.message == "Bad phone."
        assert list(form.phone.errors) == ["Bad phone."]
        assert form.form_errors == []
        assert _user_count(session) == 0  # rolled back


def test_invalid_input_puts_every_message_on_its_field(app):
    with app.test_request_context():
        form = TwoFieldForm()
        with domain_errors(form) as outcome:
            raise InvalidInput({"name": "Bad name.", "phone": "Bad phone.", "nope": "Whole form."})
        assert isinstance(outcome.error, InvalidInput)
        assert list(form.name.errors) == ["Bad name."]
        assert list(form.phone.errors) == ["Bad phone."]
        assert form.form_errors == ["Whole form."]


def test_an_error_without_a_field_goes_above_the_form_or_to_the_default_field(app):
    with app.test_request_context():
        form = TwoFieldForm()
        with domain_errors(form):
            raise Conflict("Taken meanwhile.")
        assert form.form_errors == ["Taken meanwhile."]

        form = TwoFieldForm()
        with domain_errors(form, default_field="name"):
            raise Conflict("Taken meanwhile.")
        assert list(form.name.errors) == ["Taken meanwhile."] and form.form_errors == []


def test_renames_and_only_if_empty(app):
    with app.test_request_context():
        form = TwoFieldForm()
        form.name.errors = ["The form's own message."]
        apply_error(
            form,
            InvalidInput({"title": "Service message.", "mobile": "Bad phone."}),
            renames={"title": "name", "mobile": "phone"},
            only_if_empty=True,
        )
        assert list(form.name.errors) == ["The form's own message."]
        assert list(form.phone.errors) == ["Bad phone."]


def test_flash_category_flashes_the_message(app):
    with app.test_request_context():
        with domain_errors(flash_category="error") as outcome:
            raise Conflict("Sold out.")
        assert not outcome.ok
        assert get_flashed_messages(with_categories=True) == [("error", "Sold out.")]


def test_errors_outside_catch_propagate(app):
    with app.test_request_context():
        with pytest.raises(NotFound), domain_errors(TwoFieldForm(), catch=ValidationError):
            raise NotFound("Not here.")
        with pytest.raises(KeyError), domain_errors(TwoFieldForm()):
            raise KeyError("not a domain error")
