"""One parcel's refunds, read for the seller: units refunded per line, shipping, each refund."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.refunds.models import Refund, RefundLine, RefundStatus


@dataclass
class ParcelRefunds:
    """One parcel's refunds, for the seller's parcel page, packing slip and list."""

    #: {order line id: units refunded}
    units: dict[int, int] = field(default_factory=dict)
    shipping_refunded: bool = False
    #: (refund, its lines in this parcel), oldest first.
    refunds: list[tuple[Refund, list[RefundLine]]] = field(default_factory=list)


def parcel_refunds(session: Session, fulfilment_ids: list[int]) -> dict[int, ParcelRefunds]:
    """{fulfilment id: ParcelRefunds} for the parcels that had a refund (not FAILED). Two queries."""
    if not fulfilment_ids:
        return {}
    rows = session.execute(
        sa.select(RefundLine, Refund)
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(RefundLine.fulfilment_id.in_(list(fulfilment_ids)), Refund.status != RefundStatus.FAILED)
        .order_by(Refund.id, RefundLine.id)
    ).all()
    result: dict[int, ParcelRefunds] = {}
    for line, refund in rows:
        parcel = result.setdefault(line.fulfilment_id, ParcelRefunds())
        if line.order_line_id is None:
            parcel.shipping_refunded = True
        else:
            parcel.units[line.order_line_id] = parcel.units.get(line.order_line_id, 0) + line.quantity
        if parcel.refunds and parcel.refunds[-1][0].id == refund.id:
            parcel.refunds[-1][1].append(line)
        else:
            parcel.refunds.append((refund, [line]))
    return result


def units_left_by_line(session: Session, order) -> dict[int, int]:
    """{order line id: units bought minus units refunded} (refunds not FAILED)."""
    refunded = dict(
        session.execute(
            sa.select(RefundLine.order_line_id, sa.func.sum(RefundLine.quantity))
            .join(Refund, Refund.id == RefundLine.refund_id)
            .where(Refund.order_id == order.id, Refund.status != RefundStatus.FAILED)
            .group_by(RefundLine.order_line_id)
        ).all()
    )
    return {line.id: line.quantity - int(refunded.get(line.id) or 0) for line in order.lines}
