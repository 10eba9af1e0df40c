"""The emails an order sends (confirmation, payment received, shipped), queued in the caller's
transaction: receivers of `marketplace.signals`, connected when this module is imported (by
`marketplace.models`).

This is the single call site between orders and `marketplace.email`: sending never blocks or
breaks a checkout — the email is a queued row, delivered after commit with retries. The
confirmation and the payment email are queued unrendered (the order's id, template and language)
and rendered by the job runner when it sends them: neither the checkout's request nor the payment's
does any rendering.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from jinja2 import TemplateNotFound
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace import signals
from marketplace.email.links import external_url
from marketplace.email.services import queue_email, register_context, send_email
from marketplace.orders.models import Fulfilment, Order
from marketplace.orders.presenters import bank_details, present_order
from marketplace.orders.queries import guest_order_token
from marketplace.shipping.couriers import tracking_templates, tracking_url

log = logging.getLogger(__name__)


def order_link(order: Order) -> str:
    """Absolute link to the order page; guests get a signed token in it."""
    if order.buyer_id is not None:
        return external_url("orders.show", number=order.number)
    token = guest_order_token(order, secret_key=current_app.config["SECRET_KEY"])
    return external_url("orders.show", number=order.number, token=token)


def _context(order: Order) -> dict:
    """The variables templates/email/order_confirmation.txt and payment_received.txt expect."""
    with force_locale(order.lang):
        view = present_order(order, lang=order.lang)
        instructions = []
        if view["show_bank_instructions"]:
            bank = bank_details()
            instructions = [
                _(
                    "Transfer exactly %(amount)s (the last digits are your order's unique code).",
                    amount=view["total"],
                ),
                _("Bank: %(bank)s", bank=bank["name"]),
                _("Account number: %(number)s", number=bank["account_number"]),
                _("Account holder: %(holder)s", holder=bank["holder"]),
                _("Transfer note: %(number)s", number=order.number),
                # The order page's button (payments/presenters.py): a claimed transfer is checked first.
                _(
                    "After you transfer, press “I have transferred” on your order page: "
                    "the district office then checks it sooner."
                ),
            ]
        elif view["awaiting_payment"]:
            instructions = [_("Pay by card on the order page (Stripe's secure page).")]
    lines = [
        {"title": line["title"], "quantity": line["quantity"], "total_text": line["total"],
         "seller": fulfilment["seller_name"]}
        for fulfilment in view["fulfilments"]
        for line in fulfilment["lines"]
    ]  # fmt: skip
    return {
        "name": order.ship_name,
        "order_number": order.number,
        "lines": lines,
        "shipping_text": view["shipping"],
        #: A bank transfer's unique code (in the total: the lines, shipping and this add up to it).
        "unique_code_text": view["unique_code"],
        "total_text": view["total"],
        "amount_text": view["total"],
        "payment_instructions": instructions,
        #: Plain text: an email runs no script to rewrite a <time> (several zones: WIB with UTC beside).
        "payment_deadline_text": str(view["due"]) if view["awaiting_payment"] else "",
        "order_url": order_link(order),
        #: Guests: the page that finds an order by number and email, should this email's link be lost.
        "find_url": external_url("orders.find") if order.buyer_id is None else "",
        #: Shipped abroad: the buyer pays import duties and taxes on arrival (said before payment).
        "international": (order.ship_country or "ID") != "ID",
    }


@signals.order_placed.connect
def order_placed(sender, *, session: Session, order: Order, **kwargs) -> None:
    # Rendered by the job runner when it sends it (`_order_context`): the checkout's request
    # writes one row and renders nothing. The flush gives the order its id (and writes its rows).
    session.flush()
    _queue_order_email(session, order, "order_confirmation")


def _queue_order_email(session: Session, order: Order, template: str) -> None:
    """Queue `template` for the order's buyer, rendered from the order when it is sent."""
    queue_email(session, to=order.email, template=template, lang=order.lang, render_from=f"order:{order.id}")


def _order_context(session: Session, order_id: int) -> dict:
    """The confirmation's context, from the order as it is when the email is sent."""
    # The parcels with their lines in the order's query, its events in one more: what
    # `present_order` reads, without a query per parcel.
    order = (
        session.scalars(
            sa.select(Order)
            .where(Order.id == order_id)
            .options(joinedload(Order.fulfilments).joinedload(Fulfilment.lines), selectinload(Order.events))
        )
        .unique()
        .first()
    )
    if order is None:
        raise LookupError(f"order {order_id} is gone")
    return _context(order)


register_context("order", _order_context)


@signals.order_paid.connect
def payment_received(sender, *, session: Session, order: Order, **kwargs) -> None:
    # Rendered by the job runner as the confirmation is: marking an order paid (a webhook, a
    # curator's transfer check) writes one row and renders nothing.
    _queue_order_email(session, order, "payment_received")


@signals.fulfilment_shipped.connect
def fulfilment_shipped(sender, *, session: Session, fulfilment, **kwargs) -> None:
    order = fulfilment.order
    with force_locale(order.lang):
        lines = [
            {"title": line.title_in(order.lang), "quantity": line.quantity, "total_text": "",
             "seller": ""}
            for line in fulfilment.lines
        ]  # fmt: skip
    context = {
        "name": order.ship_name,
        "order_number": order.number,
        "seller_name": fulfilment.lines[0].seller_name if fulfilment.lines else "",
        "carrier": fulfilment.courier,
        "tracking_number": fulfilment.tracking_number,
        "tracking_url": tracking_url(
            tracking_templates(session, [fulfilment.courier_code]).get(fulfilment.courier_code or ""),
            fulfilment.tracking_number,
        ),
        "lines": lines,
        "order_url": order_link(order),
    }
    try:
        send_email(session, to=order.email, template="shipped", lang=order.lang, context=context)
    except TemplateNotFound:
        log.warning("email template shipped is missing; order %s sent no email", order.number)
