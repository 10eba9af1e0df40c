"""Run localstripe, plus Checkout Sessions and idempotency keys, on a free 127.0.0.1 port.

The real `stripe` library talks to it through `STRIPE_API_BASE` / `base_addresses={"api": …}`.
What the harness adds to localstripe 1.15 (without editing its files):

- Checkout Sessions (see `checkout.py`) and a hosted-page stand-in at `/c/pay/<id>`.
- `Idempotency-Key` on every POST, as Stripe does: the same key with the same parameters replays
  the first successful response (header `Idempotent-Replayed: true`); the same key with different
  parameters is a 400 `idempotency_error`; concurrent requests with one key are serialised.
- Card payments recorded before it started, told to it again (see `restore.py`).
- `charge.refunded` webhooks when a refund is created (localstripe creates the refund silently),
  and refunds shaped as Stripe's (every field, `payment_intent` set) for `GET /v1/refunds/{id}`.
- Refunds that fail, as Stripe's test card 4000 0000 0000 5126 does (docs.stripe.com/testing#refunds):
  the refund is created `succeeded` (and `charge.refunded` sent), then `REFUND_FAILS_AFTER` seconds
  later its status turns `failed` with `failure_reason` and `failure_balance_transaction`, the
  charge's `amount_refunded` no longer counts it, and `charge.refund.updated` (with
  `previous_attributes`) and `refund.failed` are sent. Tests fail any refund at once with
  `StripeHarness.fail_refund` (`POST /_harness/refunds/{id}/fail`).
- No pickle of the store in /tmp (localstripe writes one on every change, shared between
  processes); each harness starts empty.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field

import requests
import stripe
from aiohttp import web
from localstripe import resources, server
from localstripe.resources import BalanceTransaction, Charge, Event, PaymentMethod, Refund
from localstripe.webhooks import schedule_webhook

from marketplace.payments.local_stripe import checkout, hosted_page, restore

API_KEY = "sk_test_pasardesa_harness"
WEBHOOK_SECRET = "whsec_pasardesa_harness_secret"  # noqa: S105 - the local test server's, public

# -- localstripe adjustments (harness only) ----------------------------------------------------

resources.Store.dump_to_disk = lambda self: None
resources.Store.try_load_from_disk = lambda self: None

_original_refund_create = Refund._api_create.__func__


#: Fields of Stripe's refund object (docs.stripe.com/api/refunds/object) localstripe leaves out.
_REFUND_FIELDS_MISSING = ("reason", "receipt_number", "source_transfer_reversal", "transfer_reversal")


def _refund_create_with_webhook(cls, **data):
    refund = _original_refund_create(cls, **data)
    charge = Charge._api_retrieve(refund.charge)
    # Shaped as Stripe's: the intent it refunds even when asked by charge, every field present
    # (a retrieve, `GET /v1/refunds/{id}?expand[]=charge`, answers with it).
    if refund.payment_intent is None:
        refund.payment_intent = charge.payment_intent
    for name in _REFUND_FIELDS_MISSING:
        if not hasattr(refund, name):
            setattr(refund, name, None)
    refund.failure_reason = None
    refund.failure_balance_transaction = None
    schedule_webhook(Event("charge.refunded", charge))
    if _card_number(charge) in REFUND_FAILING_CARDS:
        asyncio.get_running_loop().call_later(REFUND_FAILS_AFTER, fail_refund, refund)
    return refund


Refund._api_create = classmethod(_refund_create_with_webhook)

#: Stripe's test card whose refunds fail after first succeeding.
REFUND_FAILING_CARDS = frozenset({"4000000000005126"})
#: Seconds between such a refund's creation and its failure (Stripe: "some time later").
REFUND_FAILS_AFTER = 5


def _card_number(charge) -> str:
    method_id = getattr(charge, "payment_method", None) or getattr(charge, "source", None)
    if isinstance(method_id, str) and method_id.startswith("pm_"):
        try:
            return getattr(PaymentMethod._api_retrieve(method_id), "_card_number", "") or ""
        except Exception:  # noqa: BLE001 - localstripe raises its own UserError for unknown ids
            return ""
    return ""


def fail_refund(refund, reason: str = "expired_or_canceled_card") -> Refund:
    """The refund fails at the card's bank, as Stripe reports it: status, reason, the balance
    transaction giving the money back to the account, and the two events (the refund as object)."""
    if refund.status in ("failed", "canceled"):
        return refund
    previous = {"status": refund.status, "failure_reason": None, "failure_balance_transaction": None}
    txn = BalanceTransaction(
        amount=refund.amount,
        currency=refund.currency,
        description="REFUND FAILURE",
        exchange_rate=1.0,
        reporting_category="refund",
        source=refund.id,
        type="refund",
    )
    # localstripe knows only charge and refund transactions; Stripe names this one so.
    txn.type = txn.reporting_category = "refund_failure"
    refund.status = "failed"
    refund.failure_reason = reason
    refund.failure_balance_transaction = txn.id
    updated = Event("charge.refund.updated", refund)
    updated.data["previous_attributes"] = previous
    schedule_webhook(updated)
    schedule_webhook(Event("refund.failed", refund))
    return refund


def _amount_refunded(charge) -> int:
    """As Stripe counts it: refunds that failed or were canceled gave nothing back."""
    return sum(r.amount for r in charge.refunds._list if r.status not in ("failed", "canceled"))


Charge.amount_refunded = property(_amount_refunded)


async def fail_refund_route(request):
    refund = Refund._api_retrieve(request.match_info["id"])
    return server.json_response(fail_refund(refund)._export())


#: Stripe keeps an idempotency key for 24 hours; so does the harness (the demo's runs for days).
IDEMPOTENCY_KEY_SECONDS = 24 * 3600
#: (key, its fingerprint, status, body, when stored), oldest first.
_idempotent: dict[tuple[str, str], tuple[str, int, bytes, float]] = {}
_idempotency_locks: dict[tuple[str, str], asyncio.Lock] = {}


def _forget_expired_keys(now: float) -> None:
    while _idempotent:
        oldest = next(iter(_idempotent))
        if now - _idempotent[oldest][3] < IDEMPOTENCY_KEY_SECONDS:
            return
        del _idempotent[oldest]
        lock = _idempotency_locks.get(oldest)
        if lock is not None and not lock.locked():
            del _idempotency_locks[oldest]


@web.middleware
async def idempotency_middleware(request, handler):
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key:
        return await handler(request)
    cache_key = (request.headers.get("Authorization", ""), key)
    body = await request.read()
    fingerprint = hashlib.sha256(request.path.encode() + b"\0" + body).hexdigest()
    lock = _idempotency_locks.setdefault(cache_key, asyncio.Lock())
    async with lock:
        _forget_expired_keys(time.monotonic())
        saved = _idempotent.get(cache_key)
        if saved is not None:
            saved_fingerprint, status, saved_body, _ = saved
            if saved_fingerprint != fingerprint:
                return server.json_response(
                    {
                        "error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with.",
                        }
                    },
                    status=400,
                )
            response = web.Response(status=status, body=saved_body, content_type="application/json")
            response.headers["Idempotent-Replayed"] = "true"
            return response
        response = await handler(request)
        if 200 <= response.status < 300:
            _idempotent[cache_key] = (fingerprint, response.status, response.body, time.monotonic())
        return response


_original_auth = server.auth_middleware


@web.middleware
async def auth_middleware(request, handler):
    # The hosted page is what a browser opens; it carries no API key.
    if request.path.startswith("/c/pay/"):
        return await handler(request)
    return await _original_auth(request, handler)


# -- running it ----------------------------------------------------------------------------------


@dataclass
class StripeHarness:
    """A running harness: its base URL, the API key it accepts, and helpers for tests."""

    base_url: str
    api_key: str = API_KEY
    webhook_secret: str = WEBHOOK_SECRET
    _http: requests.Session = field(default_factory=requests.Session, repr=False)

    def forget_idempotency_keys(self) -> None:
        """Forget every key, as Stripe does a day later. Tests empty the database between them, so
        an order number, and the key made from it, comes round again (call between requests)."""
        _idempotent.clear()
        _idempotency_locks.clear()

    def client(self) -> stripe.StripeClient:
        return stripe.StripeClient(self.api_key, base_addresses={"api": self.base_url}, max_network_retries=0)

    def _post(self, path: str, data: dict | None = None) -> dict:
        response = self._http.post(
            self.base_url + path,
            data=data or {},
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=10,
        )
        if response.status_code >= 400:
            raise RuntimeError(f"harness {path}: {response.status_code} {response.text}")
        return response.json() if response.content else {}

    def _get(self, path: str, params: dict | None = None) -> dict:
        response = self._http.get(
            self.base_url + path,
            params=params or {},
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()

    def register_webhook(self, url: str, secret: str | None = None, name: str = "pasardesa") -> None:
        """Deliver every event, signed like Stripe, to `url` (about 1 s after it happens)."""
        self._post(f"/_config/webhooks/{name}", {"url": url, "secret": secret or self.webhook_secret})

    def restore_payments(self, payments: list[dict]) -> dict:
        """Tell the harness about succeeded card payments it should know (`restore.py`): each a dict
        of payment_intent, amount and currency (Stripe's units), amount_refunded, created, metadata.
        Returns {"restored": made now, "known": already there}."""
        response = self._http.post(
            self.base_url + "/_harness/payment_intents/restore",
            json={"payments": payments},
            headers={"Authorization": f"Bearer {self.api_key}"},
            timeout=30,
        )
        if response.status_code >= 400:
            raise RuntimeError(f"harness restore: {response.status_code} {response.text}")
        return response.json()

    def complete_session(self, session_id: str, *, asynchronous: bool = False) -> dict:
        """The buyer pays on the hosted page: a succeeded PaymentIntent + charge, then
        `checkout.session.completed` (payment_status "unpaid" when `asynchronous`)."""
        return self._post(
            f"/_harness/checkout/sessions/{session_id}/complete",
            {"async": "true" if asynchronous else "false"},
        )

    def async_result(self, session_id: str, outcome: str) -> dict:
        return self._post(f"/_harness/checkout/sessions/{session_id}/async_result", {"outcome": outcome})

    def fail_refund(self, refund_id: str) -> dict:
        """The refund fails now at the card's bank: `charge.refund.updated` and `refund.failed`."""
        return self._post(f"/_harness/refunds/{refund_id}/fail")

    def events(self, type: str | None = None) -> list[dict]:  # noqa: A002 - Stripe's name
        params = {"limit": 1_000_000}  # the harness has no 100 cap; we want every event
        if type:
            params["type"] = type
        return self._get("/v1/events", params)["data"]

    def event_for(self, type: str, object_id: str) -> dict:  # noqa: A002
        """The newest event of `type` whose data.object is `object_id`."""
        matches = [e for e in self.events(type) if e["data"]["object"]["id"] == object_id]
        if not matches:
            raise LookupError(f"no {type} event for {object_id}")
        return matches[-1]  # the store keeps insertion order; `created` has only second resolution

    def sign(self, payload: str, *, secret: str | None = None, timestamp: int | None = None) -> str:
        """A `Stripe-Signature` header exactly as Stripe computes it."""
        return stripe.WebhookSignature.generate_signature_header(
            payload, secret or self.webhook_secret, timestamp=timestamp
        )


_started: dict[str, StripeHarness] = {}
_start_lock = threading.Lock()


def started_harness() -> StripeHarness | None:
    """The harness this process started, if it did."""
    return _started.get("harness")


def start_stripe_server(host: str = "127.0.0.1", port: int = 0) -> StripeHarness:
    """Start the harness once per process in a daemon thread and return it (idempotent)."""
    with _start_lock:
        if "harness" in _started:
            return _started["harness"]
        app = server.app
        checkout.add_routes(app)
        hosted_page.add_routes(app)
        restore.add_routes(app)
        app.router.add_post("/_harness/refunds/{id}/fail", fail_refund_route)
        app.middlewares[app.middlewares.index(server.auth_middleware)] = auth_middleware
        app.middlewares.append(idempotency_middleware)

        ready = threading.Event()
        address: dict[str, int] = {}
        loop = asyncio.new_event_loop()

        def run():
            asyncio.set_event_loop(loop)
            runner = web.AppRunner(app, access_log=None)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, host, port)
            loop.run_until_complete(site.start())
            address["port"] = site._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()

        thread = threading.Thread(target=run, name="stripe-harness", daemon=True)
        thread.start()
        if not ready.wait(10):
            raise RuntimeError("the Stripe harness did not start")
        base_url = f"http://{host}:{address['port']}"
        checkout.PUBLIC_BASE["url"] = base_url
        harness = StripeHarness(base_url=base_url)
        _started["harness"] = harness
        return harness


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(
        description="Local Stripe-compatible server for Pasar Desa tests and the demo"
    )
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument(
        "--webhook",
        help="deliver signed events to this URL, e.g. http://127.0.0.1:5000/payments/stripe/webhook",
    )
    args = parser.parse_args()
    harness = start_stripe_server(port=args.port)
    if args.webhook:
        harness.register_webhook(args.webhook)
    settings = {
        "STRIPE_API_BASE": harness.base_url,
        "STRIPE_SECRET_KEY": harness.api_key,
        "STRIPE_WEBHOOK_SECRET": harness.webhook_secret,
    }
    print(json.dumps(settings), flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
