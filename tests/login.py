"""Log a test client or a browser in without the login form, for tests whose subject is elsewhere.

The session is the one a real login makes: Flask-Login's `login_user` runs in a request context
of the test's app and its session travels in the client's (or the browser's) session cookie. Tests
of the login form itself (wrong passwords, rate limits, the guest cart merged at login, `next=`)
keep posting the form.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask import session as http_session
from flask.testing import FlaskClient
from flask_login import login_user

from marketplace.accounts.models import User
from marketplace.extensions import db


def _login_session(app: Flask, user, environ_base: dict) -> dict:
    """The session contents right after `user` logs in (what the login view leaves in the cookie).

    `environ_base` holds the visitor's address and User-Agent: Flask-Login's session protection
    compares them with the ones the session was made for.
    """
    with app.test_request_context(environ_base=environ_base):
        http_session.clear()
        assert login_user(user, fresh=True), f"{user.email} cannot log in (inactive?)"
        return dict(http_session)


def logged_in_as(client: FlaskClient, user, *, lang: str | None = None) -> FlaskClient:
    """Log `client` in as `user` (pages in `lang` when given, through the `lang` cookie); returns it."""
    if lang:
        client.set_cookie("lang", lang)
    contents = _login_session(client.application, user, client.environ_base)
    with client.session_transaction() as session:
        session.clear()
        session.update(contents)
    return client


def user_with_email(email: str) -> User:
    user = db.session.scalar(sa.select(User).filter_by(email=email))
    assert user is not None, f"no account {email}"
    return user


def logged_in_as_email(client: FlaskClient, email: str, *, lang: str | None = None) -> FlaskClient:
    """`logged_in_as` for the account with this email."""
    return logged_in_as(client, user_with_email(email), lang=lang)


def browser_logged_in_as(page, live_server, user, *, lang: str | None = None) -> None:
    """Give the page's browser context `user`'s session cookie (and `lang`'s), as a login would."""
    app = live_server.app
    visitor = {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": page.evaluate("navigator.userAgent")}
    value = app.session_interface.get_signing_serializer(app).dumps(_login_session(app, user, visitor))
    cookies = [{"name": app.config["SESSION_COOKIE_NAME"], "value": value, "url": live_server.url()}]
    if lang:
        cookies.append({"name": "lang", "value": lang, "url": live_server.url()})
    page.context.add_cookies([{**cookie, "httpOnly": True, "sameSite": "Lax"} for cookie in cookies])
