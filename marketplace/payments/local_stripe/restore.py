"""Card payments the local Stripe server should already know, told to it again when it starts.

Stripe remembers every payment; the harness keeps its store in memory and starts empty. So a card
payment recorded in our database in an earlier run of `make run`, or made up by the demo data
(`pi_demo_<order number>`, marketplace/monitoring/demo.py), would be unknown to it, and refunding
it would fail. `flask serve` therefore posts each refundable card payment to

- `POST /_harness/payment_intents/restore`  (JSON `{"payments": [{"payment_intent", "amount",
  "currency", "amount_refunded", "created", "metadata"}]}`, amounts in Stripe's units)

and the harness recreates it as it stands at Stripe: a succeeded PaymentIntent under the same id,
paid by the test card 4242 4242 4242 4242, with its charge and what was already refunded of it. No
event is sent (the payment and its refunds happened long ago), so nothing in our database changes;
a refund asked afterwards goes through the real API and its `charge.refunded` webhook as any other.
A payment the harness already knows is left as it is.
"""

from __future__ import annotations

from aiohttp import web
from localstripe.errors import UserError
from localstripe.resources import Charge, PaymentIntent, Refund, random_id, store
from localstripe.server import get_post_data, json_response

from marketplace.payments.local_stripe.checkout import card_payment_method


def _int(value, field: str, *, minimum: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise UserError(400, f"Invalid integer: {value!r}", {"param": field})
    return value


def restore_payment(
    payment_intent=None,
    amount=None,
    currency=None,
    amount_refunded=0,
    created=None,
    metadata=None,
    **unknown,
) -> tuple[PaymentIntent, bool]:
    """The succeeded PaymentIntent `payment_intent`, made if missing; returns (intent, made)."""
    if unknown:
        raise UserError(400, "Received unknown parameter: " + ", ".join(unknown))
    if not isinstance(payment_intent, str) or not payment_intent.startswith("pi_"):
        raise UserError(400, "payment_intent must be a PaymentIntent id", {"param": "payment_intent"})
    amount = _int(amount, "amount", minimum=1)
    amount_refunded = _int(amount_refunded, "amount_refunded", minimum=0)
    if amount_refunded > amount:
        raise UserError(400, "amount_refunded is more than amount", {"param": "amount_refunded"})
    if not isinstance(currency, str) or len(currency) != 3:
        raise UserError(400, "Invalid currency", {"param": "currency"})
    currency = currency.lower()
    if metadata is not None and not isinstance(metadata, dict):
        raise UserError(400, "Invalid metadata", {"param": "metadata"})
    known = store.get(f"{PaymentIntent.object}:{payment_intent}")
    if known is not None:
        if (known.amount, known.currency) != (amount, currency):
            raise UserError(409, f"{payment_intent} is known with another amount")
        return known, False

    card = card_payment_method("4242424242424242", 12, 2034, "123")
    intent = PaymentIntent(amount=amount, currency=currency, payment_method=card.id, metadata=metadata)
    # Under the id our database recorded (localstripe draws ids; Stripe never reuses one).
    del store[f"{PaymentIntent.object}:{intent.id}"]
    intent.id = payment_intent
    intent.client_secret = f"{payment_intent}_secret_{random_id(16)}"
    store[f"{PaymentIntent.object}:{payment_intent}"] = intent
    charge = Charge(amount=amount, currency=currency, source=card.id)
    charge.payment_intent = intent.id
    intent.latest_charge = charge
    charge._trigger_payment()  # succeeded, with its balance transaction; no callback, so no event
    if amount_refunded:
        Refund(charge=charge.id, amount=amount_refunded).payment_intent = intent.id
    if isinstance(created, int) and created > 0:
        intent.created = charge.created = created
    return intent, True


async def restore_payments(request):
    data = await get_post_data(request) or {}
    payments = data.get("payments")
    if not isinstance(payments, list):
        raise UserError(400, "payments must be a list", {"param": "payments"})
    made = 0
    for index, payment in enumerate(payments):
        if not isinstance(payment, dict):
            raise UserError(400, "Invalid payment", {"param": f"payments[{index}]"})
        _, created = restore_payment(**payment)
        made += created
    return json_response({"object": "list", "restored": made, "known": len(payments) - made})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/_harness/payment_intents/restore", restore_payments)
