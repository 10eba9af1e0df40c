"""Checkout Sessions for localstripe, shaped like Stripe's `checkout.session` object.

localstripe (PyPI) has PaymentIntents, charges, refunds and signed webhook delivery but no Checkout.
This module adds, as localstripe resources so they live in its store and its event list:

- `POST /v1/checkout/sessions`                    create (mode=payment, price_data line items)
- `GET  /v1/checkout/sessions/{id}`               retrieve
- `GET  /v1/checkout/sessions/{id}/line_items`    list line items
- `POST /v1/checkout/sessions/{id}/expire`        expire an open session → `checkout.session.expired`
- `GET  /c/pay/{id}`                              the "hosted page" the session's `url` points to: a
  test-mode card form (`hosted_page.py`) a person can use in the demo
- `POST /c/pay/{id}`                              its "Pay" button: a test card completes the session
  (as below) and redirects to `success_url`; a declined one leaves it open (no API key: a browser
  posts it)
- `POST /c/pay/{id}/authenticate`                 the stand-in for the bank's 3D Secure step
- `POST /_harness/checkout/sessions/{id}/complete`  test only: the buyer paid → succeeded PaymentIntent
  and charge, `checkout.session.completed` (payment_status paid, or unpaid with `async=true`)
- `POST /_harness/checkout/sessions/{id}/async_result`  test only: `outcome=succeeded|failed` →
  `checkout.session.async_payment_succeeded|failed`

Validation follows Stripe's documented rules closely enough to catch our mistakes: integer
amounts, one currency, `expires_at` 30 minutes to 24 hours ahead, Stripe's minimum charge.
"""

from __future__ import annotations

import time

from aiohttp import web
from localstripe.errors import UserError
from localstripe.resources import (
    Charge,
    Event,
    PaymentIntent,
    PaymentMethod,
    StripeObject,
    random_id,
    store,
)
from localstripe.server import get_post_data, json_response, unflatten_data
from localstripe.webhooks import schedule_webhook

# Stripe's minimum charge amounts, in Stripe's minor units (docs.stripe.com/currencies#minimum-and-
# maximum-charge-amounts). IDR is not listed; Stripe then checks USD 0.50 in settlement, which the
# harness approximates as Rp 8.000.
MINIMUM_AMOUNTS = {
    "usd": 50,
    "eur": 50,
    "gbp": 30,
    "aud": 50,
    "sgd": 50,
    "myr": 200,
    "jpy": 50,
    "cad": 50,
    "chf": 50,
    "nzd": 50,
    "hkd": 400,
    "thb": 1000,
    "idr": 800_000,
}

MIN_EXPIRY_SECONDS = 30 * 60
MAX_EXPIRY_SECONDS = 24 * 3600

# Set by the server module once it knows its own address.
PUBLIC_BASE = {"url": "http://127.0.0.1"}


def _int(value, field):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise UserError(400, f"Invalid integer: {value}", {"param": field}) from None
    if str(number) != str(value).strip():
        raise UserError(400, f"Invalid integer: {value}", {"param": field})
    return number


