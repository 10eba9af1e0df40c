"""HTTP views of orders: the order list and the order page.

The checkout (`checkout_views`), cancelling (`cancel_views`) and finding an order (`lookup_views`)
are routes of this blueprint in modules of their own.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError

from marketplace import params, signals
from marketplace.cart.current import request_user
from marketplace.config import card_payments_available
from marketplace.errors import PermissionDenied
from marketplace.extensions import db, login_manager
from marketplace.i18n import current_language
from marketplace.orders import cancellation, lateness, services
from marketplace.orders.cancel_presenters import buyer_cancel_view
from marketplace.orders.fulfilment import mark_fulfilment_delivered
from marketplace.orders.list_presenters import order_rows
from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.orders.presenters import bank_details, buyer_status_label, present_order
from marketplace.shipping.couriers import tracking_templates
from marketplace.types import utcnow
from marketplace.views_support import page_count, page_links

log = logging.getLogger(__name__)

bp = Blueprint("orders", __name__)


def order_url(order: Order) -> str:
    if order.buyer_id is None:
        token = services.guest_order_token(order, secret_key=current_app.config["SECRET_KEY"])
        return url_for("orders.show", number=order.number, token=token)
    return url_for("orders.show", number=order.number)


# ----------------------------------------------------------------------------------------------
# Orders
# ----------------------------------------------------------------------------------------------


#: Orders a page of the buyer's list.
ORDERS_PER_PAGE = 20


@bp.get("/orders")
def index():
    """The buyer's orders, newest first: what each is, where it stands, what to do next and by when.

    A fixed number of statements for any page (tests/orders/test_order_list.py counts them)."""
    user = request_user()
    if user is None:
        try:
            return login_manager.unauthorized()
        except BuildError:
            abort(404)
    lang = current_language()
    now = utcnow()
    page = params.find_id(request.args.get("page")) or 1
    orders, total = services.page_orders_for_buyer(db.session, user, page=page, per_page=ORDERS_PER_PAGE)
    pages = page_count(total, ORDERS_PER_PAGE)
    expired = [services.expire_if_overdue(db.session, order, now=now) for order in orders]
    if page > pages or any(expired):
        # Past the last page (a link kept from before), or an unpaid order's time ran out here.
        if any(expired):
            db.session.commit()
        page = min(page, pages)
        orders, total = services.page_orders_for_buyer(db.session, user, page=page, per_page=ORDERS_PER_PAGE)
    grace = current_app.config.get("LATE_GRACE_DAYS", lateness.DEFAULT_GRACE_DAYS)
    rows = order_rows(
        orders,
        lang=lang,
        pictures=services.line_pictures(db.session, [order.lines[0] for order in orders if order.lines]),
        dues=lateness.open_part_dues(db.session, [order.id for order in orders], grace_days=0),
        # What other domains know of each order: a payment under way, items to review.
        extras=signals.page_values(signals.order_list, session=db.session, orders=orders, lang=lang),
        now=now,
        grace_days=grace,
    )
    return (
        render_template(
            "orders/index.html",
            orders=rows,
            local_times=any(row["local_times"] for row in rows),
            pagination=page_links(page, pages, lambda number: url_for("orders.index", page=number)),
        ),
        200,
        {"Cache-Control": "no-store"},
    )


def _order_for_request(number: str) -> tuple[Order, str | None]:
    """The order this visitor may see: a guest order through its signed link, else their own.

    A logged-out visitor without a valid guest link is sent to log in and brought back here
    (the emailed link of an account's order), whether or not the order exists, so the answer
    says nothing about other people's orders. A guest link never opens an account's order.
    """
    token = request.args.get("token")
    if token:
        try:
            return services.get_order_by_guest_token(
                db.session, number, token, secret_key=current_app.config["SECRET_KEY"]
            ), token
        except PermissionDenied:
            pass  # an account's order: only its buyer sees it, once logged in (below)
    user = request_user()
    if user is None:
        try:
            # Flask-Login's redirect to accounts.login with next=<this path>; the login view
            # follows it only through safe_next_url.
            abort(login_manager.unauthorized())
        except BuildError:
            abort(404)
    return services.get_order_for_buyer(db.session, number, user), None


def order_for_request(number: str) -> tuple[Order, str | None]:
    """The order this visitor may see and its guest token, by the order page's rules, with an
    overdue unpaid order expired first: for other buyer pages of an order (the receipt)."""
    order, token = _order_for_request(number)
    if services.expire_if_overdue(db.session, order, now=utcnow()):
        db.session.commit()
        order, token = _order_for_request(number)
    return order, token


def _cancel_view(order: Order, token: str | None, lang: str, *, paying: bool = False) -> dict:
    """The cancel partial's values (templates/orders/_cancel.html). `paying`: the buyer paid by
    card and the payment is being confirmed; no cancel button then (the money would arrive for a
    cancelled order and have to go back)."""
    late = lateness.late_fulfilment_ids(
        db.session, order, now=utcnow(), grace_days=current_app.config.get("LATE_GRACE_DAYS", 2)
    )
    rows = cancellation.list_cancellations(db.session, order)
    view = buyer_cancel_view(order, rows, late_ids=late, token=token, lang=lang)
    return {**view, "parts": [], "all_url": ""} if paying else view


@bp.get("/orders/<number>")
def show(number: str):
    order, token = _order_for_request(number)
    if services.expire_if_overdue(db.session, order, now=utcnow()):
        db.session.commit()
        order, token = _order_for_request(number)
    lang = current_language()
    view = present_order(
        order,
        lang=lang,
        tracking_templates=tracking_templates(db.session, [f.courier_code for f in order.fulfilments]),
        now=utcnow(),
    )
    # Sections other domains add (refunds: what was refunded; payments: a card payment being
    # confirmed); they listen to order_page.
    extra = signals.page_values(signals.order_page, session=db.session, order=order, lang=lang)
    can_pay_by_card = (
        card_payments_available(current_app.config)
        and order.payment_method == PaymentMethod.STRIPE
        and order.status == OrderStatus.AWAITING_PAYMENT
        and not extra.get("card_payment_confirming")
    )
    if extra.get("card_payment_confirming"):
        view["status_label"] = _("Payment being confirmed")  # paid at Stripe: not "awaiting payment"
    if extra.get("refund_failed"):  # refunds: the money did not reach the card, not "on its way"
        view["status_label"] = buyer_status_label(order, refund_failed=True)
    return (
        render_template(
            "orders/show.html",
            order=view,
            bank=bank_details(),
            token=token,
            can_pay_by_card=can_pay_by_card,
            card_test_mode=bool(current_app.config.get("STRIPE_LOCAL_TEST_MODE")),
            pay_by_card_url=url_for("payments.stripe_start", number=order.number)
            if can_pay_by_card
            else None,
            **extra,
            cancel=_cancel_view(order, token, lang, paying=bool(extra.get("card_payment_confirming"))),
        ),
        200,
        {"Cache-Control": "no-store"},
    )


@bp.post("/orders/<number>/parts/<int:fulfilment_id>/received")
def received(number: str, fulfilment_id: int):
    """The buyer says a shipped part arrived: it is delivered (the order with its last part)."""
    order, token = _order_for_request(number)
    fulfilment = next((f for f in order.fulfilments if f.id == fulfilment_id), None)
    if fulfilment is None or not FlaskForm().validate_on_submit():
        abort(404 if fulfilment is None else 400)
    if mark_fulfilment_delivered(
        db.session,
        fulfilment,
        actor_id=order.buyer_id,
        actor_label="buyer",
        now=utcnow(),
    ):
        flash(
            _("Thank you! The part from %(seller)s is marked as received.", seller=fulfilment.seller.name),
            "success",
        )
    else:
        flash(_("This part was already marked as received."), "info")
    db.session.commit()
    return redirect(url_for("orders.show", number=order.number, token=token), code=303)


# The checkout, cancel and order-lookup routes live in their own modules on this blueprint
# (imported last: they use bp).
from marketplace.orders import cancel_views, checkout_views, lookup_views  # noqa: E402, F401
