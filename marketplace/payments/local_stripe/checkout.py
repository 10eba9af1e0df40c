"""Checkout Sessions for localstripe, shaped like Stripe's `checkout.session` object.

(Longer than our usual module: it is one whole stand-in for Stripe Checkout — the API resource, its
validation and the test-mode payment page — that only development and the tests load.)

localstripe (PyPI) has PaymentIntents, charges, refunds and signed webhook delivery but no Checkout.
This module adds, as localstripe resources so they live in its store and its event list:

- `POST /v1/checkout/sessions`                    create (mode=payment, price_data line items)
- `GET  /v1/checkout/sessions/{id}`               retrieve
- `GET  /v1/checkout/sessions/{id}/line_items`    list line items
- `POST /v1/checkout/sessions/{id}/expire`        expire an open session → `checkout.session.expired`
- `GET  /c/pay/{id}`                              the "hosted page" the session's `url` points to: a
  test-mode card form (see `hosted_page`) a person can use in the demo
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

import base64
import hashlib
import html
import re
import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from babel.support import Translations
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

from marketplace.money import Money, currency_exponent, stripe_exponent

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
        self._pay(_card("4242424242424242", 12, 2034, "123"), asynchronous=asynchronous)
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


def _session(request) -> CheckoutSession:
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
    session = _session(request)
    exported = session._export()
    if "line_items" in expand:
        exported["line_items"] = session._line_items_list()
    return json_response(exported)


async def list_line_items(request):
    return json_response(_session(request)._line_items_list())


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
    return json_response(_session(request)._complete(asynchronous)._export())


async def async_result(request):
    data = await get_post_data(request) or {}
    return json_response(_session(request)._async_result(str(data.get("outcome", "")))._export())


# -- the hosted page: a test-mode stand-in for checkout.stripe.com -------------------------------------

#: Card numbers the page accepts, as in Stripe's test mode (docs.stripe.com/testing): anything else
#: is refused, so nobody types a real card into a demo. The first three are shown on the page.
TEST_CARDS = {
    "4242424242424242": "succeeds",
    "4000000000000002": "declined",
    "4000000000003220": "authentication",
    "5555555555554444": "succeeds",
    "4000056655665556": "succeeds",
    "4000000000009995": "declined",
    "4000000000000341": "declined",
    "4000002500003155": "authentication",
}
SHOWN_TEST_CARDS = ("4242424242424242", "4000000000000002", "4000000000003220")

TRANSLATIONS_DIR = Path(__file__).resolve().parents[2] / "translations"

STYLE = """
*{box-sizing:border-box}
body{
  margin:0;
  font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:#1b1f24;
  background:#f4f5f7;
}
.test-banner{
  margin:0;
  padding:.6rem 1rem;
  background:#ffd43b;
  color:#1b1f24;
  border-bottom:3px solid #a67c00;
  text-align:center;
}
.test-banner p{margin:0}
main{max-width:30rem;margin:0 auto;padding:1rem}
.box{background:#fff;border:1px solid #c9ced6;border-radius:8px;padding:1rem;margin:0 0 1rem}
h1{font-size:1.2rem;margin:0}
h2{font-size:1.05rem;margin:0 0 .5rem}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0}
.muted{color:#4a525c;margin:0}
.items{list-style:none;padding:0;margin:.5rem 0 0}
.items li{
  display:flex;
  justify-content:space-between;
  gap:1rem;
  border-top:1px solid #e3e6ea;
  padding:.3rem 0;
}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input{
  width:100%;
  font:inherit;
  padding:.6rem;
  border:1px solid #767f8a;
  border-radius:6px;
  background:#fff;
  color:inherit;
}
input[aria-invalid=true]{border:2px solid #b3261e}
.row{display:flex;gap:.75rem}
.row>p{flex:1;margin:0;min-width:0}
p.field{margin:0}
.error{display:block;color:#b3261e;margin-top:.25rem}
.alert{
  background:#fdecea;
  border:1px solid #b3261e;
  color:#7a1a14;
  padding:.75rem;
  border-radius:6px;
  margin:0 0 1rem;
}
button{
  display:block;
  width:100%;
  margin-top:1rem;
  font:inherit;
  font-weight:700;
  padding:.8rem;
  border:2px solid #0b57d0;
  border-radius:6px;
  background:#0b57d0;
  color:#fff;
  cursor:pointer;
}
button.secondary{background:#fff;color:#0b57d0}
a{color:#0b4fb8}
:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.cards{margin:0;padding:0;list-style:none}
.cards li{padding:.3rem 0;border-top:1px solid #e3e6ea}
code{font-size:1rem;white-space:nowrap;font-weight:600}
"""
#: The page's one inline style block, allowed by hash: the page needs no script at all.
STYLE_HASH = "sha256-" + base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()


@lru_cache(maxsize=4)
def _catalogue(lang: str) -> Translations:
    """The marketplace's own catalogue: the page speaks the language the order was placed in."""
    return Translations.load(str(TRANSLATIONS_DIR), [lang])


def _lang(session: CheckoutSession) -> str:
    return "id" if str(session.locale or "").lower().startswith("id") else "en"


def _card(number: str, exp_month: int, exp_year: int, cvc: str) -> PaymentMethod:
    return PaymentMethod(
        type="card", card={"number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": cvc}
    )


def _spaced(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _read_card(form, _) -> tuple[dict, dict[str, str]]:
    """The posted card fields, checked as Stripe's form checks them: (card, errors by field)."""
    values = {name: str(form.get(name, "")).strip()[:40] for name in ("card_number", "expiry", "cvc")}
    errors: dict[str, str] = {}
    number = re.sub(r"[\s-]", "", values["card_number"])
    if not number.isdigit() or len(number) < 16:
        errors["card_number"] = _("Your card number is incomplete.")
    elif len(number) > 16 or not _luhn_ok(number):
        errors["card_number"] = _("Your card number is invalid.")
    elif number not in TEST_CARDS:
        errors["card_number"] = _("This is a test page: use one of the test card numbers shown below.")

    expiry = re.fullmatch(r"(\d{1,2})\s*/\s*(\d{2}|\d{4})|(\d{2})(\d{2})", values["expiry"])
    month = year = 0
    if expiry:
        month = int(expiry.group(1) or expiry.group(3))
        year = int(expiry.group(2) or expiry.group(4))
        year += 2000 if year < 100 else 0
    now = time.gmtime()
    if not expiry or not 1 <= month <= 12 or year >= 2100:
        errors["expiry"] = _("Enter the expiry date as MM / YY.")
    elif (year, month) < (now.tm_year, now.tm_mon):
        errors["expiry"] = _("Your card's expiry date is in the past.")

    if not re.fullmatch(r"\d{3}", values["cvc"]):
        errors["cvc"] = _("Enter the 3-digit security code (CVC).")
    card = {"number": number, "exp_month": month, "exp_year": year, "cvc": values["cvc"]}
    return {"values": values, "card": card}, errors


def _money(session: CheckoutSession, stripe_amount: int, lang: str) -> str:
    """Stripe's integer (IDR counts hundredths) as the amount a person reads."""
    code = session.currency.upper()
    shift = stripe_exponent(code) - currency_exponent(code)
    minor = stripe_amount // 10**shift if shift >= 0 else stripe_amount * 10**-shift
    return Money(int(minor), code).format(lang)


def _success_url(session: CheckoutSession) -> str:
    # Stripe fills in this template variable; our app does not use it, other clients may.
    return session.success_url.replace("{CHECKOUT_SESSION_ID}", session.id)


def _html_response(title: str, body: str, lang: str, *, status: int = 200, session=None) -> web.Response:
    _ = _catalogue(lang).gettext
    esc = html.escape
    banner = _("Test mode — no real money moves. This page stands in for Stripe Checkout.")
    test_mode = _("Test mode")
    document = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · {esc(test_mode)}</title><style>{STYLE}</style></head><body>"
        f'<header class="test-banner"><p><strong>{esc(banner)}</strong></p></header>'
        f"<main>{body}</main></body></html>"
    )
    # After "Pay" the page redirects to the shop: its origin must be allowed as a form target.
    targets = ["'self'"]
    if session is not None and session.success_url:
        parts = urlsplit(session.success_url)
        targets.append(f"{parts.scheme}://{parts.netloc}")
    response = web.Response(text=document, status=status, content_type="text/html")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src '{STYLE_HASH}'; form-action {' '.join(targets)}; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def _summary(session: CheckoutSession, lang: str) -> str:
    _ = _catalogue(lang).gettext
    esc = html.escape
    order = str(session.metadata.get("order_number") or session.client_reference_id or "")
    items = "".join(
        f"<li><span>{item['quantity']} × {esc(item['description'])}</span>"
        f"<span>{esc(_money(session, item['amount_total'], lang))}</span></li>"
        for item in session._line_items
    )
    heading = _("Order %(number)s") % {"number": order} if order else _("Payment")
    receipt = _("Receipt to %(email)s") % {"email": session.customer_email}
    email = f'<p class="muted">{esc(receipt)}</p>' if session.customer_email else ""
    amount_label = _("Amount to pay")
    return (
        f'<section class="box" aria-labelledby="summary-title"><h1 id="summary-title">{esc(heading)}</h1>'
        f'<p class="muted">{esc(amount_label)} ({esc(session.currency.upper())})</p>'
        f'<p class="amount" id="amount">{esc(_money(session, session.amount_total, lang))}</p>'
        f'{email}<ul class="items">{items}</ul></section>'
    )


def _cancel_link(session: CheckoutSession, lang: str) -> str:
    if not session.cancel_url:
        return ""
    _ = _catalogue(lang).gettext
    label = _("Cancel and return")
    return f'<p><a href="{html.escape(session.cancel_url)}">{html.escape(label)}</a></p>'


def _field(name: str, label: str, value: str, error: str | None, **attributes: str) -> str:
    esc = html.escape
    described = f' aria-invalid="true" aria-describedby="{name}-error"' if error else ""
    extra = "".join(f' {key.replace("_", "-")}="{esc(val)}"' for key, val in attributes.items())
    message = f'<strong class="error" id="{name}-error">{esc(error)}</strong>' if error else ""
    return (
        f'<p class="field"><label for="{name}">{esc(label)}</label>'
        f'<input id="{name}" name="{name}" value="{esc(value)}"{extra}{described}>{message}</p>'
    )


def _payment_form(session: CheckoutSession, *, values=None, errors=None, alert: str = "", status=200):
    lang = _lang(session)
    _ = _catalogue(lang).gettext
    esc = html.escape
    values = values or {}
    errors = errors or {}
    summary_of_errors = alert or (_("Please check the card details marked below.") if errors else "")
    alert_html = f'<p class="alert" role="alert">{esc(summary_of_errors)}</p>' if summary_of_errors else ""
    outcomes = {
        "succeeds": _("the payment succeeds"),
        "declined": _("the card is declined"),
        "authentication": _("your bank asks you to confirm the payment"),
    }
    cards = "".join(
        f"<li><code>{_spaced(number)}</code>: {esc(outcomes[TEST_CARDS[number]])}</li>"
        for number in SHOWN_TEST_CARDS
    )
    pay = _("Pay %(amount)s") % {"amount": _money(session, session.amount_total, lang)}
    heading = _("Pay by card")
    cards_heading = _("Test card numbers")
    cards_hint = _(
        "Use any future expiry date and any three digits as the CVC. Never enter a real card number here."
    )
    body = (
        _summary(session, lang)
        + '<section class="box" aria-labelledby="card-title">'
        + f'<h2 id="card-title">{esc(heading)}</h2>{alert_html}'
        + f'<form method="post" action="/c/pay/{esc(session.id)}" novalidate>'
        + _field(
            "card_number",
            _("Card number"),
            values.get("card_number", ""),
            errors.get("card_number"),
            inputmode="numeric",
            autocomplete="cc-number",
            placeholder="1234 1234 1234 1234",
            maxlength="23",
        )
        + '<div class="row">'
        + _field(
            "expiry",
            _("Expiry date (MM / YY)"),
            values.get("expiry", ""),
            errors.get("expiry"),
            inputmode="numeric",
            autocomplete="cc-exp",
            placeholder="MM / YY",
            maxlength="9",
        )
        + _field(
            "cvc",
            _("Security code (CVC)"),
            values.get("cvc", ""),
            errors.get("cvc"),
            inputmode="numeric",
            autocomplete="cc-csc",
            placeholder="123",
            maxlength="3",
        )
        + f'</div><button type="submit">{esc(pay)}</button></form></section>'
        + '<section class="box" aria-labelledby="test-cards-title">'
        + f'<h2 id="test-cards-title">{esc(cards_heading)}</h2><ul class="cards">{cards}</ul>'
        + f'<p class="muted">{esc(cards_hint)}</p>'
        + "</section>"
        + _cancel_link(session, lang)
    )
    return _html_response(_("Pay by card"), body, lang, status=status, session=session)


def _authentication_page(session: CheckoutSession) -> web.Response:
    lang = _lang(session)
    _ = _catalogue(lang).gettext
    esc = html.escape
    title = _("Confirm this payment")
    explanation = _(
        "Your bank asks you to confirm this payment. In test mode you choose the answer your bank would give."
    )
    confirm = _("Confirm the payment")
    refuse = _("Refuse the payment")
    body = (
        _summary(session, lang)
        + '<section class="box" aria-labelledby="auth-title">'
        + f'<h2 id="auth-title">{esc(title)}</h2><p>{esc(explanation)}</p>'
        + f'<form method="post" action="/c/pay/{esc(session.id)}/authenticate">'
        + f'<button type="submit" name="outcome" value="complete">{esc(confirm)}</button>'
        + f'<button type="submit" name="outcome" value="fail" class="secondary">{esc(refuse)}</button>'
        + "</form></section>"
        + _cancel_link(session, lang)
    )
    return _html_response(title, body, lang, session=session)


def _closed_page(session: CheckoutSession) -> web.Response:
    """A page that can no longer be paid: already paid, or expired."""
    lang = _lang(session)
    _ = _catalogue(lang).gettext
    esc = html.escape
    back = _("Return to the shop")
    if session.status == "complete":
        title = _("This payment is complete.")
        link = f'<p><a href="{esc(_success_url(session))}">{esc(back)}</a></p>'
        status = 200
    else:
        title = _("This payment page has expired.")
        target = session.cancel_url or ""
        link = f'<p><a href="{esc(target)}">{esc(back)}</a></p>' if target else ""
        status = 410
    body = _summary(session, lang) + f'<p class="alert" role="alert">{esc(title)}</p>' + link
    return _html_response(title, body, lang, status=status, session=session)


def _is_open(session: CheckoutSession) -> bool:
    return session.status == "open" and session.expires_at >= time.time()


def _hosted_session(request) -> CheckoutSession | None:
    try:
        return _session(request)
    except UserError:
        return None


def _not_found() -> web.Response:
    _ = _catalogue("en").gettext
    message = _("This payment page does not exist.")
    body = f'<p class="alert" role="alert">{html.escape(message)}</p>'
    return _html_response(_("Payment page not found"), body, "en", status=404)


async def hosted_page(request):
    """The stand-in for checkout.stripe.com: what is charged, a card form and the test cards."""
    session = _hosted_session(request)
    if session is None:
        return _not_found()
    if not _is_open(session):
        return _closed_page(session)
    intent = PaymentIntent._api_retrieve(session.payment_intent) if session.payment_intent else None
    if intent is not None and intent.status == "requires_action":
        return _authentication_page(session)
    return _payment_form(session)


async def hosted_pay(request):
    """The buyer presses "Pay": a test card pays (→ success_url), is declined, or needs confirming."""
    # Read the form before looking at the session: no await between the checks and the payment, so
    # a double click's second request sees the first one's outcome.
    form = await request.post()
    session = _hosted_session(request)
    if session is None:
        return _not_found()
    if session.status == "complete":
        raise web.HTTPSeeOther(_success_url(session))  # a second click on "Pay"
    if not _is_open(session):
        return _closed_page(session)
    _ = _catalogue(_lang(session)).gettext
    posted, errors = _read_card(form, _)
    if errors:
        return _payment_form(session, values=posted["values"], errors=errors, status=400)
    card = posted["card"]
    outcome = session._pay(
        _card(card["number"], card["exp_month"], card["exp_year"], card["cvc"]), TEST_CARDS[card["number"]]
    )
    if outcome == "declined":
        message = _("Your card was declined. Try another card.")
        return _payment_form(session, values=posted["values"], alert=message, status=402)
    if outcome == "requires_action":
        raise web.HTTPSeeOther(f"/c/pay/{session.id}")
    raise web.HTTPSeeOther(_success_url(session))


async def hosted_authenticate(request):
    """The buyer's answer on the 3D Secure stand-in: confirmed pays, refused returns to the form."""
    form = await request.post()
    session = _hosted_session(request)
    if session is None:
        return _not_found()
    if session.status == "complete":
        raise web.HTTPSeeOther(_success_url(session))
    if not _is_open(session):
        return _closed_page(session)
    intent = PaymentIntent._api_retrieve(session.payment_intent) if session.payment_intent else None
    if intent is None or intent.status != "requires_action":
        raise web.HTTPSeeOther(f"/c/pay/{session.id}")
    if session._authenticate(form.get("outcome") == "complete") == "paid":
        raise web.HTTPSeeOther(_success_url(session))
    _ = _catalogue(_lang(session)).gettext
    message = _("The payment was not confirmed, so nothing was charged. Try again or use another card.")
    return _payment_form(session, alert=message, status=402)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/checkout/sessions", create_session)
    app.router.add_get("/v1/checkout/sessions", list_sessions)
    app.router.add_get("/v1/checkout/sessions/{id}", retrieve_session)
    app.router.add_get("/v1/checkout/sessions/{id}/line_items", list_line_items)
    app.router.add_post("/v1/checkout/sessions/{id}/expire", expire_session)
    app.router.add_post("/_harness/checkout/sessions/{id}/complete", complete_session)
    app.router.add_post("/_harness/checkout/sessions/{id}/async_result", async_result)
    app.router.add_get("/c/pay/{id}", hosted_page)
    app.router.add_post("/c/pay/{id}", hosted_pay)
    app.router.add_post("/c/pay/{id}/authenticate", hosted_authenticate)