class CheckoutSession(StripeObject):
    object = "checkout.session"
    _id_prefix = "cs_test_"

    def __init__(
        self,
        mode=None,
        line_items=None,
        success_url=None,
        cancel_url=None,
        expires_at=None,
        metadata=None,
        client_reference_id=None,
        customer_email=None,
        payment_method_types=None,
        locale=None,
        payment_intent_data=None,
        submit_type=None,
        **kwargs,
    ):
        if kwargs:
            raise UserError(400, "Received unknown parameter: " + ", ".join(kwargs))
        if mode != "payment":
            raise UserError(400, "The harness supports mode=payment only", {"param": "mode"})
        if not success_url or not str(success_url).startswith(("http://", "https://")):
            raise UserError(400, "Not a valid URL", {"param": "success_url"})
        if cancel_url is not None and not str(cancel_url).startswith(("http://", "https://")):
            raise UserError(400, "Not a valid URL", {"param": "cancel_url"})
        if not isinstance(line_items, list) or not line_items:
            raise UserError(400, "line_items is required in payment mode", {"param": "line_items"})
        if metadata is not None and not isinstance(metadata, dict):
            raise UserError(400, "Invalid metadata", {"param": "metadata"})

        items = []
        currencies = set()
        for index, item in enumerate(line_items):
            param = f"line_items[{index}]"
            if not isinstance(item, dict) or not isinstance(item.get("price_data"), dict):
                raise UserError(400, "price_data is required", {"param": param})
            price = item["price_data"]
            currency = str(price.get("currency", "")).lower()
            if len(currency) != 3 or currency != currency.strip():
                raise UserError(400, "Invalid currency", {"param": f"{param}[price_data][currency]"})
            unit_amount = _int(price.get("unit_amount"), f"{param}[price_data][unit_amount]")
            quantity = _int(item.get("quantity"), f"{param}[quantity]")
            if unit_amount < 0 or quantity < 1:
                raise UserError(400, "Invalid amount or quantity", {"param": param})
            product = price.get("product_data")
            if not isinstance(product, dict) or not product.get("name"):
                raise UserError(400, "product_data[name] is required", {"param": f"{param}[price_data]"})
            currencies.add(currency)
            items.append(
                {
                    "id": "li_" + random_id(14),
                    "object": "item",
                    "amount_subtotal": unit_amount * quantity,
                    "amount_total": unit_amount * quantity,
                    "currency": currency,
                    "description": product["name"],
                    "quantity": quantity,
                    "price": {
                        "id": "price_" + random_id(14),
                        "object": "price",
                        "currency": currency,
                        "unit_amount": unit_amount,
                        "product": "prod_" + random_id(14),
                        "product_data": {"name": product["name"]},
                    },
                }
            )
        if len(currencies) != 1:
            raise UserError(400, "All line items must use the same currency", {"param": "line_items"})
        currency = currencies.pop()
        total = sum(item["amount_total"] for item in items)
        minimum = MINIMUM_AMOUNTS.get(currency)
        if minimum is not None and total < minimum:
            raise UserError(
                400,
                f"The Checkout Session's total amount due must add up to at least {minimum} {currency}",
                {"code": "amount_too_small"},
            )

        now = int(time.time())
        if expires_at is None:
            expires_at = now + MAX_EXPIRY_SECONDS
        expires_at = _int(expires_at, "expires_at")
        if not now + MIN_EXPIRY_SECONDS - 5 <= expires_at <= now + MAX_EXPIRY_SECONDS + 5:
            raise UserError(
                400,
                "The `expires_at` timestamp must be between 30 minutes and 24 hours from now.",
                {"param": "expires_at"},
            )

        # All exceptions must be raised before this point (StripeObject stores itself).
        super().__init__()
        self.mode = mode
        self.status = "open"
        self.payment_status = "unpaid"
        self.currency = currency
        self.amount_subtotal = total
        self.amount_total = total
        self.success_url = success_url
        self.cancel_url = cancel_url
        self.expires_at = expires_at
        self.metadata = metadata or {}
        self.client_reference_id = client_reference_id
        self.customer_email = customer_email
        self.customer = None
        self.payment_intent = None
        self.payment_method_types = payment_method_types or ["card"]
        self.locale = locale
        self.submit_type = submit_type
        self.url = f"{PUBLIC_BASE['url']}/c/pay/{self.id}"
        self._line_items = items
        self._payment_intent_metadata = (payment_intent_data or {}).get("metadata") or {}

    # -- API -------------------------------------------------------------------------------------

    @classmethod
    def _api_expire(cls, id, **kwargs):
        session = cls._api_retrieve(id)
        if session.status != "open":
            raise UserError(
                400,
                f"Only Checkout Sessions with a status of `open` can be expired; "
                f"this one is `{session.status}`.",
            )
        session.status = "expired"
        session.url = None
        schedule_webhook(Event("checkout.session.expired", session))
        return session

    def _check_open(self):
        if self.status != "open":
            raise UserError(400, f"Session is {self.status}, not open")
        if self.expires_at < time.time():
            raise UserError(400, "Session has expired")

    def _intent_for(self, card: PaymentMethod) -> PaymentIntent:
        """The session's one PaymentIntent, now with `card`: Stripe keeps the intent of a declined
        attempt and confirms it again with the next card."""
        if self.payment_intent:
            intent = PaymentIntent._api_retrieve(self.payment_intent)
            intent.payment_method = card.id
            intent.latest_charge = None
            intent.next_action = None
            intent._authentication_failed = False
            return intent
        intent = PaymentIntent(
            amount=self.amount_total,
            currency=self.currency,
            payment_method=card.id,
            metadata=dict(self._payment_intent_metadata),
        )
        self.payment_intent = intent.id
        return intent

    def _finish(self, *, paid: bool):
        self.status = "complete"
        self.url = None
        self.payment_status = "paid" if paid else "unpaid"
        schedule_webhook(Event("checkout.session.completed", self))

    def _pay(self, card: PaymentMethod, outcome: str = "succeeds", *, asynchronous: bool = False) -> str:
        """The buyer submits `card` ("succeeds", "declined" or "authentication", see TEST_CARDS).

        Returns "paid", "processing" (a delayed method: complete but unpaid, the money comes
        later), "declined" (the session stays open for another card) or "requires_action".
        """
        self._check_open()
        intent = self._intent_for(card)
        if asynchronous:
            self._finish(paid=False)
            return "processing"
        if outcome == "declined":
            # Stripe records a failed charge on the intent and tells the merchant; the page stays open.
            charge = Charge(amount=intent.amount, currency=intent.currency, source=card.id)
            charge.payment_intent = intent.id
            charge._set_auth_failure()
            intent.latest_charge = charge
            schedule_webhook(Event("payment_intent.payment_failed", intent))
            return "declined"
        intent._confirm(on_failure_now=intent._report_failure)
        if intent.status == "requires_action":
            return "requires_action"
        self._finish(paid=True)
        return "paid"

    def _authenticate(self, success: bool) -> str:
        """The buyer's answer to the 3D Secure step: "paid" or "authentication_failed"."""
        self._check_open()
        intent = PaymentIntent._api_retrieve(self.payment_intent) if self.payment_intent else None
        if intent is None or intent.status != "requires_action":
            raise UserError(400, "No payment is waiting for authentication")
        intent.next_action = None
        if not success:
            intent._authentication_failed = True
            intent.payment_method = None
            schedule_webhook(Event("payment_intent.payment_failed", intent))
            return "authentication_failed"
        intent._create_charge(on_failure_now=intent._report_failure)
        self._finish(paid=True)
        return "paid"

    def _complete(self, asynchronous: bool):
        """Test shortcut: the buyer paid with 4242 4242 4242 4242 (as the hosted page's "Pay")."""
        self._check_open()
        self._pay(card_payment_method("4242424242424242", 12, 2034, "123"), asynchronous=asynchronous)
        return self

    def _async_result(self, outcome: str):
        if self.status != "complete" or self.payment_status != "unpaid":
            raise UserError(400, "Session is not waiting for an asynchronous payment")
        if outcome == "succeeded":
            intent = PaymentIntent._api_retrieve(self.payment_intent)
            intent._confirm(on_failure_now=intent._report_failure)
            self.payment_status = "paid"
            schedule_webhook(Event("checkout.session.async_payment_succeeded", self))
        elif outcome == "failed":
            schedule_webhook(Event("checkout.session.async_payment_failed", self))
        else:
            raise UserError(400, "outcome must be succeeded or failed")
        return self

    def _line_items_list(self):
        return {
            "object": "list",
            "url": f"/v1/checkout/sessions/{self.id}/line_items",
            "has_more": False,
            "data": [dict(item) for item in self._line_items],
        }


