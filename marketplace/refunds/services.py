"""Refunds a curator makes: full or partial, per seller part and per line, goods back to stock.

Rules:

- A refund is against one succeeded payment. What can still go back is the payment's amount minus
  `Payment.refunded_minor` (what Stripe, or a recorded bank transfer, already gave back) minus our
  card refunds still PENDING (asked of Stripe, webhook not yet arrived). The `charge.refunded`
  webhook raises `refunded_minor` and, through `confirm_card_refunds`, turns our rows SUCCEEDED in
  the same transaction — so a refund is never counted twice, nor missed. Stripe's figure counts
  card refunds only: it is compared with `refunded_minor` minus the payment's bank refunds
  (`queries.bank_refunded_minor`; `queries.refund_sums` gives both parts and what is left).
- All of it runs under a row lock on the order and its payment (SELECT … FOR UPDATE on PostgreSQL;
  on SQLite the database's write lock, taken before the first read: marketplace/extensions.py), so
  two curators cannot refund the same money at once.
- The form carries a token: a second submit of the same form finds the first refund (one effect);
  card refunds send it to Stripe as the idempotency key.
- Lines: units of an order line (at the price the buyer paid) and/or a parcel's shipping. Stock
  (StockMovement RETURN) comes back only for units that never left — refunded units of a parcel
  not shipped yet, which the seller is then told not to ship — or, for a shipped parcel, units the
  curator says came back ("units came back"). Never twice: each return is capped by what the
  stock ledger says is still out (`stock.services.unreturned_units`), read under the order's lock,
  and by the refunded units not back on sale yet (a failed refund's units stay on sale).
- Money taken that should never have been (a late payment for a cancelled order, a second
  payment): the payment goes back whole, with no lines, no stock and no ledger entries.
- Every refund: payout ledger entries for the sellers' shares, an audit row ("refund.create"), an
  email to the buyer in the order's language and one to each seller concerned (every account
  that runs the shop, in its language): what was refunded and what is left to ship.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace import signals
from marketplace.audit.services import record_action
from marketplace.email.services import send_email
from marketplace.errors import ValidationError
from marketplace.money import Money
from marketplace.orders import services as orders
from marketplace.orders.amounts import shipping_idr
from marketplace.orders.models import (
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderStatus,
    PaymentMethod,
)
from marketplace.orders.notifications import order_link
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.payments.services import refund_stripe_payment
from marketplace.refunds.models import Refund, RefundLine, RefundStatus
from marketplace.refunds.parcels import units_left_by_line
from marketplace.refunds.queries import (
    REFUNDED_STATUSES,
    find_refund_by_token,
    has_failed_card_refund,
    paying_payment,
    pending_minor,
    refundable_minor,
    refunded_so_far,
)
from marketplace.refunds.reasons import buyer_reason
from marketplace.refunds.seller_notice import email_sellers
from marketplace.stock.services import return_to_stock, unreturned_units

ACTOR_PREFIX = "curator"
MAX_REASON = 2000
#: Orders refunded line by line. REFUNDED too: a whole refund that then failed at Stripe leaves the
#: order refunded while its lines (the failed refund's excluded) are refunded again.
LINE_STATUSES = frozenset({*orders.PAID_STATUSES, OrderStatus.REFUNDED})
#: A parcel in one of these has left the seller: its refunded units come back only if returned.
SHIPPED_STATUSES = (FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED)


@dataclass
class RefundRequest:
    """What the curator asked for (parsed from the form)."""

    reason: str
    token: str
    #: Everything not refunded yet (all units, all shipping, the rest of the payment).
    full: bool = False
    #: {order_line_id: units refunded}
    quantities: dict[int, int] = field(default_factory=dict)
    #: Shipped parcels only: {order_line_id: of those units, how many came back to go on sale
    #: again}. Units of a parcel not shipped yet always go back on sale (they never left).
    restock: dict[int, int] = field(default_factory=dict)
    #: Shipped parcels (fulfilment ids) whose refunded units all came back ("units came back").
    came_back: set[int] = field(default_factory=set)
    #: Fulfilment ids whose shipping is refunded.
    shipping: set[int] = field(default_factory=set)
    #: Bank transfers: the reference of the transfer back to the buyer.
    bank_reference: str = ""
    #: Refund this payment (one flagged `needs_refund`) instead of the order's paying payment.
    payment_id: int | None = None
    #: The amount the curator saw in the preview: refused if the refund would now be another one.
    expected_minor: int | None = None
    #: {fulfilment_id: an amount (order currency) off that seller's part, no units}: a problem
    #: case's partial refund. Spread over the part's lines as lines of quantity 0.
    amounts: dict[int, int] = field(default_factory=dict)
    #: A card payment paid back by a bank transfer the curator made (`bank_reference`), allowed
    #: once a card refund of it failed at Stripe (refunds/failures.py).
    by_bank: bool = False


# -- writing ----------------------------------------------------------------------------------


def _lock(session: Session, order: Order) -> list[Payment]:
    """Lock the order, then its payments (the order first, as payments and orders services do)."""
    session.scalar(
        sa.select(Order)
        .where(Order.id == order.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    payments = list(
        session.scalars(
            sa.select(Payment)
            .where(Payment.order_id == order.id)
            .order_by(Payment.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    # The parcels too: a seller shipping now waits, so "shipped or not" (which decides whether
    # refunded units go back on sale) cannot change under the refund.
    session.scalars(
        sa.select(Fulfilment)
        .where(Fulfilment.order_id == order.id)
        .order_by(Fulfilment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return payments


def _int(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(_("Enter whole numbers of units."))
    return value


@dataclass
class RefundPreview:
    """What a refund form would refund, before it is submitted (nothing written)."""

    amount_minor: int
    currency: str
    lines: list[RefundLine]
    #: Units that would go back on sale.
    restocked: int


def preview_refund(session: Session, order: Order, request: RefundRequest) -> RefundPreview:
    """The amount (and lines) `request` would refund now, by the same rules as `create_refund`.

    Reads only (no lock, no token): the refund itself checks again under the lock. Raises
    ValidationError as `create_refund` would.
    """
    payments = list(
        session.scalars(sa.select(Payment).where(Payment.order_id == order.id).order_by(Payment.id))
    )
    payment, _payment_only, _left, lines, amount = _plan(session, order, request, payments)
    return RefundPreview(
        amount_minor=amount,
        currency=payment.currency,
        lines=lines,
        restocked=sum(line.restocked for line in lines),
    )


def _plan(
    session: Session, order: Order, request: RefundRequest, payments: list[Payment]
) -> tuple[Payment, bool, int, list[RefundLine], int]:
    """(payment, payment only, left to refund, lines, amount) for `request`; ValidationError."""
    if request.payment_id is not None:
        payment = next((p for p in payments if p.id == request.payment_id), None)
        if payment is None or payment.status not in REFUNDED_STATUSES:
            raise ValidationError(_("This payment has nothing left to refund."))
    else:
        payment = paying_payment(payments)
        if payment is None:
            raise ValidationError(_("Nothing was paid for this order, so nothing can be refunded."))
        if payment.status not in REFUNDED_STATUSES:
            raise ValidationError(_("This payment has nothing left to refund."))
    payment_only = payment.needs_refund or order.status not in LINE_STATUSES
    left = refundable_minor(payment, pending_minor(session, [payment.id]).get(payment.id, 0))
    if left <= 0:
        raise ValidationError(_("This payment has nothing left to refund."))

    lines: list[RefundLine] = []
    if payment_only:
        amount = left  # money that should never have been taken goes back whole
    else:
        lines = _refund_lines(session, order, request)
        amount = left if request.full else sum(line.amount_minor for line in lines)
        if amount <= 0:
            raise ValidationError(
                _("Choose what to refund: units of a product, a parcel's shipping, or everything.")
            )
        if amount > left:
            raise ValidationError(
                _(
                    "A refund cannot exceed what is left of the payment (%(left)s).",
                    left=Money(left, payment.currency).format(),
                )
            )

    return payment, payment_only, left, lines, amount


def create_refund(
    session: Session,
    order: Order,
    request: RefundRequest,
    *,
    actor,
    now: datetime,
    stripe_client=None,
) -> tuple[Refund, bool]:
    """Refund (part of) an order; returns (refund, created) — created False for a repeated token.

    Card payments are refunded through Stripe's API (the row stays PENDING until the webhook);
    bank transfers are recorded as paid back by the curator (SUCCEEDED at once, `bank_reference`
    required), and so is a card payment with `request.by_bank` once Stripe failed one of its card
    refunds (refunds/failures.py). Raises ValidationError (no reason, nothing chosen, more than
    bought or than what is left to refund, more units back than refunded, not paid),
    Conflict/PaymentProviderUnavailable from Stripe. Flushes only: the caller commits.
    """
    token = (request.token or "").strip()
    if not token or len(token) > 64:
        raise ValidationError(_("The form expired. Please open the page again."))
    existing = find_refund_by_token(session, token)
    if existing is not None:
        return existing, False
    reason = (request.reason or "").strip()
    if not reason:
        raise ValidationError(_("Say why the money goes back."), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(_("The reason is too long."), field="reason")

    payments = _lock(session, order)
    existing = find_refund_by_token(session, token)  # the other submit may have won the lock
    if existing is not None:
        return existing, False

    payment, payment_only, left, lines, amount = _plan(session, order, request, payments)
    # Before this refund: what went back (a bank refund below raises it), and what waits for Stripe.
    refunded_before = payment.refunded_minor
    waiting_before = payment.amount_minor - refunded_before - left
    if request.expected_minor is not None and request.expected_minor != amount:
        raise ValidationError(
            _(
                "The amount changed since you saw it: it is now %(amount)s. Check it and confirm again.",
                amount=Money(amount, payment.currency).format(),
            )
        )

    bank_reference = (request.bank_reference or "").strip()
    by_card = payment.method == PaymentMethod.STRIPE and not request.by_bank
    if (
        not by_card
        and payment.method == PaymentMethod.STRIPE
        and not has_failed_card_refund(session, payment)
    ):
        raise ValidationError(
            _("A card payment goes back to the card. Pay it back by bank only after Stripe could not.")
        )
    refund = Refund(
        order_id=order.id,
        payment_id=payment.id,
        method=PaymentMethod.STRIPE if by_card else PaymentMethod.BANK_TRANSFER,
        amount_minor=amount,
        currency=payment.currency,
        reason=reason,
        token=token,
        returns_payment_only=payment_only,
        created_by_id=getattr(actor, "id", None),
        created_at=now,
        lines=lines,
    )
    # Before the payment is recorded: a full bank refund moves the order to REFUNDED, which puts
    # back whatever is still out; these units are then no longer out, so nothing goes back twice.
    restock = {line.order_line_id: line.restocked for line in lines if line.order_line_id and line.restocked}
    if restock:
        return_to_stock(
            session,
            order,
            quantities=restock,
            reason=f"refunded: order {order.number}",
            actor_id=getattr(actor, "id", None),
            now=now,
        )
    label = f"{ACTOR_PREFIX} {getattr(actor, 'email', '')}".strip()
    if by_card:
        refund.stripe_refund_id = refund_stripe_payment(
            session,
            payment,
            amount_minor=amount,
            client=stripe_client,
            idempotency_key=f"pd-refund-{payment.provider_reference}-{token}",
        )
        refund.status = RefundStatus.PENDING
        session.add(refund)
        session.flush()
    else:
        if not bank_reference:
            raise ValidationError(
                _("Enter the reference of your transfer back to the buyer."), field="bank_reference"
            )
        if len(bank_reference) > 120:
            raise ValidationError(_("The bank reference is too long."), field="bank_reference")
        refund.bank_reference = bank_reference
        refund.status = RefundStatus.SUCCEEDED
        refund.confirmed_at = now
        session.add(refund)
        session.flush()
        _record_bank_refund(
            session, order, payment, amount, actor_id=getattr(actor, "id", None), label=label, now=now
        )

    # The payout ledger takes the sellers' share back (payouts listens; not for payment-only refunds).
    signals.refund_created.send(session=session, refund=refund, order=order, now=now)

    seller_ids = sorted({line.seller_id for line in lines})
    record_action(
        session,
        actor=actor,
        action="refund.create",
        target_type="order",
        target_id=order.id,
        target_label=order.number,
        seller_id=seller_ids[0] if len(seller_ids) == 1 else None,
        before={"refunded_minor": refunded_before, "waiting_minor": waiting_before},
        after={
            "refund_id": refund.id,
            "amount_minor": amount,
            "currency": payment.currency,
            "method": refund.method,
            "bank_reference": refund.bank_reference,
            "stripe_refund_id": refund.stripe_refund_id,
            "lines": [
                {
                    "order_line_id": line.order_line_id,
                    "fulfilment_id": line.fulfilment_id,
                    "quantity": line.quantity,
                    "restocked": line.restocked,
                    "amount_minor": line.amount_minor,
                }
                for line in lines
            ],
        },
        note=reason,
    )
    _email_buyer(session, order, refund)
    email_sellers(session, order, refund, left_to_ship=units_left_by_line(session, order))
    session.flush()
    return refund, True


def _refund_lines(session: Session, order: Order, request: RefundRequest) -> list[RefundLine]:
    units_done, restocked_done, shipping_done = refunded_so_far(session, order)
    lines_by_id = {line.id: line for line in order.lines}
    unknown = (set(request.quantities) | set(request.restock)) - set(lines_by_id)
    fulfilments = {f.id: f for f in order.fulfilments}
    if unknown or (set(request.shipping) | set(request.came_back) | set(request.amounts)) - set(fulfilments):
        raise ValidationError(_("That line is not part of this order."))
    # What the stock ledger says is still out (never returned, nor released by a cancellation):
    # the cap that keeps a unit from going back on sale twice.
    still_out = unreturned_units(session, order)
    result = []
    for line in order.lines:
        left = line.quantity - units_done.get(line.id, 0)
        units = left if request.full else _int(request.quantities.get(line.id, 0))
        back = _int(request.restock.get(line.id, 0))
        if units < 0 or back < 0:
            raise ValidationError(_("Enter whole numbers of units."))
        if units > left:
            raise ValidationError(
                _("Only %(left)d of “%(title)s” can still be refunded.", left=left, title=line.title_id)
            )
        if back > units:
            raise ValidationError(_("More units cannot come back than are refunded."))
        parcel = fulfilments[line.fulfilment_id]
        if parcel.status not in SHIPPED_STATUSES or parcel.id in request.came_back:
            back = units  # never left the seller (who is told not to ship them), or came back
        # Only refunded units not back on sale yet can go back: a unit a refund that failed put
        # back on sale is still there, so refunding it again puts nothing back a second time.
        back = min(
            back,
            still_out.get(line.id, 0),
            max(units_done.get(line.id, 0) + units - restocked_done.get(line.id, 0), 0),
        )
        if units:
            result.append(
                RefundLine(
                    fulfilment_id=line.fulfilment_id,
                    seller_id=line.seller_id,
                    order_line_id=line.id,
                    quantity=units,
                    restocked=back,
                    amount_minor=line.unit_price_minor * units,
                    amount_idr=line.unit_price_idr * units,
                )
            )
    for fulfilment in order.fulfilments:
        wanted = request.full or fulfilment.id in request.shipping
        if wanted and fulfilment.shipping_minor > 0 and fulfilment.id not in shipping_done:
            result.append(
                RefundLine(
                    fulfilment_id=fulfilment.id,
                    seller_id=fulfilment.seller_id,
                    order_line_id=None,
                    quantity=0,
                    restocked=0,
                    amount_minor=fulfilment.shipping_minor,
                    amount_idr=shipping_idr(order, fulfilment),
                )
            )
        elif fulfilment.id in request.shipping and not request.full and fulfilment.id in shipping_done:
            raise ValidationError(_("That parcel's shipping was refunded already."))
        if fulfilment.id in request.amounts and not request.full:
            result.extend(_amount_lines(order, fulfilment, _int(request.amounts[fulfilment.id])))
    return result


def _amount_lines(order: Order, fulfilment, amount: int) -> list[RefundLine]:
    """An amount off one seller's part, spread over its lines by their value (quantity 0 each).

    At most the part's goods and shipping (what is left of the payment is checked after).
    """
    lines = list(fulfilment.lines)
    goods = sum(line.line_total_minor for line in lines)
    if amount <= 0 or not lines:
        raise ValidationError(_("Enter the amount to refund."))
    if amount > goods + fulfilment.shipping_minor:
        raise ValidationError(_("A refund cannot exceed what the buyer paid for this part."))
    result, given = [], 0
    for index, line in enumerate(lines):
        last = index == len(lines) - 1
        share = amount - given if last else (amount * line.line_total_minor // goods if goods else 0)
        given += share
        if share <= 0:
            continue
        line_idr = line.unit_price_idr * line.quantity
        result.append(
            RefundLine(
                fulfilment_id=fulfilment.id,
                seller_id=fulfilment.seller_id,
                order_line_id=line.id,
                quantity=0,
                restocked=0,
                amount_minor=share,
                amount_idr=share
                if order.currency == "IDR"
                else share * line_idr // max(line.line_total_minor, 1),
            )
        )
    return result


def _record_bank_refund(
    session: Session, order: Order, payment: Payment, amount: int, *, actor_id, label: str, now: datetime
) -> None:
    """What the webhook does for card refunds, for money the curator transferred back by hand."""
    payment.refunded_minor = min(payment.refunded_minor + amount, payment.amount_minor)
    full = payment.refunded_minor >= payment.amount_minor
    payment.status = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
    payment.updated_at = now
    if payment.needs_refund or order.status == OrderStatus.CANCELLED:
        if full:
            payment.needs_refund = False
            if order.status == OrderStatus.CANCELLED:
                orders.mark_order_refunded(
                    session,
                    order,
                    amount_minor=order.total_minor,
                    actor_label=label,
                    actor_id=actor_id,
                    now=now,
                )
    elif order.status in orders.PAID_STATUSES:
        # As the webhook does: a partial refund is an event on the order, the full one moves it.
        orders.mark_order_refunded(
            session,
            order,
            amount_minor=order.total_minor if full else amount,
            actor_label=label,
            actor_id=actor_id,
            now=now,
        )
    session.flush()


def confirm_card_refunds(
    session: Session, payment: Payment, charge: dict, *, refunded_minor: int, now: datetime
) -> int:
    """On the `charge.refunded` webhook (`signals.charge_refunded`): our PENDING card refunds that
    Stripe reports done become SUCCEEDED (by refund id when the charge lists its refunds, else
    when Stripe's cumulative amount `refunded_minor` covers them, oldest first). That amount counts
    card refunds only, so it is compared with our card refunds only: a bank transfer back never
    stands in for a card refund. Returns how many changed."""
    pending = list(
        session.scalars(
            sa.select(Refund)
            .where(Refund.payment_id == payment.id, Refund.status == RefundStatus.PENDING)
            .order_by(Refund.id)
        )
    )
    if not pending:
        return 0
    listed = set()
    refunds = charge.get("refunds")
    if isinstance(refunds, dict) and isinstance(refunds.get("data"), list):
        listed = {r.get("id") for r in refunds["data"] if isinstance(r, dict) and r.get("status") != "failed"}
    confirmed_total = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Refund.amount_minor), 0)).where(
            Refund.payment_id == payment.id,
            Refund.method == PaymentMethod.STRIPE,
            Refund.status == RefundStatus.SUCCEEDED,
        )
    )
    covered = int(confirmed_total or 0)
    changed = 0
    for refund in pending:
        if refund.stripe_refund_id in listed or covered + refund.amount_minor <= refunded_minor:
            refund.status = RefundStatus.SUCCEEDED
            refund.confirmed_at = now
            covered += refund.amount_minor
            changed += 1
    session.flush()
    return changed


def _email_buyer(session: Session, order: Order, refund: Refund) -> None:
    with force_locale(order.lang):
        method = (
            _("It goes back to the card you paid with; your bank may take 5–10 days to show it.")
            if refund.method == PaymentMethod.STRIPE
            else _(
                "We transferred it back to your bank account (reference %(reference)s).",
                reference=refund.bank_reference,
            )
        )
        # "case 12: …" is how the code files it; the buyer reads why in words, and what was typed.
        why, typed = buyer_reason(refund.reason)
    send_email(
        session,
        to=order.email,
        template="refund",
        lang=order.lang,
        context={
            "name": order.ship_name,
            "order_number": order.number,
            "amount_text": Money(refund.amount_minor, refund.currency).format(order.lang),
            "why": why,
            "reason": typed,
            "method_text": method,
            "order_url": order_link(order) if current_app else "",
        },
    )
