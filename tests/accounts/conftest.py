"""Helpers for account tests: log in through the real form, read the outbox."""

from __future__ import annotations

import contextvars

import pytest
from flask.testing import FlaskClient

from tests.factories import TEST_PASSWORD, make_user


class IsolatedClient(FlaskClient):
    """Runs each request in its own app context, as a real server does.

    The `app` fixture keeps one app context open for the whole test, and Flask reuses it for
    requests, so `g` (Flask-Login's cached user, the CSRF token) would leak from one request to
    the next and let session tests pass for the wrong reason.
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture
def app(app):
    app.test_client_class = IsolatedClient
    return app


def log_in(client, email: str, password: str = TEST_PASSWORD, **extra):
    return client.post("/account/login", data={"email": email, "password": password, **extra})


@pytest.fixture
def user(session):
    user = make_user(session, email="siti@example.test", name="Siti", locale="en")
    session.commit()
    return user


@pytest.fixture
def logged_in_client(client, user):
    response = log_in(client, user.email)
    assert response.status_code == 302
    return client
