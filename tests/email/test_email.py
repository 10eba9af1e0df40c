"""Email: rendered in the recipient's language, queued in the caller's transaction, delivered
after commit to the outbox or a real SMTP server, retried with backoff when delivery fails."""

from __future__ import annotations

import contextvars
import socket
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.email.models import EmailStatus, OutboundEmail
from marketplace.email.services import MAX_ATTEMPTS, deliver_pending, retry_delay, send_email
from marketplace.types import utcnow
from tests.email.conftest import SMTPServer, free_port
from tests.factories import make_user

# Both modules read different catalogues: forget the cached ones around every test.
pytestmark = pytest.mark.usefixtures("fresh_translations")


@pytest.fixture
def app_overrides(tiny_catalogue, tmp_path):
    return {"BABEL_TRANSLATION_DIRECTORIES": str(tiny_catalogue), "OUTBOX_DIR": str(tmp_path / "outbox")}


def _outbox_messages(app):
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    ]


def _body(message) -> str:
    return message.get_body(("plain",)).get_content()


def _reset_context():
    return {"name": "Ayu", "reset_url": "http://localhost/account/password/reset/x", "expires_minutes": 60}


def test_outbox_email_is_in_the_recipients_language_not_the_pages(app, session):
    # The page is in English; each recipient still reads their own language.
    with app.test_request_context("/?lang=en"):
        send_email(
            session, to="ayu@example.test", template="password_reset", lang="id", context=_reset_context()
        )
        send_email(
            session, to="tom@example.test", template="password_reset", lang="en", context=_reset_context()
        )
        session.commit()
    assert deliver_pending(session) == {"sent": 2, "retry": 0, "failed": 0}

    by_recipient = {m["To"]: m for m in _outbox_messages(app)}
    indonesian, english = by_recipient["ayu@example.test"], by_recipient["tom@example.test"]
    assert indonesian["Subject"] == "Atur ulang kata sandi di Pasar Desa Kabat"
    assert _body(indonesian).startswith("Halo Ayu,")
    assert indonesian["Content-Language"] == "id"
    assert english["Subject"] == "Reset your password for Pasar Desa Kabat"
    assert _body(english).startswith("Hello Ayu,")
    assert "http://localhost/account/password/reset/x" in _body(english)
    assert indonesian["From"] == app.config["MAIL_FROM"]


def test_nothing_is_sent_when_the_callers_transaction_rolls_back(app, client, session):
    with app.test_request_context():
        send_email(
            session, to="ayu@example.test", template="password_reset", lang="id", context=_reset_context()
        )
    session.rollback()
    assert deliver_pending(session)["sent"] == 0
    assert session.scalar(sa.select(sa.func.count(OutboundEmail.id))) == 0
    assert _outbox_messages(app) == []


def test_email_is_delivered_only_after_the_request_commits(app, client, session):
    make_user(session, email="ayu@example.test", locale="id")
    session.commit()
    response = client.post("/account/password/reset", data={"email": "ayu@example.test"})
    # Queued in the request's transaction, committed, but not sent before the response is done.
    assert response.status_code == 200
    row = session.scalar(sa.select(OutboundEmail))
    assert row.status == EmailStatus.QUEUED
    response.close()  # the WSGI server closes the response once it is sent: then we deliver
    session.expire_all()
    assert row.status == EmailStatus.SENT
    assert row.attempts == 1
    [message] = _outbox_messages(app)
    assert _body(message).startswith("Halo User")


@pytest.mark.parametrize(
    ("template", "context", "expected"),
    [
        (
            "order_confirmation",
            {
                "name": "Ayu",
                "order_number": "PD-7K3Q9",
                "lines": [
                    {
                        "title": "Batik Gajah Oling",
                        "quantity": 1,
                        "total_text": "Rp 350.000",
                        "seller": "KUB Kepuh",
                    },
                    {"title": "Kopi Robusta", "quantity": 2, "total_text": "Rp 90.000"},
                ],
                "shipping_text": "Rp 18.000",
                "total_text": "Rp 458.123",
                "payment_instructions": ["Bank BRI 0123-01-000123-30-1 a.n. Pasar Desa Kabat"],
                "payment_deadline_text": "29 Nov 2026 10.00",
                "order_url": "http://localhost/orders/PD-7K3Q9",
            },
            [
                "PD-7K3Q9",
                "Batik Gajah Oling × 1: Rp 350.000 (KUB Kepuh)",
                "Kopi Robusta × 2",
                "Rp 458.123",
                "Bank BRI",
                "29 Nov 2026 10.00",
                "http://localhost/orders/PD-7K3Q9",
            ],
        ),
        (
            "payment_received",
            {
                "order_number": "PD-7K3Q9",
                "lines": [{"title": "Kopi Robusta", "quantity": 2, "total_text": "Rp 90.000"}],
                "total_text": "Rp 108.000",
                "amount_text": "Rp 108.123",
                "order_url": "http://localhost/orders/PD-7K3Q9",
            },
            ["PD-7K3Q9", "Rp 108.123", "Kopi Robusta × 2", "http://localhost/orders/PD-7K3Q9"],
        ),
        (
            "shipped",
            {
                "name": "Ayu",
                "order_number": "PD-7K3Q9",
                "seller_name": "KUB Kepuh",
                "carrier": "JNE REG",
                "tracking_number": "JNE0123456789",
                "tracking_url": "https://example.test/track/JNE0123456789",
                "lines": [{"title": "Batik Gajah Oling", "quantity": 1}],
                "order_url": "http://localhost/orders/PD-7K3Q9",
            },
            [
                "KUB Kepuh has shipped",
                "JNE REG",
                "JNE0123456789",
                "https://example.test/track/JNE0123456789",
                "Batik Gajah Oling × 1",
                "http://localhost/orders/PD-7K3Q9",
            ],
        ),
    ],
)
def test_order_emails_render_their_context(app, session, template, context, expected):
    # No request context: orders send these from CLI commands and webhooks too.
    row = send_email(session, to="ayu@example.test", template=template, lang="en", context=context)
    session.commit()
    assert "PD-7K3Q9" in row.subject
    for text in expected:
        assert text in row.body_text, text
    assert "Undefined" not in row.body_text


