"""The harness behaves like Stripe where our code relies on it (driven by the real `stripe` library)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from marketplace.payments.local_stripe import start_stripe_server
from tests.servers import POLL_SECONDS


@pytest.fixture(scope="module")
def harness():
    return start_stripe_server()


def session_params(**overrides):
    params = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "idr",
                    "unit_amount": 5_000_000,
                    "product_data": {"name": "Kopi robusta"},
                },
                "quantity": 2,
            }
        ],
        "success_url": "http://localhost/ok",
        "cancel_url": "http://localhost/cancel",
        "expires_at": int(time.time()) + 3600,
        "metadata": {"order_number": "PD-TEST"},
        "client_reference_id": "PD-TEST",
    }
    params.update(overrides)
    return params


def test_checkout_session_shape(harness):
    client = harness.client()
    created = client.v1.checkout.sessions.create(params=session_params())
    assert created.id.startswith("cs_test_") and created.object == "checkout.session"
    assert (created.status, created.payment_status, created.payment_intent) == ("open", "unpaid", None)
    assert (created.amount_total, created.currency) == (10_000_000, "idr")
    assert created.url.startswith(harness.base_url + "/c/pay/")
    assert client.v1.checkout.sessions.retrieve(created.id).metadata["order_number"] == "PD-TEST"
    items = client.v1.checkout.sessions.line_items.list(created.id).data
    assert [(i.price.unit_amount, i.quantity, i.description) for i in items] == [
        (5_000_000, 2, "Kopi robusta")
    ]


def test_idempotency_keys(harness):
    client = harness.client()
    first = client.v1.checkout.sessions.create(
        params=session_params(), options={"idempotency_key": "harness-k1"}
    )
    again = client.v1.checkout.sessions.create(
        params=session_params(expires_at=first.expires_at), options={"idempotency_key": "harness-k1"}
    )
    assert again.id == first.id
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(
            params=session_params(client_reference_id="other"), options={"idempotency_key": "harness-k1"}
        )
    other = client.v1.checkout.sessions.create(
        params=session_params(), options={"idempotency_key": "harness-k2"}
    )
    assert other.id != first.id


@pytest.mark.parametrize("expires_in", [60, 25 * 3600])
def test_expires_at_must_be_30_minutes_to_24_hours_ahead(harness, expires_in):
    with pytest.raises(stripe.InvalidRequestError):
        harness.client().v1.checkout.sessions.create(
            params=session_params(expires_at=int(time.time()) + expires_in)
        )


def test_minimum_amount_and_bad_amounts_are_refused(harness):
    client = harness.client()
    tiny = [
        {"price_data": {"currency": "usd", "unit_amount": 49, "product_data": {"name": "x"}}, "quantity": 1}
    ]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params=session_params(line_items=tiny))
    floaty = [
        {
            "price_data": {"currency": "usd", "unit_amount": "12.5", "product_data": {"name": "x"}},
            "quantity": 1,
        }
    ]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.create(params=session_params(line_items=floaty))


def test_complete_expire_and_refund(harness):
    client = harness.client()
    paid = client.v1.checkout.sessions.create(params=session_params())
    completed = harness.complete_session(paid.id)
    assert (completed["status"], completed["payment_status"]) == ("complete", "paid")
    intent = client.v1.payment_intents.retrieve(completed["payment_intent"])
    assert (intent.status, intent.amount, intent.currency) == ("succeeded", 10_000_000, "idr")
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.checkout.sessions.expire(paid.id)  # only open sessions expire

    refund = client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 2_500_000})
    assert (refund.status, refund.amount) == ("succeeded", 2_500_000)
    refunded = harness.event_for("charge.refunded", intent.latest_charge.id)
    charge = refunded["data"]["object"]
    assert (charge["payment_intent"], charge["amount_refunded"], charge["refunded"]) == (
        intent.id,
        2_500_000,
        False,
    )
    assert (
        harness.event_for("checkout.session.completed", paid.id)["data"]["object"]["payment_status"] == "paid"
    )

    left = client.v1.checkout.sessions.create(params=session_params())
    expired = client.v1.checkout.sessions.expire(left.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert harness.event_for("checkout.session.expired", left.id)["data"]["object"]["status"] == "expired"


def test_webhooks_are_signed_like_stripe(harness):
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["Stripe-Signature"]))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
    )
    thread.start()
    secret = "whsec_harness_selftest"
    try:
        harness.register_webhook(f"http://127.0.0.1:{server.server_port}/hook", secret, name="selftest")
        created = harness.client().v1.checkout.sessions.create(params=session_params())
        harness.complete_session(created.id)
        wanted = created.id.encode()

        def delivered():
            return [(b, sig) for b, sig in received if b'"checkout.session.completed"' in b and wanted in b]

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not delivered():
            time.sleep(0.1)
    finally:
        harness._post("/_config/webhooks/selftest", {"url": "http://127.0.0.1:9/none", "secret": "x"})
        server.shutdown()
        server.server_close()
    body, signature = delivered()[0]
    event = stripe.Webhook.construct_event(body, signature, secret)
    assert event.type == "checkout.session.completed"
    assert json.loads(body)["data"]["object"]["id"] == created.id
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, signature, "whsec_wrong")


def test_global_style_refund_create_with_payment_intent(harness, monkeypatch):
    """`stripe.Refund.create(payment_intent=…)`, the library's older global style, works too."""
    client = harness.client()
    created = client.v1.checkout.sessions.create(params=session_params())
    intent_id = harness.complete_session(created.id)["payment_intent"]
    monkeypatch.setattr(stripe, "api_base", harness.base_url)
    monkeypatch.setattr(stripe, "api_key", harness.api_key)
    refund = stripe.Refund.create(payment_intent=intent_id)
    assert (refund.status, refund.amount, refund.payment_intent) == ("succeeded", 10_000_000, intent_id)


def test_hosted_page_pay_button_completes_and_redirects(harness):
    import requests

    created = harness.client().v1.checkout.sessions.create(params=session_params())
    page = requests.get(created.url, timeout=10)
    assert page.status_code == 200 and "PD-TEST" in page.text and "Pay" in page.text
    assert requests.post(created.url, allow_redirects=False, timeout=10).status_code == 400  # no card
    card = {"card_number": "4242 4242 4242 4242", "expiry": "12 / 34", "cvc": "123"}
    paid = requests.post(created.url, data=card, allow_redirects=False, timeout=10)
    assert (paid.status_code, paid.headers["Location"]) == (303, "http://localhost/ok")
    assert harness.client().v1.checkout.sessions.retrieve(created.id).payment_status == "paid"
