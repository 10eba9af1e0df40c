"""Bank transfers: the buyer's "I have transferred", a curator's confirmation and its undo.

Rules:

- A buyer (or a guest through the order's signed link) says they transferred while the order
  awaits payment: optional sender name and bank, optional receipt photo (checked and re-encoded
  like product photos, stored under RECEIPT_PREFIX, which /media/ never serves). One claim per
  order: a second submit updates it (a new photo replaces the old). It puts the order at the top
  of the curators' transfer queue.
- A curator marks the transfer received with the bank statement's reference (required). Of two
  curators at once exactly one confirms (`mark_order_paid`'s conditional UPDATE).
- The confirmation can be undone for UNDO_WINDOW after it, only while nothing followed (no
  parcel shipped or cancelled, no refund, no payout since): the order awaits payment again, the
  payment is pending again and the payout ledger's sale is withdrawn, in one transaction.
- Both curator actions are audited with the reference.

Services flush only; the view commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.audit.services import record_action
from marketplace.errors import NotFound, ValidationError
from marketplace.i18n import message as _l
from marketplace.media.images import DEFAULT_MAX_BYTES, DEFAULT_MAX_PIXELS, new_storage_key, process_upload
from marketplace.media.storage import MediaStorage
from marketplace.orders.lifecycle import mark_order_paid
from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.orders.payment_reversal import reverse_order_payment
from marketplace.payments.models import Payment, TransferClaim

#: Private prefix: /media/ and a bucket's public URL serve only PUBLIC_PREFIXES.
RECEIPT_PREFIX = "private/transfer-receipts/"
RECEIPT_CONTENT_TYPE = "image/webp"
#: How long after confirming a transfer a curator may still undo it.
UNDO_WINDOW = timedelta(hours=24)
#: After "I have transferred", how long the order waits for a curator to find the money at least:
#: a claim made an hour before the deadline must not lapse over a weekend while nobody looked.
CLAIM_REVIEW_WINDOW = timedelta(days=3)
MAX_REFERENCE = 120
MAX_SENDER_NAME = 120
MAX_SENDER_BANK = 80


@dataclass(frozen=True)
class ClaimResult:
    claim: TransferClaim
    #: A replaced receipt's key: delete it from storage after the commit.
    replaced_key: str | None = None
    #: The new receipt's key: delete it if the transaction rolls back.
    stored_key: str | None = None


def _clean(text: str | None, limit: int) -> str:
    return " ".join((text or "").split())[:limit]


def _lock_order(session: Session, order: Order) -> Order:
    locked = session.scalar(
        sa.select(Order)
        .where(Order.id == order.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise NotFound(str(_l("Order not found.")))
    return locked


def find_claim(session: Session, order_id: int) -> TransferClaim | None:
    return session.scalar(sa.select(TransferClaim).where(TransferClaim.order_id == order_id))


def find_bank_payment(session: Session, order_id: int) -> Payment | None:
    """The order's latest bank-transfer payment row, if any."""
    return session.scalars(
        sa.select(Payment)
        .where(Payment.order_id == order_id, Payment.method == PaymentMethod.BANK_TRANSFER)
        .order_by(Payment.id.desc())
    ).first()


def find_bank_payments(session: Session, order_ids: list[int]) -> dict[int, Payment]:
    """{order id: its latest bank-transfer payment} for many orders in one query (a list page)."""
    if not order_ids:
        return {}
    latest: dict[int, Payment] = {}
    for payment in session.scalars(
        sa.select(Payment)
        .where(Payment.order_id.in_(order_ids), Payment.method == PaymentMethod.BANK_TRANSFER)
        .order_by(Payment.id)
    ):
        latest[payment.order_id] = payment
    return latest


