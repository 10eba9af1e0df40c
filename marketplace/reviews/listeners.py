"""The reviews domain listens to orders: receivers of `marketplace.signals`, connected when this
module is imported (by `marketplace.models`). Write receivers flush; the caller commits."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for

from marketplace import signals
from marketplace.catalogue.models import Product
from marketplace.orders.models import FulfilmentStatus
from marketplace.reviews.queries import reviews_by_line


@signals.fulfilment_delivered.connect
def count_units_sold(sender, *, session, fulfilment, **kwargs) -> None:
    """A parcel arrived: its units (less those cancelled) count in each product's "N sold"."""
    for line in fulfilment.lines:
        units = line.quantity - line.cancelled_quantity
        if line.product_id is None or units <= 0:
            continue
        session.execute(
            sa.update(Product)
            .where(Product.id == line.product_id)
            .values(units_sold=Product.units_sold + units)
            .execution_options(synchronize_session=False)
        )
    session.flush()


@signals.order_page.connect
def reviews_on_order_page(sender, *, session, order, lang, **kwargs) -> dict:
    """templates/reviews/_order_line.html: per line of a delivered part, "Write a review" or
    "You reviewed this" with the way to change it (account orders only: guests do not review)."""
    if order.buyer_id is None:
        return {}
    delivered = [
        line
        for fulfilment in order.fulfilments
        if fulfilment.status == FulfilmentStatus.DELIVERED
        for line in fulfilment.lines
        if line.product_id is not None and line.quantity > line.cancelled_quantity
    ]
    written = reviews_by_line(session, [line.id for line in delivered])
    links = {}
    for line in delivered:
        if line.id in written:
            review = written[line.id]
            # A review the curators hid cannot be changed (the reviewer was emailed why).
            edit = url_for("reviews.edit", review_id=review.id) if review.hidden_at is None else ""
            links[line.id] = {"done": True, "url": edit}
        else:
            links[line.id] = {"done": False, "url": url_for("reviews.write", line_id=line.id)}
    return {"review_links": links}


@signals.order_list.connect
def reviews_on_order_list(sender, *, session, orders, lang, **kwargs) -> dict:
    """The buyer's order list: how many arrived items of each order are left to review (one
    statement for the page; account orders only, as on the order page)."""
    delivered = {
        line.id: order.id
        for order in orders
        if order.buyer_id is not None
        for fulfilment in order.fulfilments
        if fulfilment.status == FulfilmentStatus.DELIVERED
        for line in fulfilment.lines
        if line.product_id is not None and line.quantity > line.cancelled_quantity
    }
    if not delivered:
        return {}
    written = reviews_by_line(session, list(delivered))
    left: dict[int, int] = {}
    for line_id, order_id in delivered.items():
        if line_id not in written:
            left[order_id] = left.get(order_id, 0) + 1
    return {"to_review": left}