def card_payment_method(number: str, exp_month: int, exp_year: int, cvc: str) -> PaymentMethod:
    return PaymentMethod(
        type="card", card={"number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": cvc}
    )


def session_for(request) -> CheckoutSession:
    """The Checkout Session named by the URL's `{id}` (a 404 UserError when unknown)."""
    return CheckoutSession._api_retrieve(request.match_info["id"])


async def create_session(request):
    data = await get_post_data(request) or {}
    expand = data.pop("expand", None) or []
    session = CheckoutSession(**data)
    exported = session._export()
    if "line_items" in expand:
        exported["line_items"] = session._line_items_list()
    return json_response(exported)


async def retrieve_session(request):
    data = unflatten_data(request.query)
    expand = data.pop("expand", None) or []
    session = session_for(request)
    exported = session._export()
    if "line_items" in expand:
        exported["line_items"] = session._line_items_list()
    return json_response(exported)


async def list_line_items(request):
    return json_response(session_for(request)._line_items_list())


async def expire_session(request):
    await get_post_data(request)
    return json_response(CheckoutSession._api_expire(request.match_info["id"])._export())


async def list_sessions(request):
    data = unflatten_data(request.query)
    sessions = [value for key, value in list(store.items()) if key.startswith("checkout.session:")]
    intent = data.get("payment_intent")
    if intent:
        sessions = [s for s in sessions if s.payment_intent == intent]
    return json_response(
        {
            "object": "list",
            "url": "/v1/checkout/sessions",
            "has_more": False,
            "data": [s._export() for s in sessions],
        }
    )


async def complete_session(request):
    data = await get_post_data(request) or {}
    asynchronous = str(data.get("async", "false")).lower() == "true"
    return json_response(session_for(request)._complete(asynchronous)._export())


async def async_result(request):
    data = await get_post_data(request) or {}
    return json_response(session_for(request)._async_result(str(data.get("outcome", "")))._export())


def add_routes(app: web.Application) -> None:
    """The Checkout Session API; the hosted page's routes are `hosted_page.add_routes`."""
    app.router.add_post("/v1/checkout/sessions", create_session)
    app.router.add_get("/v1/checkout/sessions", list_sessions)
    app.router.add_get("/v1/checkout/sessions/{id}", retrieve_session)
    app.router.add_get("/v1/checkout/sessions/{id}/line_items", list_line_items)
    app.router.add_post("/v1/checkout/sessions/{id}/expire", expire_session)
    app.router.add_post("/_harness/checkout/sessions/{id}/complete", complete_session)
    app.router.add_post("/_harness/checkout/sessions/{id}/async_result", async_result)