def test_smtp_delivery_to_a_real_server_with_login(app, session, smtp_server):
    app.config["SMTP_URL"] = f"smtp://kabat:s3cret%20pass@127.0.0.1:{smtp_server.port}"
    with app.test_request_context():
        send_email(
            session, to="ayu@example.test", template="password_reset", lang="id", context=_reset_context()
        )
    session.commit()
    assert deliver_pending(session)["sent"] == 1

    [received] = smtp_server.messages
    assert received["to"] == ["ayu@example.test"]
    assert received["login"] == "kabat"
    message = message_from_bytes(received["data"], policy=policy.default)
    assert message["Subject"] == "Atur ulang kata sandi di Pasar Desa Kabat"
    assert _body(message).startswith("Halo Ayu,")
    assert _outbox_messages(app) == []  # SMTP replaces the outbox
    assert session.scalar(sa.select(OutboundEmail.status)) == EmailStatus.SENT


def test_failing_smtp_keeps_the_email_queued_and_the_request_succeeds(app, client, session, runner):
    closed_port = free_port()  # nothing listens there
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{closed_port}"
    make_user(session, email="ayu@example.test", locale="en")
    session.commit()

    response = client.post("/account/password/reset", data={"email": "ayu@example.test"}, buffered=True)
    assert response.status_code == 200
    assert b"If an account exists" in response.data

    row = session.scalar(sa.select(OutboundEmail))
    assert row.status == EmailStatus.QUEUED
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > utcnow() + timedelta(seconds=30)

    # Not due yet: the retry command leaves it alone.
    result = runner.invoke(args=["email", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "sent 0" in result.output

    # Later, with the mail server back, the cron-style command delivers it.
    with SMTPServer() as server:
        app.config["SMTP_URL"] = f"smtp://127.0.0.1:{server.port}"
        session.execute(sa.update(OutboundEmail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session.commit()
        result = runner.invoke(args=["email", "send-pending"])
        assert result.exit_code == 0, result.output
        assert "sent 1" in result.output
        assert len(server.messages) == 1
    session.expire_all()
    assert row.status == EmailStatus.SENT and row.attempts == 2 and row.last_error == ""


def test_backoff_grows_and_gives_up_after_max_attempts(app, session):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    row = send_email(
        session, to="ayu@example.test", template="password_reset", lang="en", context=_reset_context()
    )
    session.commit()
    assert retry_delay(1) < retry_delay(2) < retry_delay(3)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        session.execute(sa.update(OutboundEmail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        session.commit()
        counts = deliver_pending(session)
        session.refresh(row)
        assert row.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert counts["retry"] == 1 and row.status == EmailStatus.QUEUED
        else:
            assert counts["failed"] == 1 and row.status == EmailStatus.FAILED
    session.execute(sa.update(OutboundEmail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert deliver_pending(session) == {"sent": 0, "retry": 0, "failed": 0}  # failed rows stay failed


def test_a_row_claimed_by_another_sender_is_not_sent_twice(app, session):
    row = send_email(
        session, to="ayu@example.test", template="password_reset", lang="en", context=_reset_context()
    )
    session.commit()
    # Another process claimed it a moment ago.
    session.execute(sa.update(OutboundEmail).values(status=EmailStatus.SENDING, claimed_at=utcnow()))
    session.commit()
    assert deliver_pending(session)["sent"] == 0
    assert _outbox_messages(app) == []
    # A claim that is long stale (its sender died) is taken over.
    session.execute(sa.update(OutboundEmail).values(claimed_at=utcnow() - timedelta(hours=1)))
    session.commit()
    assert deliver_pending(session)["sent"] == 1
    session.refresh(row)
    assert row.status == EmailStatus.SENT


def test_send_email_without_a_session_commits_and_sends_at_once(app, session):
    row = send_email(
        None, to="ayu@example.test", template="password_reset", lang="en", context=_reset_context()
    )
    assert row.status == EmailStatus.SENT
    assert len(_outbox_messages(app)) == 1


def test_recipient_is_required(app, session):
    from marketplace.errors import ValidationError

    for bad in ("  ", "no-at-sign", "ayu@example.test\nBcc: everyone@example.test"):
        with pytest.raises(ValidationError):
            send_email(session, to=bad, template="password_reset", lang="en", context=_reset_context())


def test_a_cli_command_delivers_what_it_committed(app, runner, session):
    import click
    from flask.cli import with_appcontext

    from marketplace.extensions import db

    @click.command("queue-test-email")
    @with_appcontext
    def queue_test_email():
        send_email(
            db.session, to="ayu@example.test", template="password_reset", lang="en", context=_reset_context()
        )
        db.session.commit()

    app.cli.add_command(queue_test_email)
    # As on a console: no app context before the command (the fixture's would otherwise be reused).
    result = contextvars.Context().run(runner.invoke, args=["queue-test-email"])
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(OutboundEmail.status)) == EmailStatus.SENT
    assert len(_outbox_messages(app)) == 1
