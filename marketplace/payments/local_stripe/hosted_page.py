"""The hosted payment page: a test-mode stand-in for checkout.stripe.com, served by localstripe.

`GET /c/pay/{id}` shows what is charged, a card form and the test cards; `POST /c/pay/{id}` pays
with a test card (→ `success_url`), is declined, or asks for the 3D Secure stand-in at
`POST /c/pay/{id}/authenticate`. The Checkout Session itself is in `checkout.py`.
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
    PaymentIntent,
)

from marketplace.money import Money, currency_exponent, stripe_exponent

# Stripe's minimum charge amounts, in Stripe's minor units (docs.stripe.com/currencies#minimum-and-
from marketplace.payments.local_stripe.checkout import CheckoutSession, card_payment_method, session_for

#: Card numbers the page accepts, as in Stripe's test mode (docs.stripe.com/testing): anything else
#: is refused, so nobody types a real card into a demo. The first four are shown on the page.
TEST_CARDS = {
    "4242424242424242": "succeeds",
    "4000000000000002": "declined",
    "4000000000003220": "authentication",
    "5555555555554444": "succeeds",
    "4000056655665556": "succeeds",
    "4000000000009995": "declined",
    "4000000000000341": "declined",
    "4000002500003155": "authentication",
    # Stripe's "refund fails asynchronously" card: paid; a refund of it succeeds, then fails
    # (server.py: `charge.refund.updated`, `refund.failed`).
    "4000000000005126": "refund_fails",
}
SHOWN_TEST_CARDS = ("4242424242424242", "4000000000000002", "4000000000003220", "4000000000005126")

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
        "refund_fails": _("the payment succeeds; a refund of it fails a few seconds later"),
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
        return session_for(request)
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
        card_payment_method(card["number"], card["exp_month"], card["exp_year"], card["cvc"]),
        TEST_CARDS[card["number"]],
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
    app.router.add_get("/c/pay/{id}", hosted_page)
    app.router.add_post("/c/pay/{id}", hosted_pay)
    app.router.add_post("/c/pay/{id}/authenticate", hosted_authenticate)
