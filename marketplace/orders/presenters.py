"""Orders turned into plain values for templates and emails (formatted money, local times)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _

from marketplace import contact
from marketplace.money import money_text
from marketplace.orders.formatting import FULFILMENT_STATUS_LABELS, fulfilment_status_label, status_label
from marketplace.orders.history import REFUND_NOT_MADE_NOTE
from marketplace.orders.models import (
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderStatus,
    PaymentMethod,
    ShippingMethod,
)
from marketplace.orders.notes import note_lines
from marketplace.shipping.couriers import tracking_url
from marketplace.timezones import ReaderZone, buyer_time, buyer_zone, followed_by, time_left

#: Shown until the operator sets BANK_NAME / BANK_ACCOUNT_NUMBER / BANK_ACCOUNT_HOLDER.
DEFAULT_BANK = {
    "name": "Bank Rakyat Indonesia (BRI)",
    "account_number": "0000-01-000000-00-0",
    "holder": "Pasar Desa Kabat",
}


def bank_details() -> dict[str, str]:
    config = current_app.config
    return {
        "name": config.get("BANK_NAME") or DEFAULT_BANK["name"],
        "account_number": config.get("BANK_ACCOUNT_NUMBER") or DEFAULT_BANK["account_number"],
        "holder": config.get("BANK_ACCOUNT_HOLDER") or DEFAULT_BANK["holder"],
    }


def present_order(
    order: Order,
    *,
    lang: str,
    tracking_templates: dict[str, str] | None = None,
    now: datetime | None = None,
) -> dict:
    """Everything an order page or email shows, precomputed (no logic left for templates).

    Times are the buyer's (`timezones.buyer_time`: WIB at home, the shipping country's zone
    abroad, the deadline with WIB beside). `tracking_templates` ({courier code: tracking page
    template}) links tracking numbers. `now` (pages, not emails read later): the deadline also
    says how long is left ("in 23 hours").
    """
    tracking_templates = tracking_templates or {}
    where = buyer_zone(order.ship_country)
    fulfilments = []
    for fulfilment in order.fulfilments:
        lines = [
            {
                "title": line.title_in(lang),
                "quantity": line.quantity,
                "unit_price": money_text(line.unit_price_minor, order.currency, lang),
                "total": money_text(line.line_total_minor, order.currency, lang),
                "product_id": line.product_id,
                "id": line.id,
            }
            for line in fulfilment.lines
        ]
        fulfilments.append(
            {
                "seller_name": fulfilment.lines[0].seller_name if fulfilment.lines else "",
                "status": str(fulfilment.status),
                "status_label": fulfilment_status_label(fulfilment.status),
                "shipping": money_text(fulfilment.shipping_minor, order.currency, lang),
                "courier": fulfilment.courier,
                "tracking_number": fulfilment.tracking_number,
                "lines": lines,
                **_delivery(fulfilment, tracking_templates),
            }
        )
    pickup = order.shipping_method == ShippingMethod.PICKUP
    address_lines = [
        part
        for part in (
            (order.ship_name, order.ship_phone)
            if pickup
            else (
                order.ship_name,
                order.ship_phone,
                order.ship_street,
                order.ship_line2,
                ", ".join(p for p in (order.ship_district, order.ship_city) if p),
                " ".join(p for p in (order.ship_province, order.ship_postal_code) if p),
                contact.country_names(lang).get(order.ship_country, order.ship_country)
                if order.ship_country != contact.HOME_COUNTRY
                else "",
            )
        )
        if part
    ]
    pickup_places = [
        _(
            "%(seller)s, Desa %(village)s",
            seller=fulfilment.seller.name,
            village=fulfilment.seller.village.name,
        )
        for fulfilment in order.fulfilments
        if pickup
    ]
    awaiting = order.status == OrderStatus.AWAITING_PAYMENT
    due = buyer_time(order.payment_due_at, lang, where, wib_beside=True)
    return {
        "number": order.number,
        "status": str(order.status),
        "status_label": buyer_status_label(order),
        "email": order.email,
        "created": buyer_time(order.created_at, lang, where),
        "subtotal": money_text(order.subtotal_minor, order.currency, lang),
        "shipping": money_text(order.shipping_minor, order.currency, lang),
        "unique_code": money_text(order.unique_code_minor, order.currency, lang)
        if order.unique_code_minor
        else "",
        "total": money_text(order.total_minor, order.currency, lang),
        "total_minor": order.total_minor,
        "currency": order.currency,
        "payment_method": str(order.payment_method),
        "is_bank_transfer": order.payment_method == PaymentMethod.BANK_TRANSFER,
        "is_pickup": pickup,
        "pickup_places": pickup_places,
        "awaiting_payment": awaiting,
        "show_bank_instructions": awaiting and order.payment_method == PaymentMethod.BANK_TRANSFER,
        "due": due,
        #: The deadline and how long is left: "… 03:28 WIB (in 23 hours)", as the transfer panel says it.
        "due_and_left": followed_by(due, f"({time_left(order.payment_due_at, now=now, lang=lang)})")
        if awaiting and now is not None and order.payment_due_at is not None
        else due,
        "paid": buyer_time(order.paid_at, lang, where),
        "address_lines": address_lines,
        "note": order.note,
        "note_lines": note_lines(order.note),
        "fulfilments": fulfilments,
        "history": history_lines(order, lang, where),
        #: Times in WIB for static/js/local-time.js to rewrite (a country with several zones).
        "local_times": where.several,
    }


def every_part_was_cancelled(order: Order) -> bool:
    """Whether every parcel of the order was cancelled (the order itself may still be paid: its
    refund moves it to refunded)."""
    return bool(order.fulfilments) and all(
        fulfilment.status == FulfilmentStatus.CANCELLED for fulfilment in order.fulfilments
    )


def buyer_status_label(order: Order, *, refund_failed: bool = False) -> str:
    """The order's status as the buyer reads it: a paid order whose every part was cancelled is not
    "Paid" but cancelled, with where its refund stands (the order stays paid until the refund
    moves it to refunded: orders.cancellation).

    `refund_failed` (the refunds domain knows it: `refunds.presenters.refund_left_failed`): a card
    refund of the order failed and nothing was refunded since, so the money is not on its way:
    the label says so and who acts next, never "your refund is on its way".
    """
    every_part_cancelled = every_part_was_cancelled(order)
    if refund_failed and order.status != OrderStatus.REFUNDED:
        status = _("Cancelled") if every_part_cancelled else status_label(order.status)
        return _(
            "%(status)s: the refund did not reach your card; the district office will contact you",
            status=status,
        )
    if every_part_cancelled and order.status == OrderStatus.PAID:
        return _("Cancelled: your refund is on its way")
    if every_part_cancelled and order.status == OrderStatus.REFUNDED:
        return _("Cancelled and refunded")
    return status_label(order.status)


#: Order steps that only follow their parcels (the last parcel shipped, or arrived): the parcel's own
#: event already tells it, at the same moment, so the order's would be the same line twice.
_STEPS_OF_PARCELS = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})


def buyer_facing_actor(actor_label: str) -> str:
    """Who made a change, as the order's buyer reads it ("by the shop"), or "" to say nothing.

    `OrderEvent.actor_label` is written for staff: "buyer", "guest", "seller <shop>",
    "curator <email>", "stripe", "system: …". A staff member's email or an internal code (the demo
    seed, a CLI job) never reaches the buyer.
    """
    label = (actor_label or "").strip().lower()
    if label in ("buyer", "guest", "guest buyer"):
        return _("by you")
    kind = label.split(maxsplit=1)[0].rstrip(":") if label else ""
    if kind == "seller":
        return _("by the shop")
    if kind == "curator":
        return _("by the district office")
    if kind == "stripe":
        return _("by the card payment")
    if kind == "system":
        return _("automatically")
    return ""


def history_lines(order: Order, lang: str, where: ReaderZone) -> list[dict]:
    """The order's history for its buyer: one line per step, in words, with who took it.

    A parcel's step names its shop when the order has several; the order's "shipped" and
    "delivered" steps, which only repeat the last parcel's, are left out.
    """
    shops = {f.id: (f.lines[0].seller_name if f.lines else "") for f in order.fulfilments}
    several = len(shops) > 1
    parcel_steps = {event.to_status for event in order.events if event.fulfilment_id is not None}
    lines = []
    for event in order.events:
        part = ""
        if event.fulfilment_id is not None:
            label = (
                fulfilment_status_label(event.to_status)
                if event.to_status in FULFILMENT_STATUS_LABELS
                else status_label(event.to_status)
            )
            part = shops.get(event.fulfilment_id, "") if several else ""
        elif event.from_status is None:
            label = _("Order placed")  # not "Awaiting payment (by you)", as if the buyer were waiting
        elif _refund_not_made(event) or event.from_status == OrderStatus.REFUNDED:
            # refunds.failures: a card refund failed at Stripe. The order kept its status, or went
            # back from refunded to the one it had (the only way out of refunded; older events
            # carry no note): not "Partly refunded" nor "Paid" again, as if the buyer had paid
            # twice; nobody "did" it.
            lines.append(
                {
                    "when": buyer_time(event.created_at, lang, where),
                    "part": "",
                    "status_label": _("The refund did not reach your card"),
                    "who": "",
                }
            )
            continue
        elif event.from_status == event.to_status:
            label = _("Partly refunded")  # the only other order event that leaves its status as it was
        elif event.to_status in _STEPS_OF_PARCELS and event.to_status in parcel_steps:
            continue
        else:
            label = status_label(event.to_status)
        lines.append(
            {
                "when": buyer_time(event.created_at, lang, where),
                "part": part,
                "status_label": label,
                "who": buyer_facing_actor(event.actor_label),
            }
        )
    return lines


def _refund_not_made(event) -> bool:
    """Whether an order event says a card refund failed (refunds/failures.py writes its note)."""
    return (event.note or "").startswith(f"{REFUND_NOT_MADE_NOTE} ") and (
        event.from_status == event.to_status or event.from_status == OrderStatus.REFUNDED
    )


def _delivery(fulfilment: Fulfilment, templates: dict[str, str]) -> dict:
    """A part's tracking link, "I received it" and problem-report actions (orders/_delivery.html)."""
    shipped = fulfilment.status == FulfilmentStatus.SHIPPED
    return {
        "id": fulfilment.id,
        "tracking_url": tracking_url(
            templates.get(fulfilment.courier_code or ""), fulfilment.tracking_number
        ),
        "can_confirm_receipt": shipped,
        "can_report": shipped and not fulfilment.has_open_case,
        "has_open_case": fulfilment.has_open_case,
    }