def claim_transfer(
    session: Session,
    storage: MediaStorage,
    order: Order,
    *,
    sender_name: str = "",
    sender_bank: str = "",
    receipt: bytes | None = None,
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ClaimResult:
    """Record (or update) the buyer's "I have transferred" for a bank-transfer order.

    Raises ValidationError when the order is not a bank transfer awaiting payment, or (field
    "receipt") when the photo is not a usable JPEG/PNG/WebP. Under a row lock on the order, so
    two submits at once make one claim. The new photo is stored before the flush: the caller
    deletes `stored_key` if it rolls back and `replaced_key` after it commits.
    """
    order = _lock_order(session, order)
    if order.payment_method != PaymentMethod.BANK_TRANSFER or order.status != OrderStatus.AWAITING_PAYMENT:
        raise ValidationError(str(_l("This order is not waiting for a bank transfer.")))
    key = None
    if receipt:
        try:
            processed = process_upload(receipt, max_bytes=max_bytes, max_pixels=max_pixels)
        except ValidationError as error:
            raise ValidationError(error.message, field="receipt") from error
        key = f"{RECEIPT_PREFIX}{new_storage_key()}.webp"
        storage.save(key, processed.renditions[-1].data, RECEIPT_CONTENT_TYPE)
    claim = find_claim(session, order.id)
    replaced = None
    if claim is None:
        claim = TransferClaim(order_id=order.id, created_at=now)
        session.add(claim)
        # The unpaid-order expiry (orders.lifecycle) knows nothing of claims: the deadline moves.
        order.payment_due_at = max(order.payment_due_at, now + CLAIM_REVIEW_WINDOW)
    claim.sender_name = _clean(sender_name, MAX_SENDER_NAME)
    claim.sender_bank = _clean(sender_bank, MAX_SENDER_BANK)
    if key:
        replaced, claim.receipt_key = claim.receipt_key, key
    claim.updated_at = now
    session.flush()
    return ClaimResult(claim=claim, replaced_key=replaced, stored_key=key)


def read_receipt(storage: MediaStorage, claim: TransferClaim | None) -> bytes:
    """The receipt photo's bytes; NotFound when there is none (or the file is gone)."""
    key = claim.receipt_key if claim is not None else None
    if not key or not key.startswith(RECEIPT_PREFIX):
        raise NotFound(str(_l("No receipt was uploaded for this order.")))
    try:
        return storage.read(key)
    except FileNotFoundError as error:
        raise NotFound(str(_l("No receipt was uploaded for this order."))) from error


def clean_reference(reference: str | None) -> str:
    """The bank statement's reference, trimmed; ValidationError (field "reference") when missing."""
    text = _clean(reference, MAX_REFERENCE + 1)
    if not text:
        raise ValidationError(
            str(_l("Enter the bank reference of the transfer (from the bank statement).")), field="reference"
        )
    if len(text) > MAX_REFERENCE:
        raise ValidationError(
            str(_l("The bank reference is too long (at most %(n)d characters).", n=MAX_REFERENCE)),
            field="reference",
        )
    return text


def confirm_bank_transfer(session: Session, order: Order, *, reference: str, actor, now: datetime) -> bool:
    """A curator saw the money arrive: the order is paid, the reference kept, the action audited.

    Returns False (nothing changed, nothing audited) when the order was no longer awaiting
    payment, e.g. another curator confirmed it a moment earlier. Raises ValidationError for a
    missing reference or an order that is not paid by bank transfer.
    """
    reference = clean_reference(reference)
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        raise ValidationError(str(_l("This order is not paid by bank transfer.")))
    payment = find_bank_payment(session, order.id)
    if not mark_order_paid(
        session, order, actor_id=actor.id, actor_label=f"curator {actor.email}", payment=payment, now=now
    ):
        return False
    if payment is not None:
        payment.bank_reference = reference
    record_action(
        session,
        actor=actor,
        action="transfer.confirm",
        target_type="order",
        target_id=order.id,
        target_label=order.number,
        before={"status": "awaiting_payment"},
        after={
            "status": "paid",
            "amount_minor": order.total_minor,
            "currency": order.currency,
            "reference": reference,
        },
    )
    session.flush()
    return True


def undo_deadline(order: Order) -> datetime | None:
    """Until when a confirmed transfer can be undone (None: not a confirmed bank transfer)."""
    if order.payment_method != PaymentMethod.BANK_TRANSFER or order.paid_at is None:
        return None
    return order.paid_at + UNDO_WINDOW


def can_undo(order: Order, *, now: datetime) -> bool:
    deadline = undo_deadline(order)
    return order.status == OrderStatus.PAID and deadline is not None and now < deadline


def undo_bank_transfer(
    session: Session, order: Order, *, actor, now: datetime, payment_window: timedelta
) -> None:
    """Undo a transfer confirmation made less than UNDO_WINDOW ago: the order awaits payment again.

    Allowed only while nothing followed: no parcel shipped or cancelled (checked in the same
    conditional UPDATE that moves the order, so a seller shipping at that moment wins or loses
    cleanly), no refund and no payout since (the payments and payouts receivers refuse). The
    buyer gets at least `payment_window` from now to pay. Raises ValidationError otherwise.
    """
    if order.payment_method != PaymentMethod.BANK_TRANSFER:
        raise ValidationError(str(_l("This order is not paid by bank transfer.")))
    changed = ValidationError(
        str(_l("This order can no longer be put back: it was shipped, cancelled or changed meanwhile."))
    )
    deadline = undo_deadline(order)
    if deadline is not None and now >= deadline:
        raise ValidationError(
            str(_l("This confirmation can no longer be undone (only within 24 hours of confirming it)."))
        )
    if not can_undo(order, now=now):
        raise changed
    payment = find_bank_payment(session, order.id)
    reference = payment.bank_reference if payment is not None else ""
    due = max(order.payment_due_at, now + payment_window)
    if not reverse_order_payment(
        session,
        order,
        paid_since=now - UNDO_WINDOW,
        payment_due_at=due,
        actor_id=actor.id,
        actor_label=f"curator {actor.email}",
        note=f"transfer confirmation undone (reference {reference})"
        if reference
        else "transfer confirmation undone",
        now=now,
    ):
        raise changed
    record_action(
        session,
        actor=actor,
        action="transfer.undo",
        target_type="order",
        target_id=order.id,
        target_label=order.number,
        before={"status": "paid", "reference": reference},
        after={"status": "awaiting_payment", "amount_minor": order.total_minor, "currency": order.currency},
    )
    session.flush()
