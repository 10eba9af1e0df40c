"""The seller's side of a refund: an email to everyone who runs each shop concerned, in their
language, saying what was refunded and what is left to ship (and, before shipping, what not to)."""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session

from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.money import money_text
from marketplace.orders.models import FulfilmentStatus
from marketplace.refunds.reasons import seller_reason
from marketplace.seller.contacts import list_shop_contacts

#: A parcel in one of these is still with the seller: refunded units must not go in it.
NOT_SHIPPED = (FulfilmentStatus.PENDING, FulfilmentStatus.PROCESSING)


def _title(line, lang: str) -> str:
    return line.title_in(lang)


def parcel_notice(order, fulfilment, refund_lines, *, left_to_ship: dict[int, int], lang: str) -> dict:
    """One parcel's part of the email (plain values: the template words them in `lang`)."""
    lines = {line.id: line for line in fulfilment.lines}
    refunded = [
        {
            "title": _title(lines[r.order_line_id], lang),
            "quantity": r.quantity,
            "restocked": r.restocked,
            "amount": money_text(r.amount_idr, "IDR", lang),
        }
        for r in refund_lines
        if r.order_line_id in lines
    ]
    shipping = [r for r in refund_lines if r.order_line_id is None]
    return {
        "url": external_url("seller.order", fulfilment_id=fulfilment.id),
        "refunded": refunded,
        "shipping_amount": money_text(sum(r.amount_idr for r in shipping), "IDR", lang) if shipping else "",
        "left": [
            {"title": _title(line, lang), "quantity": left_to_ship.get(line.id, line.quantity)}
            for line in fulfilment.lines
            if left_to_ship.get(line.id, line.quantity) > 0
        ],
        "not_shipped": fulfilment.status in NOT_SHIPPED,
        "do_not_ship": sum(row["quantity"] for row in refunded) if fulfilment.status in NOT_SHIPPED else 0,
        "came_back": sum(row["restocked"] for row in refunded) if fulfilment.status not in NOT_SHIPPED else 0,
    }


def email_sellers(session: Session, order, refund, *, left_to_ship: dict[int, int]) -> int:
    """Queue the refund email to each contact of each shop with lines in `refund`; returns how many.

    Money that should never have been taken (no lines) concerns no seller. Flushes only.
    """
    if not refund.lines or not current_app:
        return 0
    by_parcel: dict[int, list] = {}
    for line in refund.lines:
        by_parcel.setdefault(line.fulfilment_id, []).append(line)
    parcels = [f for f in order.fulfilments if f.id in by_parcel]
    contacts = list_shop_contacts(session, sorted({f.seller_id for f in parcels}))
    sent = 0
    for fulfilment in parcels:
        shop = fulfilment.lines[0].seller_name if fulfilment.lines else ""
        for user in contacts.get(fulfilment.seller_id, []):
            lang = user.locale or "id"
            with force_locale(lang):
                reason = seller_reason(refund.reason)  # in words, never "case 12: …"
            send_email(
                session,
                to=user.email,
                template="seller_refund",
                lang=lang,
                context={
                    "name": user.name,
                    "shop": shop,
                    "order_number": order.number,
                    "reason": reason,
                    "parcel": parcel_notice(
                        order, fulfilment, by_parcel[fulfilment.id], left_to_ship=left_to_ship, lang=lang
                    ),
                },
            )
            sent += 1
    return sent
