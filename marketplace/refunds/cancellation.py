"""Money back for cancelled parts (orders/cancellation.py sends `signals.order_cancelled`).

- Card: refunded through Stripe at once, in the cancellation's transaction (`create_refund`, the
  curators' path; the form token is "cancel-<id>", so the same cancellation never refunds twice).
  Stripe unavailable: the error rolls the cancellation back and the buyer tries again.
- Bank transfer: a `BankRefundRequest` with the buyer's account joins the curators' queue
  (/curator/refunds); the curator transfers the money and records the bank reference here, which
  makes the Refund row (ledger entries, the buyer's email) as a curator's bank refund does.
- One transfer per order and account: a buyer who cancels an order of two shops makes one request
  per shop's part (each its own cancellation, what the seller's page and naik kelas count), but the
  money goes to one account, so the queue shows them as one transfer of their sum and the curator
  records it once. That makes one Refund row (one bank reference, one email to the buyer) whose
  lines carry each shop's share, so the payout ledger takes back from each seller exactly what it
  would have from two refunds. Parts of one order with different accounts stay separate transfers.
The buyer's units already went back to stock when the part was cancelled: no restock here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace.errors import NotFound, ValidationError
from marketplace.orders.models import Order, OrderCancellation, PaymentMethod
from marketplace.refunds.models import BankRefundRequest, Refund
from marketplace.refunds.services import RefundRequest, create_refund

CANCEL_TOKEN = "cancel-{id}"  # noqa: S105 - a refund form token, not a secret


def _request(cancellation: OrderCancellation, *, reason: str, bank_reference: str = "") -> RefundRequest:
    return RefundRequest(
        reason=reason,
        token=CANCEL_TOKEN.format(id=cancellation.id),
        full=cancellation.full,
        quantities={int(line_id): int(units) for line_id, units in (cancellation.units or {}).items()},
        shipping={cancellation.fulfilment_id} if cancellation.shipping else set(),
        bank_reference=bank_reference,
    )


def _reason(cancellation: OrderCancellation) -> str:
    head = "cancelled by the " + ("buyer" if cancellation.cancelled_by == "buyer" else "seller")
    reason = cancellation.reason.strip()
    return (f"{head}: {reason}" if reason and reason != head else head)[:2000]


def refund_cancellation(
    session: Session,
    order: Order,
    cancellation: OrderCancellation,
    *,
    bank_account: dict | None,
    now: datetime,
    stripe_client=None,
) -> Refund | BankRefundRequest | None:
    """Give back a cancelled part's money: a card refund now, or a bank request for the curators.

    Nothing for an unpaid order (amount 0). Raises what `create_refund` raises (Stripe down).
    """
    if cancellation.amount_minor <= 0:
        return None
    if order.payment_method == PaymentMethod.STRIPE:
        refund, _created = create_refund(
            session,
            order,
            _request(cancellation, reason=_reason(cancellation)),
            actor=None,
            now=now,
            stripe_client=stripe_client,
        )
        return refund
    account = bank_account or {}
    request = BankRefundRequest(
        order_id=order.id,
        cancellation_id=cancellation.id,
        amount_minor=cancellation.amount_minor,
        currency=cancellation.currency,
        bank_name=account.get("bank_name", ""),
        account_number=account.get("account_number", ""),
        account_holder=account.get("account_holder", ""),
        created_at=now,
    )
    session.add(request)
    session.flush()
    return request


def list_open_bank_requests(session: Session) -> list[tuple[BankRefundRequest, Order, OrderCancellation]]:
    """Bank refunds of cancelled parts the curators still have to transfer, oldest first."""
    return [
        tuple(row)
        for row in session.execute(
            sa.select(BankRefundRequest, Order, OrderCancellation)
            .join(Order, Order.id == BankRefundRequest.order_id)
            .join(OrderCancellation, OrderCancellation.id == BankRefundRequest.cancellation_id)
            .where(BankRefundRequest.done_at.is_(None))
            .order_by(BankRefundRequest.id)
        ).all()
    ]


@dataclass
class TransferBack:
    """One transfer a curator makes: the open requests of one order to one account."""

    order: Order
    #: Oldest first; the first one's id names the transfer (its form posts there).
    requests: list[BankRefundRequest] = field(default_factory=list)
    cancellations: list[OrderCancellation] = field(default_factory=list)

    @property
    def amount_minor(self) -> int:
        return sum(request.amount_minor for request in self.requests)

    @property
    def currency(self) -> str:
        return self.requests[0].currency


def _account(request: BankRefundRequest) -> tuple[str, str, str]:
    return (request.bank_name, request.account_number, request.account_holder)


def list_open_transfers(session: Session) -> list[TransferBack]:
    """The transfers back the curators still have to make, oldest first: one per order and
    account (see the module's docstring)."""
    transfers: dict[tuple, TransferBack] = {}
    for request, order, cancellation in list_open_bank_requests(session):
        transfer = transfers.setdefault((order.id, *_account(request)), TransferBack(order=order))
        transfer.requests.append(request)
        transfer.cancellations.append(cancellation)
    return list(transfers.values())


def count_open_transfers_query():
    """How many transfers back wait (one per order and account): a scalar subquery, for the
    console's count beside the other queues."""
    groups = (
        sa.select(
            BankRefundRequest.order_id,
            BankRefundRequest.bank_name,
            BankRefundRequest.account_number,
            BankRefundRequest.account_holder,
        )
        .where(BankRefundRequest.done_at.is_(None))
        .distinct()
        .subquery()
    )
    return sa.select(sa.func.count()).select_from(groups).scalar_subquery()


def get_bank_request(session: Session, request_id: int) -> BankRefundRequest:
    request = session.get(BankRefundRequest, request_id)
    if request is None:
        raise NotFound(_("Not found."))
    return request


def complete_bank_request(
    session: Session, request: BankRefundRequest, *, bank_reference: str, actor, now: datetime
) -> Refund:
    """The curator transferred the money back: one Refund row (ledger, email) for every open
    request of the order to the same account as `request` (one transfer), all of them done.

    A second submit finds the refund made the first time. ValidationError for a missing reference,
    or when an earlier cancellation of the order to another account is still open and this
    transfer gives back all that is left (nothing changes).
    """
    if not (bank_reference or "").strip():
        raise ValidationError(
            _("Enter the reference of your transfer back to the buyer."), field="bank_reference"
        )
    if request.done_at is not None and request.refund_id is not None:
        return session.get(Refund, request.refund_id)  # the other submit (or curator) recorded it
    order = session.get(Order, request.order_id)
    group = [
        other
        for other in session.scalars(
            sa.select(BankRefundRequest)
            .where(BankRefundRequest.order_id == order.id, BankRefundRequest.done_at.is_(None))
            .order_by(BankRefundRequest.id)
        )
        if _account(other) == _account(request)
    ] or [request]
    cancellations = [session.get(OrderCancellation, other.cancellation_id) for other in group]
    full = [c for c, other in zip(cancellations, group, strict=True) if c.full]
    if full:
        ids = {other.id for other in group}
        earlier = session.scalar(
            sa.select(sa.func.count())
            .select_from(BankRefundRequest)
            .where(
                BankRefundRequest.order_id == order.id,
                BankRefundRequest.done_at.is_(None),
                BankRefundRequest.id.not_in(ids),
                BankRefundRequest.id < max(ids),
            )
        )
        if earlier:
            # The last part's refund gives back all that is left: the earlier ones go first.
            raise ValidationError(_("Record this order's earlier cancellations first."))
    refund, _created = create_refund(
        session, order, _group_request(cancellations, bank_reference=bank_reference), actor=actor, now=now
    )
    # Conditional: of two curators recording it at once, each row is marked done once.
    session.execute(
        sa.update(BankRefundRequest)
        .where(BankRefundRequest.id.in_([other.id for other in group]), BankRefundRequest.done_at.is_(None))
        .values(done_at=now, refund_id=refund.id)
        .execution_options(synchronize_session=False)
    )
    for other in group:
        session.expire(other)
    session.flush()
    return refund


def _group_request(cancellations: list[OrderCancellation], *, bank_reference: str) -> RefundRequest:
    """One refund of several cancellations of one order: their units and shipping added up (all
    that is left when one of them cancelled the last part), named by the first one's token."""
    if len(cancellations) == 1:
        only = cancellations[0]
        return _request(only, reason=_reason(only), bank_reference=bank_reference)
    quantities: dict[int, int] = {}
    for cancellation in cancellations:
        for line_id, units in (cancellation.units or {}).items():
            quantities[int(line_id)] = quantities.get(int(line_id), 0) + int(units)
    reasons = list(dict.fromkeys(_reason(c) for c in cancellations))
    return RefundRequest(
        reason="; ".join(reasons)[:2000],
        token=CANCEL_TOKEN.format(id=cancellations[0].id),
        full=any(c.full for c in cancellations),
        quantities=quantities,
        shipping={c.fulfilment_id for c in cancellations if c.shipping},
        bank_reference=bank_reference,
    )
