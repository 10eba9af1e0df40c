"""Helpers for payments tests: signed webhook posts, DB snapshots, a live app server."""

from __future__ import annotations

import json
import threading
import time

import sqlalchemy as sa
from werkzeug.serving import make_server

from marketplace.orders.models import Order, OrderStatus
from marketplace.orders.services import guest_order_token
from marketplace.payments.local_stripe import StripeHarness
from marketplace.payments.models import Payment, StripeEvent
from tests.factories import TEST_PASSWORD
from tests.servers import POLL_SECONDS


def stripe_settings(harness: StripeHarness) -> dict:
    """The app's settings that point it at the local Stripe harness (one per test process)."""
    return {
        "STRIPE_SECRET_KEY": harness.api_key,
        "STRIPE_API_BASE": harness.base_url,
        "STRIPE_WEBHOOK_SECRET": harness.webhook_secret,
        "CSP_EXTRA_FORM_ACTION": (harness.base_url,),
    }


def log_in(client, user) -> None:
    response = client.post("/account/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.status_code


def guest_token(app, order: Order) -> str:
    return guest_order_token(order, secret_key=app.config["SECRET_KEY"])


def signed_post(client_or_url, stripe_server: StripeHarness, event: dict, **sign):
    """POST `event` to the webhook exactly as Stripe would (compact JSON, Stripe-Signature)."""
    payload = json.dumps(event)
    headers = {"Stripe-Signature": stripe_server.sign(payload, **sign), "Content-Type": "application/json"}
    return client_or_url.post("/payments/stripe/webhook", data=payload, headers=headers)


def db_snapshot(session) -> dict:
    """What a webhook or a page could change, to compare before and after."""
    session.expire_all()
    return {
        "orders": session.execute(sa.select(Order.number, Order.status).order_by(Order.id)).all(),
        "payments": session.execute(
            sa.select(Payment.id, Payment.status, Payment.refunded_minor, Payment.needs_refund).order_by(
                Payment.id
            )
        ).all(),
        "events": session.scalars(sa.select(StripeEvent.id)).all(),
    }


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": POLL_SECONDS},
            name="live-app",
            daemon=True,
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def order_status(session, order_id: int) -> OrderStatus:
    session.expire_all()
    return session.scalar(sa.select(Order.status).where(Order.id == order_id))
