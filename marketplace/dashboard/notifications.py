"""The seller's side of a paid order: an email to everyone who runs each shop in it, saying that a
parcel is paid and waiting to be packed, with a link to it (a new artisan does not watch the
dashboard all day; until the money has arrived there is nothing for them to do)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace import signals
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.orders.models import FulfilmentStatus, Order
from marketplace.seller.contacts import list_shop_contacts

#: Parts still to ship when the money arrives (a part cancelled before payment is left out).
TO_SHIP = (FulfilmentStatus.PENDING, FulfilmentStatus.PROCESSING)


def email_parcels_to_ship(session: Session, order: Order) -> int:
    """Queue "a paid parcel to ship" to each contact of each shop with a part left to ship in
    `order`, in the contact's language; returns how many. Flushes only (send_email)."""
    parts = [f for f in order.fulfilments if f.status in TO_SHIP and f.lines]
    contacts = list_shop_contacts(session, sorted({f.seller_id for f in parts}))
    sent = 0
    for fulfilment in parts:
        for user in contacts.get(fulfilment.seller_id, []):
            send_email(
                session,
                to=user.email,
                subject=_l("Paid order %(number)s: please pack and ship it", number=order.number),
                template="seller_notice",
                lang=user.locale or "id",
                context={
                    "name": user.name,
                    "body": _l(
                        "The buyer has paid order %(number)s for %(shop)s. Pack it, print the "
                        "packing slip and the shipping label, then mark it as shipped with the "
                        "tracking number.",
                        number=order.number,
                        shop=fulfilment.lines[0].seller_name,
                    ),
                    "note": "",
                    "link": external_url("seller.order", fulfilment_id=fulfilment.id),
                    "link_text": _l("Open this order"),
                },
            )
            sent += 1
    return sent


@signals.order_paid.connect
def order_paid(sender, *, session: Session, order: Order, **kwargs) -> None:
    email_parcels_to_ship(session, order)
