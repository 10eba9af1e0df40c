"""The buyer's order list, precomputed: what each order is, where it stands and what to do next."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from marketplace.catalogue.models import ProductImage
from marketplace.media import picture_attrs
from marketplace.money import money_text
from marketplace.orders.models import FulfilmentStatus, Order, OrderStatus, PaymentMethod
from marketplace.orders.presenters import buyer_status_label, every_part_was_cancelled
from marketplace.timezones import ReaderZone, buyer_day, buyer_time, buyer_zone, fill

#: The thumbnail's width on the page (static/css/orders.css: .order-row img).
THUMBNAIL_SIZES = "4.5rem"


def order_rows(
    orders: list[Order],
    *,
    lang: str,
    pictures: dict[int, ProductImage],
    dues: dict[int, tuple[int, datetime]],
    extras: dict,
    now: datetime,
    grace_days: int,
) -> list[dict]:
    """One row per order for templates/orders/index.html.

    `pictures`: {order line id: picture} (queries.line_pictures); `dues`: {part id: (order id,
    due time without the grace)} of the unsent paid parts (lateness.open_part_dues); `extras`:
    what other domains said through `signals.order_list` ("payment_under_way", "to_review",
    "refund_failed": the ids of orders whose card refund failed, as the order page reads it).
    """
    under_way = extras.get("payment_under_way") or {}
    to_review = extras.get("to_review") or {}
    refund_failed = extras.get("refund_failed") or set()
    due_by_order: dict[int, list[datetime]] = {}
    for order_id, due in dues.values():
        due_by_order.setdefault(order_id, []).append(due)
    rows = []
    for order in orders:
        first = order.lines[0] if order.lines else None
        title = first.title_in(lang) if first is not None else _("Order %(number)s", number=order.number)
        image = pictures.get(first.id) if first is not None else None
        others = len(order.lines) - 1
        order_dues = due_by_order.get(order.id, [])
        late = any(now > due + timedelta(days=max(grace_days, 0)) for due in order_dues)
        where = buyer_zone(order.ship_country)  # abroad: the buyer's days and times
        state, next_step = _as_its_page_reads(
            order,
            _state_and_next_step(
                order,
                lang=lang,
                where=where,
                under_way=under_way.get(order.id),
                to_review=to_review.get(order.id, 0),
                sent_by=max(order_dues) if order_dues else None,
                late=late,
            ),
            refund_failed=order.id in refund_failed,
        )
        rows.append(
            {
                "number": order.number,
                "url": url_for("orders.show", number=order.number),
                "title": title,
                "more": ngettext("and %(num)d more item", "and %(num)d more items", others)
                if others > 0
                else "",
                # Decorative: the link beside it already says the product's name (as the storefront's cards).
                "image": {**picture_attrs(image, wanted_width=72), "sizes": THUMBNAIL_SIZES, "alt": ""}
                if image is not None
                else None,
                "created": buyer_day(order.created_at, lang, where),
                "total": money_text(order.total_minor, order.currency, lang),
                "state": state,
                "next_step": next_step,
                "late": late,
                "cancelled": order.status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED)
                or every_part_was_cancelled(order),
                #: Times in WIB for static/js/local-time.js to rewrite (a country with several zones).
                "local_times": where.several,
            }
        )
    return rows


def _as_its_page_reads(order: Order, plain: tuple[str, str], *, refund_failed: bool) -> tuple[str, str]:
    """An order whose every parcel was cancelled, or whose card refund failed (`refund_failed`),
    reads as its page reads it (`presenters.buyer_status_label`): cancelled, and where its refund
    stands; a failed refund keeps what there is still to do. Otherwise `plain` as it is."""
    if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED) and every_part_was_cancelled(order):
        return buyer_status_label(order, refund_failed=refund_failed), ""
    if refund_failed:  # "Paid: the refund did not reach your card; …", what still to do kept
        return buyer_status_label(order, refund_failed=True), plain[1]
    return plain


def _state_and_next_step(
    order: Order,
    *,
    lang: str,
    where: ReaderZone,
    under_way: str | None,
    to_review: int,
    sent_by: datetime | None,
    late: bool,
) -> tuple[str, str]:
    """Where the order stands and what the buyer does next (and by when), in plain words."""
    status = order.status
    if status == OrderStatus.AWAITING_PAYMENT:
        if under_way == "transfer_claimed":
            return _("Transfer being checked"), _("You said you transferred: we are checking the payment.")
        if under_way == "card_confirming":
            return _("Payment being confirmed"), _(
                "We are confirming your card payment; there is nothing more to do."
            )
        due = buyer_time(order.payment_due_at, lang, where, wib_beside=True)
        if order.payment_method == PaymentMethod.BANK_TRANSFER:
            amount = money_text(order.total_minor, order.currency, lang)
            next_step = fill(_("Transfer %(amount)s before %(due)s."), amount=amount, due=due)
            return _("Waiting for your payment"), next_step
        return _("Waiting for your payment"), fill(_("Pay by card before %(due)s."), due=due)
    parts = [f.status for f in order.fulfilments]
    on_the_way = FulfilmentStatus.SHIPPED in parts
    if status == OrderStatus.PAID:
        if late:
            return _("Paid, not sent yet"), _(
                "The shop has not sent it in time. You may cancel it for a full refund."
            )
        if on_the_way:
            return _("Partly on its way"), _("Press “I received it” when it arrives.")
        if sent_by is not None:
            return _("Paid, being prepared"), fill(
                _("The shop sends it by %(day)s."), day=buyer_day(sent_by, lang, where)
            )
        return _("Paid, being prepared"), ""
    if status == OrderStatus.SHIPPED:
        return _("On its way"), _("Press “I received it” when it arrives.") if on_the_way else ""
    if status == OrderStatus.DELIVERED:
        if to_review:
            return _("Delivered"), ngettext(
                "Leave a review of %(num)d item.", "Leave a review of %(num)d items.", to_review
            )
        return _("Delivered"), ""
    if status == OrderStatus.REFUNDED:
        return _("Refunded"), ""
    return _("Cancelled"), ""
