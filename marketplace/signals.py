"""Signals between domains (blinker): a state change is announced, its side effects listen.

A kernel module: it imports nothing from any domain. Senders (orders, payments, refunds) call
`signal.send(session=..., <objects>=...)` with keyword arguments only (the sender is None);
receivers take `(sender, **kwargs)`. Receivers run synchronously in the sender's transaction:
they add rows and flush, never commit — the view, CLI command or webhook commits once, so a
rollback undoes the state change and every side effect together.

Receivers connect at import of their module (`signal.connect(receiver)`); `marketplace.models`
imports every listening module, so the app, the CLI, the tests and gunicorn all have them.

Listening today:
- order_placed: payments (the pending bank-transfer Payment), orders.notifications (confirmation).
- order_paid: payments (the Payment marked succeeded), payouts (SALE and COMMISSION entries),
  orders.notifications ("payment received" email), monitoring.summary (the order enters the
  sales summaries), dashboard.notifications (each shop's "paid: pack and ship it" email).
- order_paid_after_cancel: payments (the late Payment marked succeeded; a refund is due).
- order_cancelled: payments (pending Payments expire), refunds (a cancelled paid part's money back).
- fulfilment_shipped: orders.notifications ("shipped" email with the tracking number).
- fulfilment_delivered: reviews (the products' "N sold" counters).
- charge_refunded: refunds (our pending card Refund rows that Stripe reports done succeed).
- charge_counts_failed_refunds: refunds (how much of a late `charge.refunded` is refunds failed since).
- refund_created: payouts (REFUND and COMMISSION_REVERSAL entries).
- card_refund_failed: refunds (our card Refund row that Stripe reports failed or canceled fails).
- refund_failed: payouts (the failed refund's REFUND and COMMISSION_REVERSAL entries reversed).
- order_page: refunds (what was refunded, for the buyer's order page), reviews (write a review),
  payments (a card payment being confirmed), cases (each part's problem report, and whom to write
  to once a part arrived).
- order_list: payments (a transfer being checked, a card payment being confirmed), reviews (items
  left to review), refunds (a card refund that failed), for the rows of the buyer's order list.
- case_opened / case_closed: payouts (a hold on the parcel's money while the case is open).
- order_payment_reversed: monitoring.summary (the order leaves the sales summaries), payments (the
  bank Payment back to pending), payouts (SALE and COMMISSION entries withdrawn).
- stock_added: favourites.listeners (back-in-stock emails).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableSet
from typing import Any

from blinker import NamedSignal, Namespace


class _ConnectionOrder(MutableSet):
    """A set that iterates in insertion order (blinker's `set_class` hook)."""

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._items = dict.fromkeys(items)

    def __contains__(self, item: object) -> bool:
        return item in self._items

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def add(self, item: Any) -> None:
        self._items[item] = None

    def discard(self, item: Any) -> None:
        self._items.pop(item, None)

    def copy(self) -> _ConnectionOrder:
        return _ConnectionOrder(self._items)


class _OrderedSignal(NamedSignal):
    """Receivers run in the order they connected (the import order of `marketplace.models`), not
    in blinker's default set order, which follows memory addresses: which receiver refuses first
    (order_payment_reversed) must not change when another module adds a receiver."""

    set_class = _ConnectionOrder


class _OrderedNamespace(Namespace):
    def signal(self, name: str, doc: str | None = None) -> NamedSignal:
        if name not in self:
            self[name] = _OrderedSignal(name, doc)
        return self[name]


_signals = _OrderedNamespace()

#: An order was placed and awaits payment (its lines, fulfilments and stock are written).
#: kwargs: session, order (orders.models.Order), now (UTC datetime).
order_placed = _signals.signal("order-placed")

#: An order's money arrived and it moved to PAID (sent once per order).
#: kwargs: session, order, payment (payments.models.Payment or None: the caller did not name
#: one; a bank-transfer order's pending payment is then meant), actor_id (int or None), now.
order_paid = _signals.signal("order-paid")

#: Money arrived for an order that was already cancelled; it stays cancelled, a refund is due
#: (sent once per order, with the order's "refund_due" event).
#: kwargs: session, order, payment (Payment or None, as for order_paid), actor_id, now.
order_paid_after_cancel = _signals.signal("order-paid-after-cancel")

#: An order awaiting payment was cancelled and its stock released (sent once per order), or a
#: paid part was cancelled before shipping (orders/cancellation.py: sent once per part, with
#: `cancellation`, an orders.models.OrderCancellation, and `bank_account`, a dict or None).
#: kwargs: session, order, reason (str), actor_id (int or None), now[, cancellation, bank_account].
order_cancelled = _signals.signal("order-cancelled")

#: A seller's parcel was handed to the courier (sent once per fulfilment).
#: kwargs: session, fulfilment (orders.models.Fulfilment), order, now.
fulfilment_shipped = _signals.signal("fulfilment-shipped")

#: A seller's parcel arrived: the seller or the buyer marked it received, a case closed, or it
#: completed by itself (sent once per fulfilment, from orders.fulfilment.mark_fulfilment_delivered).
#: kwargs: session, fulfilment (orders.models.Fulfilment), order, now.
fulfilment_delivered = _signals.signal("fulfilment-delivered")

#: Stripe's `charge.refunded` webhook for one of our card payments, before the payment's totals
#: are updated. kwargs: session, payment (Payment), charge (the event's charge object, a dict),
#: refunded_minor (Stripe's cumulative refunded amount — card refunds only, never a bank transfer
#: back — never lower than seen before), now.
charge_refunded = _signals.signal("charge-refunded")

#: Stripe's `charge.refunded` for one of our card payments, before its amount is used. Receivers
#: return how much of it (the payment's minor units) is card refunds they know failed since: an
#: event made before a refund failed still counts it, however late it arrives. kwargs: session,
#: payment (Payment, locked), charge (the charge object, a dict), refunded_minor (what the charge
#: says was refunded), made_at (when Stripe made the event, UTC, to the second; None for a charge
#: just retrieved, which is current).
charge_counts_failed_refunds = _signals.signal("charge-counts-failed-refunds")

#: Stripe's `charge.refunded` for one of our card payments: receivers return how much of
#: `Payment.refunded_minor` (the payment's minor units) a curator paid back by bank transfer
#: instead, which Stripe's `amount_refunded` never counts. kwargs: session, payment (Payment, locked).
payment_refunded_by_bank = _signals.signal("payment-refunded-by-bank")

#: A curator's refund was recorded (a card refund asked of Stripe, or a bank transfer made back).
#: kwargs: session, refund (refunds.models.Refund), order, now.
refund_created = _signals.signal("refund-created")

#: Stripe says one of our card refunds failed or was canceled (`charge.refund.updated`,
#: `refund.failed`, `refund.updated`, or the reconcile job's answer): the money did not reach the
#: card. kwargs: session, payment (Payment, locked), stripe_refund_id, status ("failed" or
#: "canceled"), failure_reason (Stripe's, or ""), now.
card_refund_failed = _signals.signal("card-refund-failed")

#: A refund of ours turned FAILED (the money never reached the buyer): its ledger entries are
#: reversed. kwargs: session, refund (refunds.models.Refund), order, now.
refund_failed = _signals.signal("refund-failed")

#: The buyer's order page is being drawn (templates/orders/show.html). Receivers return a dict of
#: extra template values, e.g. refunds: `{"buyer_refunds": [...]}`; they read, never write.
#: kwargs: session, order, lang. Use `page_values(order_page, ...)` to collect them.
order_page = _signals.signal("order-page")

#: The buyer's order list is being drawn (templates/orders/index.html). Receivers return a dict of
#: `{name: {order id: value}}` for the next step each order row names, e.g. payments:
#: `{"payment_under_way": {order_id: "transfer_claimed"}}`; they read, never write, and run a
#: fixed number of statements for the page's orders together. kwargs: session, orders (the page's
#: orders.models.Order rows, lines and parts loaded), lang. Use `page_values(order_list, ...)`.
order_list = _signals.signal("order-list")


def page_values(signal, **kwargs) -> dict:
    """Every receiver's dict of template values for a page signal, merged."""
    values: dict = {}
    for _receiver, result in signal.send(**kwargs):
        values.update(result or {})
    return values


#: A buyer reported a problem with a shipped part (cases.models.Case opened; sent once per case).
#: kwargs: session, case (cases.models.Case), fulfilment (orders.models.Fulfilment),
#: amount_idr (int: the part's goods and shipping in rupiah not refunded yet, the amount at stake), now.
case_opened = _signals.signal("case-opened")

#: A curator resolved a problem case (refund, partial refund or reject; sent once per case).
#: kwargs: session, case, fulfilment, amount_idr (the same amount case_opened announced, to
#: release), refund (refunds.models.Refund or None for a rejection), now.
case_closed = _signals.signal("case-closed")

#: A curator undid a bank-transfer confirmation (within a day, nothing shipped or refunded): the
#: order is awaiting payment again. Receivers may raise a DomainError to refuse (all rolls back).
#: kwargs: session, order, paid_at (when it had been marked paid), actor_id (int or None), now.
order_payment_reversed = _signals.signal("order-payment-reversed")


#: Units were added to a product's stock (a seller's adjustment, a cancelled order's units, a
#: return): sent by stock.services for every positive change, after its UPDATE.
#: kwargs: session, product_id (int), variant_id (int: the variant that received it), delta (int > 0), now.
stock_added = _signals.signal("stock-added")
