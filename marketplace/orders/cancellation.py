"""Cancelling before shipping: the buyer (an order or one seller's part), the seller (units of lines).

Rules:
- Only parts not shipped yet (pending or processing) can be cancelled. Each part is claimed with a
  conditional UPDATE on its status, the same row the seller's "shipped" UPDATE moves
  (`fulfilment._move_fulfilment`), so when the buyer cancels while the seller ships exactly one wins.
- An unpaid order is cancelled whole (its reservation released, `lifecycle.cancel_unpaid_order`).
- A paid part: the buyer's units go back to stock (they never left), the seller's do not (the
  seller cannot make them; the shop adjusts its stock). An `OrderCancellation` row says what goes
  back; `signals.order_cancelled` carries it to the refunds domain (card: Stripe at once; bank
  transfer: the curators' queue, with the account the buyer gave). The order stays paid until the
  refund moves it (all parts cancelled and refunded: refunded).
- The buyer gets an email with the reason; the seller's cancellations count in naik kelas.

Every function flushes only; the view commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from marketplace import signals
from marketplace.email.services import send_email
from marketplace.errors import InvalidInput, ValidationError
from marketplace.i18n import message as _l
from marketplace.money import money_text
from marketplace.orders.fulfilment import advance_order_when_all_shipped
from marketplace.orders.history import add_event
from marketplace.orders.lifecycle import cancel_unpaid_order
from marketplace.orders.models import (
    CancelledBy,
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderCancellation,
    OrderLine,
    OrderStatus,
    PaymentMethod,
)
from marketplace.orders.notifications import order_link
from marketplace.stock.services import return_to_stock, unreturned_units

OPEN_STATUSES = (FulfilmentStatus.PENDING, FulfilmentStatus.PROCESSING)
MAX_REASON = 1000

#: What a buyer's cancellation records as its reason when the buyer typed none: no reason to show
#: (cancel_presenters), words of its own in the seller's history (audit.seller_history).
BUYER_GAVE_NO_REASON = "cancelled by the buyer"


@dataclass(frozen=True)
class BankAccount:
    """Where a bank-transfer refund goes (from the buyer's cancel form). The view checks it with
    `refunds.accounts.check_refund_account`, the rule of a problem report's refund account too, so
    a buyer meets one rule; the number arrives as digits only."""

    bank_name: str
    account_number: str
    account_holder: str

    def as_dict(self) -> dict[str, str]:
        return {
            "bank_name": self.bank_name,
            "account_number": self.account_number,
            "account_holder": self.account_holder,
        }


# -- reading ----------------------------------------------------------------------------------


def open_parts(order: Order) -> list[Fulfilment]:
    """The parts the buyer may still cancel (none once the order is neither unpaid nor paid)."""
    if order.status not in (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID):
        return []
    return [f for f in order.fulfilments if f.status in OPEN_STATUSES]


def needs_bank_account(order: Order) -> bool:
    """A paid bank-transfer order: the cancel form asks where the money goes back."""
    return order.status == OrderStatus.PAID and order.payment_method == PaymentMethod.BANK_TRANSFER


def list_cancellations(session: Session, order: Order) -> list[OrderCancellation]:
    return list(
        session.scalars(
            sa.select(OrderCancellation)
            .where(OrderCancellation.order_id == order.id)
            .order_by(OrderCancellation.id)
        )
    )


# -- checking input ---------------------------------------------------------------------------


def clean_reason(reason: str | None, *, required: bool) -> str:
    text = " ".join((reason or "").split())
    if required and not text:
        raise InvalidInput({"reason": _l("Say why, so the buyer understands.")})
    if len(text) > MAX_REASON:
        raise InvalidInput({"reason": _l("The reason is too long (at most 1,000 characters).")})
    return text


# -- writing ----------------------------------------------------------------------------------


def already_cancelled(order: Order, fulfilment_ids: Iterable[int] | None = None) -> str | None:
    """What to tell a buyer whose cancel was already done (another tab, a double submit): the
    order, or all of `fulfilment_ids`, is cancelled. None when that is not why it cannot be."""
    if order.status == OrderStatus.CANCELLED:
        return str(_l("This order is already cancelled."))
    if fulfilment_ids is not None:
        wanted = set(fulfilment_ids)
        parts = [f for f in order.fulfilments if f.id in wanted]
        if parts and all(f.status == FulfilmentStatus.CANCELLED for f in parts):
            return str(_l("These items are already cancelled."))
    return None


def cancel_by_buyer(
    session: Session,
    order: Order,
    *,
    fulfilment_ids: Iterable[int] | None,
    reason: str = "",
    bank_account: BankAccount | None = None,
    actor_id: int | None,
    actor_label: str,
    now: datetime,
) -> list[OrderCancellation]:
    """The buyer cancels `fulfilment_ids` (None: every part not shipped). Returns the rows written.

    Unpaid: the whole order is cancelled (a part alone would change the amount to transfer).
    Paid: each part is claimed (ValidationError if one has shipped meanwhile: nothing changes, the
    view rolls back), its units go back to stock and its money back to the buyer. A paid bank
    transfer needs `bank_account` (ValidationError otherwise).
    """
    reason = clean_reason(reason, required=False) or BUYER_GAVE_NO_REASON
    if order.status == OrderStatus.AWAITING_PAYMENT:
        if not cancel_unpaid_order(
            session, order, reason=reason, actor_id=actor_id, actor_label=actor_label, now=now
        ):
            session.refresh(order, ["status"])  # another tab (or the expiry job) got there first
            raise ValidationError(
                already_cancelled(order) or str(_l("This order can no longer be cancelled."))
            )
        for fulfilment in order.fulfilments:
            fulfilment.cancelled_at = now
            fulfilment.cancelled_by = CancelledBy.BUYER.value
            fulfilment.cancel_reason = reason
        session.flush()
        _email_buyer(session, order, [], by_seller=False)
        return []
    if order.status != OrderStatus.PAID:
        raise ValidationError(already_cancelled(order) or str(_l("This order can no longer be cancelled.")))
    if needs_bank_account(order) and bank_account is None:
        raise ValidationError(str(_l("Tell us the bank account your money goes back to.")))
    parts = {f.id: f for f in order.fulfilments}
    wanted = sorted(set(fulfilment_ids) if fulfilment_ids is not None else {f.id for f in open_parts(order)})
    if not wanted or any(fid not in parts for fid in wanted):
        raise ValidationError(str(_l("Choose a part of this order that has not been shipped.")))
    rows = []
    for fid in wanted:
        fulfilment = parts[fid]
        if not _claim_part(
            session, fulfilment, to_cancelled=True, by=CancelledBy.BUYER, reason=reason, now=now
        ):
            if fulfilment.status == FulfilmentStatus.CANCELLED:  # in another tab
                raise ValidationError(str(_l("These items are already cancelled.")))
            raise ValidationError(
                str(
                    _l(
                        "%(seller)s has already shipped this part: it can no longer be cancelled.",
                        seller=_shop(fulfilment),
                    )
                )
            )
        units = _cancel_units(session, fulfilment, None)
        left = unreturned_units(session, order)
        return_to_stock(
            session,
            order,
            quantities={line_id: min(n, left.get(line_id, 0)) for line_id, n in units.items()},
            reason=f"cancelled by the buyer: order {order.number}",
            actor_id=actor_id,
            now=now,
        )
        rows.append(
            _record(
                session,
                order,
                fulfilment,
                units,
                by=CancelledBy.BUYER,
                reason=reason,
                shipping=True,
                actor_id=actor_id,
                actor_label=actor_label,
                now=now,
            )
        )
    _announce(session, order, rows, reason=reason, actor_id=actor_id, now=now, bank_account=bank_account)
    return rows


def cancel_by_seller(
    session: Session,
    fulfilment: Fulfilment,
    *,
    quantities: dict[int, int],
    reason: str,
    actor_id: int | None,
    actor_label: str,
    now: datetime,
) -> OrderCancellation:
    """The seller cannot make `quantities` ({order_line_id: units}) of their paid, unshipped part.

    The reason is required (the buyer reads it). All the part's units: the part is cancelled, its
    shipping refunded too. ValidationError/InvalidInput for bad input, an unpaid or shipped part.
    """
    reason = clean_reason(reason, required=True)
    order = fulfilment.order
    if order.status != OrderStatus.PAID or fulfilment.status not in OPEN_STATUSES:
        raise ValidationError(str(_l("Only a paid part that has not been shipped can be cancelled.")))
    lines = {line.id: line for line in fulfilment.lines}
    wanted: dict[int, int] = {}
    for line_id, units in quantities.items():
        line = lines.get(line_id)
        if line is None or not isinstance(units, int) or isinstance(units, bool) or units < 0:
            raise InvalidInput({"units": _l("Enter whole numbers of units.")})
        if units > line.quantity - line.cancelled_quantity:
            raise InvalidInput(
                {
                    "units": _l(
                        "At most %(left)d of “%(title)s” can be cancelled.",
                        left=line.quantity - line.cancelled_quantity,
                        title=line.title_id,
                    )
                }
            )
        if units:
            wanted[line_id] = units
    if not wanted:
        raise InvalidInput({"units": _l("Choose how many units you cannot send.")})
    whole = all(
        wanted.get(line.id, 0) == line.quantity - line.cancelled_quantity for line in fulfilment.lines
    )
    if not _claim_part(
        session, fulfilment, to_cancelled=whole, by=CancelledBy.SELLER, reason=reason, now=now
    ):
        raise ValidationError(str(_l("This parcel has already shipped: nothing was cancelled.")))
    units = _cancel_units(session, fulfilment, wanted)
    row = _record(
        session,
        order,
        fulfilment,
        units,
        by=CancelledBy.SELLER,
        reason=reason,
        shipping=whole,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
    )
    _announce(session, order, [row], reason=reason, actor_id=actor_id, now=now, by_seller=True)
    return row


def _claim_part(
    session: Session,
    fulfilment: Fulfilment,
    *,
    to_cancelled: bool,
    by: CancelledBy,
    reason: str,
    now: datetime,
) -> bool:
    """One conditional UPDATE on the part while it is unshipped and its order paid: True if it won.

    A partial cancellation writes only the reason, but it still takes the row, so a concurrent
    "shipped" waits for it (and ships the units that are left).
    """
    values: dict = {"cancel_reason": reason, "cancelled_by": by.value}
    if to_cancelled:
        values.update(status=FulfilmentStatus.CANCELLED, cancelled_at=now)
    result = session.execute(
        sa.update(Fulfilment)
        .where(
            Fulfilment.id == fulfilment.id,
            Fulfilment.status.in_(OPEN_STATUSES),
            Fulfilment.order_id.in_(sa.select(Order.id).where(Order.status == OrderStatus.PAID)),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.expire(fulfilment)
    return result.rowcount == 1


def _cancel_units(session: Session, fulfilment: Fulfilment, wanted: dict[int, int] | None) -> dict[int, int]:
    """Add to the lines' cancelled units (None: all that are left); {line id: units cancelled now}."""
    done: dict[int, int] = {}
    for line in fulfilment.lines:
        session.refresh(line, ["quantity", "cancelled_quantity"])
        units = line.quantity - line.cancelled_quantity if wanted is None else wanted.get(line.id, 0)
        if units <= 0:
            continue
        result = session.execute(
            sa.update(OrderLine)
            .where(OrderLine.id == line.id, OrderLine.cancelled_quantity + units <= OrderLine.quantity)
            .values(cancelled_quantity=OrderLine.cancelled_quantity + units)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise ValidationError(str(_l("Those units were cancelled already.")))
        session.expire(line)
        done[line.id] = units
    return done


def _record(
    session: Session,
    order: Order,
    fulfilment: Fulfilment,
    units: dict[int, int],
    *,
    by: CancelledBy,
    reason: str,
    shipping: bool,
    actor_id: int | None,
    actor_label: str,
    now: datetime,
) -> OrderCancellation:
    lines = {line.id: line for line in fulfilment.lines}
    amount = sum(lines[line_id].unit_price_minor * n for line_id, n in units.items())
    if shipping:
        amount += fulfilment.shipping_minor
    session.refresh(order, ["status"])
    full = all(f.status == FulfilmentStatus.CANCELLED for f in order.fulfilments)
    if full:
        amount += order.unique_code_minor  # the whole rest of the payment goes back
    row = OrderCancellation(
        order_id=order.id,
        fulfilment_id=fulfilment.id,
        seller_id=fulfilment.seller_id,
        cancelled_by=by.value,
        reason=reason,
        units={str(k): v for k, v in units.items()},
        shipping=shipping,
        full=full,
        amount_minor=amount,
        currency=order.currency,
        actor_id=actor_id,
        created_at=now,
    )
    session.add(row)
    add_event(
        session,
        order,
        from_status=FulfilmentStatus.PROCESSING,
        to_status=FulfilmentStatus.CANCELLED
        if fulfilment.status == FulfilmentStatus.CANCELLED
        else "cancelled_units",
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
        fulfilment_id=fulfilment.id,
        note=reason,
    )
    session.flush()
    # A cancelled part no longer holds the order back from "shipped".
    advance_order_when_all_shipped(session, order, actor_id=actor_id, actor_label=actor_label, now=now)
    return row


def _announce(
    session: Session,
    order: Order,
    rows: list[OrderCancellation],
    *,
    reason: str,
    actor_id: int | None,
    now: datetime,
    bank_account=None,
    by_seller: bool = False,
) -> None:
    """`signals.order_cancelled` per cancellation (refunds listen: card now, bank to the curators),
    then one email to the buyer."""
    for row in rows:
        signals.order_cancelled.send(
            session=session,
            order=order,
            reason=reason,
            actor_id=actor_id,
            now=now,
            cancellation=row,
            bank_account=bank_account.as_dict() if bank_account else None,
        )
    _email_buyer(session, order, rows, by_seller=by_seller)


def _shop(fulfilment: Fulfilment) -> str:
    return fulfilment.lines[0].seller_name if fulfilment.lines else ""


def _email_buyer(session: Session, order: Order, rows: list[OrderCancellation], *, by_seller: bool) -> None:
    """ "Cancelled" email in the order's language: what, why, and how the money comes back."""
    lines = {line.id: line for line in order.lines}
    with force_locale(order.lang):
        items = [
            f"{n} × {lines[int(line_id)].title_in(order.lang)}"
            for row in rows
            for line_id, n in row.units.items()
        ]
        amount = sum(row.amount_minor for row in rows)
        if not rows:
            money = _("Nothing was paid, so nothing is charged.")
        elif order.payment_method == PaymentMethod.STRIPE:
            money = _(
                "%(amount)s goes back to the card you paid with; your bank may take 5–10 days to show it.",
                amount=money_text(amount, order.currency, order.lang),
            )
        else:
            money = _(
                "%(amount)s is transferred back to your bank account by our team within 3 working days.",
                amount=money_text(amount, order.currency, order.lang),
            )
    shop = ""
    if by_seller and rows:
        fulfilment = next(f for f in order.fulfilments if f.id == rows[0].fulfilment_id)
        shop = _shop(fulfilment)
    send_email(
        session,
        to=order.email,
        template="order_cancelled",
        lang=order.lang,
        context={
            "name": order.ship_name,
            "order_number": order.number,
            "by_seller": by_seller,
            "shop": shop,
            "reason": rows[0].reason if by_seller and rows else "",
            "items": items,
            "money_text": money,
            "order_url": order_link(order),
        },
    )


def shop_cancellation_counts(
    session: Session, seller_ids: Iterable[int] | None
) -> dict[int, tuple[int, int]]:
    """(paid parts the shop cancelled units of, paid parts) per seller: naik kelas's measure."""
    cancelled = (
        sa.select(OrderCancellation.fulfilment_id)
        .where(OrderCancellation.cancelled_by == CancelledBy.SELLER.value)
        .distinct()
        .subquery()
    )
    stmt = (
        sa.select(
            Fulfilment.seller_id,
            sa.func.count(cancelled.c.fulfilment_id),
            sa.func.count(Fulfilment.id),
        )
        .join(Order, Order.id == Fulfilment.order_id)
        .outerjoin(cancelled, cancelled.c.fulfilment_id == Fulfilment.id)
        .where(Order.paid_at.is_not(None))
        .group_by(Fulfilment.seller_id)
    )
    if seller_ids is not None:
        stmt = stmt.where(Fulfilment.seller_id.in_(list(seller_ids)))
    return {sid: (int(bad), int(total)) for sid, bad, total in session.execute(stmt).all()}
