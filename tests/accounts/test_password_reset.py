"""Password reset: emailed in the account's language, signed, expiring after an hour, single use."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from marketplace.accounts import tokens
from marketplace.email.models import EmailStatus, OutboundEmail
from tests.accounts.conftest import log_in
from tests.factories import TEST_PASSWORD, make_user

NEW_PASSWORD = "kangkung setingkes 9"


def _outbox(app) -> list[Path]:
    return sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))


def _clear_outbox(app) -> None:
    for path in _outbox(app):
        path.unlink()


def _reset_link_from_outbox(app, to: str) -> tuple[str, object]:
    for path in reversed(_outbox(app)):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if message["To"] == to:
            body = message.get_body(("plain",)).get_content()
            match = re.search(r"http://localhost(/account/password/reset/\S+)", body)
            assert match, body
            return match.group(1), message
    raise AssertionError(f"no email to {to} in the outbox")


def _request_reset(client, email: str):
    # follow_redirects is not needed: the page answers directly; buffered closes the response,
    # which is when the app delivers the emails this request committed.
    return client.post("/account/password/reset", data={"email": email}, buffered=True)


def test_reset_flow_emails_a_link_in_the_users_language(app, client, session):
    _clear_outbox(app)
    user = make_user(session, email="ayu@example.test", locale="en")
    session.commit()
    response = _request_reset(client, " AYU@example.test ")
    assert response.status_code == 200
    assert b"If an account exists" in response.data

    path, message = _reset_link_from_outbox(app, "ayu@example.test")
    assert message["Content-Language"] == "en"
    assert "Reset your password" in message["Subject"]
    row = session.scalar(sa.select(OutboundEmail))
    assert row.status == EmailStatus.SENT and row.lang == "en" and row.template == "password_reset"

    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/login"

    assert log_in(client, user.email).status_code == 400
    assert log_in(client, user.email, NEW_PASSWORD).status_code == 302


def test_reset_link_works_only_once(app, client, session):
    _clear_outbox(app)
    make_user(session, email="ayu@example.test", locale="en")  # the link opens the page in English
    session.commit()
    _request_reset(client, "ayu@example.test")
    path, _message = _reset_link_from_outbox(app, "ayu@example.test")
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    again = client.post(path, data={"password": "another one 12345", "confirm": "another one 12345"})
    assert again.status_code == 400
    assert b"expired or was already used" in again.data
    assert log_in(client, "ayu@example.test", NEW_PASSWORD).status_code == 302


def test_reset_link_dies_when_the_password_changes_otherwise(app, client, session):
    user = make_user(session, email="ayu@example.test")
    session.commit()
    with app.test_request_context():
        token = tokens.make_reset_token(user)
    log_in(client, user.email)
    client.post(
        "/account/password",
        data={"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert client.get(f"/account/password/reset/{token}").status_code == 400


def test_reset_link_expires_after_an_hour(app, client, session):
    user = make_user(session, email="ayu@example.test")
    session.commit()

    class AnHourAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - tokens.RESET_MAX_AGE_SECONDS - 5

    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=tokens.RESET_SALT, signer=AnHourAgo).dumps(
        {"uid": user.id, "fp": tokens.password_fingerprint(user.password_hash)}
    )
    response = client.post(
        f"/account/password/reset/{old}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 400
    assert b"expired" in response.data
    assert log_in(client, user.email, NEW_PASSWORD).status_code == 400


def test_forged_or_damaged_tokens_are_refused(app, client, session):
    user = make_user(session)
    session.commit()
    forged = URLSafeTimedSerializer("not-our-secret-key", salt=tokens.RESET_SALT).dumps(
        {"uid": user.id, "fp": tokens.password_fingerprint(user.password_hash)}
    )
    for token in (forged, "garbage", forged[:-3] + "abc"):
        assert client.get(f"/account/password/reset/{token}").status_code == 400


def test_unknown_email_gets_the_same_answer_and_no_email(app, client, session):
    _clear_outbox(app)
    response = _request_reset(client, "nobody@example.test")
    assert response.status_code == 200
    assert b"If an account exists" in response.data
    assert session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 0
    assert _outbox(app) == []


def test_reset_ends_sessions_on_other_devices(app, client, session):
    _clear_outbox(app)
    user = make_user(session, email="ayu@example.test", locale="id")
    session.commit()
    other_device = app.test_client()
    log_in(other_device, user.email)
    assert other_device.get("/account/").status_code == 200

    _request_reset(client, user.email)
    path, message = _reset_link_from_outbox(app, user.email)
    assert message["Content-Language"] == "id"
    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert other_device.get("/account/").status_code == 302


def test_reset_refuses_a_weak_new_password(app, client, session):
    user = make_user(session, email="ayu@example.test")
    session.commit()
    with app.test_request_context():
        token = tokens.make_reset_token(user)
    response = client.post(f"/account/password/reset/{token}", data={"password": "short", "confirm": "short"})
    assert response.status_code == 400
    assert b"at least 10 characters" in response.data
    assert log_in(client, user.email).status_code == 302  # old password still works


def test_the_link_opens_the_page_in_the_emails_language(app, client, session):
    """An Indonesian email opened on a phone whose browser prefers English: the page the link opens
    is in Indonesian too, like the email."""
    _clear_outbox(app)
    make_user(session, email="ayu@example.test", locale="id")
    session.commit()
    _request_reset(client, "ayu@example.test")
    path, message = _reset_link_from_outbox(app, "ayu@example.test")
    assert message["Content-Language"] == "id" and "lang=id" in path
    phone = app.test_client()
    page = phone.get(path, headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="id"' in page and "Buat kata sandi baru" in page


def test_a_development_server_says_where_the_email_went(app, client, session, monkeypatch):
    """Without SMTP the reset email is a file in the outbox: the page says where, the same whether
    or not the account exists; in production (or with SMTP) nothing is said."""
    client.set_cookie("lang", "en")
    for email in ("nobody@example.test", "ayu@example.test"):
        page = _request_reset(client, email).get_data(as_text=True)
        assert app.config["OUTBOX_DIR"] in page and ".eml" in page
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://mail.example.test:587")
    assert app.config["OUTBOX_DIR"] not in _request_reset(client, "ayu@example.test").get_data(as_text=True)
