"""SMTP is down: the order commits, its email stays queued; when SMTP returns the runner sends it, once."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace.email.models import EmailStatus, OutboundEmail
from marketplace.email.services import deliver_pending, send_email, take_committed_ids
from marketplace.jobs import runner
from marketplace.jobs.models import JobTask
from marketplace.jobs.tasks import find_task
from marketplace.orders.models import Order
from marketplace.types import utcnow
from tests.email.conftest import free_port
from tests.factories import make_product
from tests.jobs.helpers import run_together
from tests.orders.helpers import make_cart, place


class Inbox:
    """A real SMTP server (aiosmtpd) on a fixed port that can be stopped and started again."""

    def __init__(self, port: int):
        self.port = port
        self.messages: list[dict] = []
        self.controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        inbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                inbox.messages.append({"to": list(envelope.rcpt_tos), "data": envelope.content})
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _make_due(session) -> None:
    """The minute of back-off has passed, and the runner's next pass has come."""
    session.execute(sa.update(OutboundEmail).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    session.execute(sa.update(JobTask).values(next_run_at=utcnow() - timedelta(seconds=1)))
    session.commit()


def test_an_order_placed_while_smtp_is_down_is_emailed_once_when_it_returns(app, session):
    inbox = Inbox(free_port())
    inbox.start()
    inbox.stop()  # a real server, stopped: connections are refused
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{inbox.port}"
    email_task = (find_task("email.send_pending"),)
    try:
        product = make_product(session, stock=2)
        order = place(session, make_cart(session, {product: 1}), email="siti@example.test")
        session.commit()
        order_id, number = order.id, order.number
        # The confirmation is the job runner's to render and send, not the request's after its response.
        assert take_committed_ids(session) == []

        session.expire_all()
        assert session.get(Order, order_id) is not None  # the change committed
        [queued] = session.scalars(sa.select(OutboundEmail)).all()
        assert queued.status == EmailStatus.QUEUED and queued.attempts == 0 and queued.body_text == ""
        queued_id = queued.id

        # The runner's passes while SMTP is still down: the email waits for its back-off, nothing is lost.
        runner.run_due(email_task)
        session.expire_all()
        queued = session.get(OutboundEmail, queued_id)
        assert queued.status == EmailStatus.QUEUED and queued.attempts == 1
        assert "ConnectionRefusedError" in queued.last_error
        assert number in queued.body_text  # rendered once, kept for the retries
        runner.run_due(email_task)  # not due yet (back-off, and the task's interval)
        _make_due(session)
        runner.run_due(email_task)
        session.expire_all()
        assert session.get(OutboundEmail, queued_id).status == EmailStatus.QUEUED
        assert session.get(OutboundEmail, queued_id).attempts == 2

        inbox.start()
        _make_due(session)
        run_together(app, 3, runner.run_due, email_task)  # three machines' runners at once

        assert [message["to"] for message in inbox.messages] == [["siti@example.test"]]
        # Every attempt carries the row's own Message-ID (a copy sent twice is recognisable).
        assert f"Message-ID: <pasar-{queued_id}.".encode() in inbox.messages[0]["data"]
        session.expire_all()
        row = session.get(OutboundEmail, queued_id)
        assert row.status == EmailStatus.SENT and row.attempts == 3
        _make_due(session)
        runner.run_due(email_task)
        assert len(inbox.messages) == 1  # sent is sent: never again

        # Without the runner's lease (cron's `email send-pending` beside it, say): each email's own
        # claim still sends every message once.
        for n in range(6):
            send_email(
                session,
                to=f"buyer{n}@example.test",
                subject="Halo",
                template="password_reset",
                lang="id",
                context={"reset_url": "http://localhost/x", "name": "Siti", "expires_minutes": 60},
            )
        session.commit()
        take_committed_ids(session)  # leave them to the senders below
        run_together(app, 3, deliver_pending, session_for_thread())
    finally:
        inbox.stop()
    recipients = sorted(tuple(message["to"]) for message in inbox.messages)
    assert recipients == sorted([("siti@example.test",)] + [(f"buyer{n}@example.test",) for n in range(6)])


def session_for_thread():
    """deliver_pending's first argument in each thread: the thread's own scoped session."""
    from marketplace.extensions import db

    return db.session
