"""Money back for cancelled parts (orders/cancellation.py sends `signals.order_cancelled`).

- Card: refunded through Stripe at once, in the cancellation's transaction (`create_refund`, the
  curators' path; the form token is "cancel-<id>", so the same cancellation never refunds twice).
  Stripe unavailable: the error rolls the cancellation back and the buyer tries again.
- Bank transfer: a `BankRefundRequest` with the buyer's account joins the curators' queue
  (/curator/refunds); the curator transfers the money and records the bank reference here, which
  makes the Refund row (ledger entries, the buyer's email) as a curator's bank refund does.
The buyer's units already went back to stock when the part was cancelled: no restock here.
"""

from __future__ import annotations

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


def get_bank_request(session: Session, request_id: int) -> BankRefundRequest:
    request = session.get(BankRefundRequest, request_id)
    if request is None:
        raise NotFound(_("Not found."))
    return request


def complete_bank_request(
    session: Session, request: BankRefundRequest, *, bank_reference: str, actor, now: datetime
) -> Refund:
    """The curator transferred the money back: the Refund row (ledger, email), the request done.

    A second submit finds the refund made the first time (same token). ValidationError for a
    missing reference (nothing changes).
    """
    if not (bank_reference or "").strip():
        raise ValidationError(
            _("Enter the reference of your transfer back to the buyer."), field="bank_reference"
        )
    cancellation = session.get(OrderCancellation, request.cancellation_id)
    order = session.get(Order, request.order_id)
    if cancellation.full:
        earlier = session.scalar(
            sa.select(sa.func.count())
            .select_from(BankRefundRequest)
            .where(
                BankRefundRequest.order_id == order.id,
                BankRefundRequest.done_at.is_(None),
                BankRefundRequest.id < request.id,
            )
        )
        if earlier:
            # The last part's refund gives back all that is left: the earlier ones go first.
            raise ValidationError(_("Record this order's earlier cancellations first."))
    refund, _created = create_refund(
        session,
        order,
        _request(cancellation, reason=_reason(cancellation), bank_reference=bank_reference),
        actor=actor,
        now=now,
    )
    # Conditional: of two curators recording it at once, the row is marked done once.
    session.execute(
        sa.update(BankRefundRequest)
        .where(BankRefundRequest.id == request.id, BankRefundRequest.done_at.is_(None))
        .values(done_at=now, refund_id=refund.id)
        .execution_options(synchronize_session=False)
    )
    session.expire(request)
    session.flush()
    return refund
