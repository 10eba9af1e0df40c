"""HTTP views of orders: checkout (address, shipping, payment, summary), order list and order page."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError

from marketplace import contact, signals
from marketplace.accounts.models import Address
from marketplace.cart import services as cart_services
from marketplace.cart.current import find_request_cart, request_user
from marketplace.config import card_payments_available
from marketplace.errors import DomainError, PermissionDenied
from marketplace.extensions import db, login_manager
from marketplace.i18n import current_language, localized
from marketplace.markets import services as markets
from marketplace.markets.context import current_market, current_rates
from marketplace.markets.presenters import lines_total
from marketplace.markets.presenters import price as price_text
from marketplace.money import Money
from marketplace.orders import cancellation, lateness, services
from marketplace.orders.cancel_presenters import buyer_cancel_view
from marketplace.orders.checkout import PricedLine, cart_fingerprint, price_checkout
from marketplace.orders.formatting import status_label
from marketplace.orders.fulfilment import mark_fulfilment_delivered
from marketplace.orders.models import Order, OrderStatus, PaymentMethod, ShippingMethod
from marketplace.orders.notes import NOTE_MAX_LENGTH, clean_note
from marketplace.orders.payment_choice import no_payment_method_reason, payment_methods_for
from marketplace.orders.presenters import bank_details, present_order
from marketplace.shipping.couriers import tracking_templates
from marketplace.shipping.services import ShippingAddress, country_choices, validate_address
from marketplace.timezones import jakarta_time
from marketplace.types import utcnow
from marketplace.views_support import domain_errors

log = logging.getLogger(__name__)

bp = Blueprint("orders", __name__)

ADDRESS_FIELDS = contact.ADDRESS_FIELDS


def _payment_window() -> timedelta:
    return timedelta(hours=int(current_app.config.get("PAYMENT_WINDOW_HOURS", 24)))


# ----------------------------------------------------------------------------------------------
# Checkout
# ----------------------------------------------------------------------------------------------


def _saved_addresses(user) -> list:
    if user is None:
        return []
    return list(
        db.session.scalars(
            sa.select(Address)
            .where(Address.user_id == user.id)
            .order_by(Address.is_default.desc(), Address.id)
        )
    )


def _form_from_address(address) -> dict:
    return {
        "name": address.recipient_name,
        "phone": address.phone,
        "street": address.street,
        "line2": address.line2 or "",
        "district": address.district,
        "city": address.city,
        "province": address.province,
        "postal_code": address.postal_code,
        "country": getattr(address, "country", None) or "ID",
    }


def _initial_form(user) -> dict:
    form = {field: "" for field in ADDRESS_FIELDS}
    form.update(
        email=user.email if user else "",
        shipping_method=ShippingMethod.COURIER.value,
        payment_method=PaymentMethod.BANK_TRANSFER.value,
        address_id="",
        note="",
    )
    saved = _saved_addresses(user)
    if saved:
        form.update(_form_from_address(saved[0]))
        form["address_id"] = str(saved[0].id)
    if user and not form["name"]:
        form["name"] = user.name or ""
    if not saved:
        form["country"] = current_market().country
    return form


def _posted_form(user) -> dict:
    # The same cleaning as a saved address gets (marketplace.contact), so both pass the same rules.
    form = contact.clean_address(
        {field: request.form.get(field, "").strip()[:250] for field in ADDRESS_FIELDS}
    )
    form["country"] = form["country"][:2]
    form["email"] = user.email if user else request.form.get("email", "").strip()[:254]
    form["shipping_method"] = request.form.get("shipping_method", ShippingMethod.COURIER.value)
    form["payment_method"] = request.form.get("payment_method", PaymentMethod.BANK_TRANSFER.value)
    form["address_id"] = request.form.get("address_id", "")
    # Kept as typed (cut far past the limit) so a re-rendered form shows it; cleaned when placed.
    form["note"] = request.form.get("note", "")[: NOTE_MAX_LENGTH * 4]
    return form


def _address(form: dict) -> ShippingAddress:
    return ShippingAddress(**{field: form[field] for field in ADDRESS_FIELDS})


def _form_errors(form: dict, user) -> dict[str, str]:
    errors: dict[str, str] = {}
    if user is None:
        email = contact.normalize_email(form["email"])
        if not contact.email_ok(email, allow_reserved=not current_app.config.get("PRODUCTION")):
            errors["email"] = _("Enter your email address: we send the order confirmation there.")
    if form["shipping_method"] not in (ShippingMethod.COURIER.value, ShippingMethod.PICKUP.value):
        errors["shipping_method"] = _("Choose courier delivery or pickup.")
    allowed_payments = [method.value for method in _payment_methods(form)]
    if not allowed_payments:
        errors["payment_method"] = _payment_problem(form)
    elif form["payment_method"] not in allowed_payments:
        errors["payment_method"] = (
            _("Bank transfer is only for orders paid in rupiah and delivered in Indonesia. Pay by card.")
            if form["payment_method"] == PaymentMethod.BANK_TRANSFER.value
            else _("Choose a payment method.")
        )
    address_errors = contact.address_errors(form)
    if form["shipping_method"] == ShippingMethod.PICKUP.value:
        # Pickup needs someone to hand the parcel to, not a street.
        address_errors = {k: v for k, v in address_errors.items() if k in ("name", "phone")}
        if form["country"] != "ID":
            errors["shipping_method"] = _(
                "Pickup is only possible within Indonesia: choose courier delivery."
            )
    errors.update(address_errors)
    try:
        clean_note(form.get("note"))
    except DomainError as error:
        errors["note"] = error.message
    return errors


def _checkout_rate():
    """(currency, rate, problem): the market's currency and the rate an order would be charged at.

    When that currency cannot be charged (no rate, or an out-of-date one) the summary is shown in
    rupiah with `problem` as the reason, and placing the order is refused (markets.checkout_rate).
    """
    currency = current_market().currency
    try:
        return currency, markets.checkout_rate(current_rates(), currency), None
    except DomainError as error:
        return "IDR", None, error.message


def _market_currency() -> str:
    return current_market().currency


def _payment_methods(form: dict) -> list[PaymentMethod]:
    """The payment choice for this delivery country and the currency the order would be charged in."""
    return payment_methods_for(
        current_app.config, country=form.get("country") or "ID", currency=_checkout_rate()[0]
    )


def _payment_problem(form: dict) -> str | None:
    """Why no payment method fits this form (an order abroad without card payment), or None."""
    return no_payment_method_reason(
        current_app.config, country=form.get("country") or "ID", currency=_checkout_rate()[0]
    )


def _bank_transfer_allowed(form: dict) -> bool:
    """Bank transfer stays domestic: rupiah orders delivered in Indonesia."""
    return PaymentMethod.BANK_TRANSFER in _payment_methods(form)


def _summary_view(summary: cart_services.CartSummary, form: dict, lang: str) -> dict:
    """Lines by seller and, when the address allows, each seller's shipping price and the total.

    Priced by `checkout.price_checkout`, the function `place_order` prices the order with, so the
    total shown is the total charged.
    """
    currency, rate, _problem = _checkout_rate()
    pickup = form["shipping_method"] == ShippingMethod.PICKUP.value
    address_ok = not validate_address(_address(form))
    price = price_checkout(
        db.session,
        _priced_lines(summary),
        # Pickup is free whatever the street; courier needs a complete address to be quoted.
        destination=_address(form) if address_ok and not pickup else None,
        shipping_method=ShippingMethod.COURIER,
        currency=currency,
        rate=rate,
    )
    parcels = {parcel.seller_id: parcel for parcel in price.parcels}
    groups = []
    for group in summary.groups:
        parcel = parcels.get(group.seller.id)
        quote = parcel.quote if parcel else None
        if pickup:
            shipping_text = _("Free pickup in Desa %(village)s", village=group.seller.village.name)
        elif parcel is not None and parcel.problem is not None:
            shipping_text = parcel.problem.message
        elif quote is not None:
            days = _("%(min)d–%(max)d days", min=quote.est_days_min, max=quote.est_days_max)
            zone = quote.zone_name_en if lang == "en" else quote.zone_name_id
            shipping_text = f"{price_text(quote.price.minor, lang, currency)} ({zone}, {days})"
            if quote.parcels > 1:
                shipping_text += " · " + _("%(n)d parcels of at most 30 kg", n=quote.parcels)
        else:
            shipping_text = _("Calculated from your address")
        groups.append(
            {
                "seller_name": group.seller.name,
                "shipping": shipping_text,
                "lines": [
                    {
                        "title": localized(line.product, "title", lang),
                        "variant": line.variant_label_en if lang == "en" else line.variant_label_id,
                        "quantity": line.quantity,
                        "unit_price": price_text(line.unit_price_minor, lang, currency),
                        "total": lines_total([(line.unit_price_minor, line.quantity)], currency).format(lang),
                    }
                    for line in group.lines
                ],
            }
        )
    code = price.currency
    shipping_known = pickup or price.shipping_known
    return {
        "groups": groups,
        "currency": code,
        "subtotal": Money(price.subtotal_minor, code).format(lang),
        "shipping": Money(price.shipping_minor, code).format(lang) if shipping_known else "",
        "total": Money(price.total_minor, code).format(lang) if shipping_known else "",
    }


def _priced_lines(summary: cart_services.CartSummary) -> list[PricedLine]:
    """The summary's lines as the checkout prices them: available ones, in product id order."""
    lines = [
        PricedLine(line.product, line.quantity, line.unit_price_minor, line.currency, line.variant)
        for line in summary.lines
        if line.available
    ]
    return sorted(lines, key=lambda ln: ln.key)


def _fingerprint(summary: cart_services.CartSummary) -> str:
    lines = [
        PricedLine(line.product, line.quantity, line.unit_price_minor, line.currency, line.variant)
        for line in summary.lines
    ]
    return cart_fingerprint(sorted(lines, key=lambda ln: ln.key))


def _render_checkout(summary, form, errors, checkout_token, status=200, message=None):
    lang = current_language()
    user = request_user()
    return (
        render_template(
            "checkout/form.html",
            form=form,
            errors=errors,
            message=message,
            is_guest=user is None,
            provinces=contact.PROVINCES,
            countries=country_choices(lang),
            international=form.get("country", "ID") != "ID",
            saved_addresses=[
                {"id": str(a.id), "label": a.label or f"{a.recipient_name}, {a.street}, {a.city}"}
                for a in _saved_addresses(user)
            ],
            stripe_enabled=card_payments_available(current_app.config),
            card_test_mode=bool(current_app.config.get("STRIPE_LOCAL_TEST_MODE")),
            payment_problem=_payment_problem(form),
            summary=_summary_view(summary, form, lang),
            fingerprint=_fingerprint(summary),
            rate_version=_checkout_rate()[1].version if _checkout_rate()[1] else "",
            currency_problem=_checkout_rate()[2],
            bank_transfer_allowed=_bank_transfer_allowed(form),
            checkout_token=checkout_token,
            window_hours=int(current_app.config.get("PAYMENT_WINDOW_HOURS", 24)),
            note_max=NOTE_MAX_LENGTH,
        ),
        status,
    )


def _checkout_cart():
    cart = find_request_cart()
    summary = cart_services.summarize_cart(db.session, cart, current_market())
    if summary.problems and services.release_overdue_reservations(
        db.session, product_ids=summary.product_ids, now=utcnow()
    ):
        db.session.commit()
        summary = cart_services.summarize_cart(db.session, cart, current_market())
    return cart, summary


def _new_checkout_token() -> str:
    return secrets.token_urlsafe(24)


def order_url(order: Order) -> str:
    if order.buyer_id is None:
        token = services.guest_order_token(order, secret_key=current_app.config["SECRET_KEY"])
        return url_for("orders.show", number=order.number, token=token)
    return url_for("orders.show", number=order.number)


@bp.route("/checkout", methods=["GET", "POST"])
def checkout():
    user = request_user()

    def already_placed():
        """The order this very form made (a second click), if any; checked again after reads
        because the first click may commit while this request runs."""
        if request.method != "POST":
            return None
        return services.find_order_by_checkout_token(
            db.session,
            request.form.get("checkout_token", ""),
            buyer=user,
            email=user.email if user else request.form.get("email", ""),
        )

    existing = already_placed()
    if existing is not None:
        return redirect(order_url(existing), code=303)
    cart, summary = _checkout_cart()
    if summary.is_empty or summary.problems:
        existing = already_placed()
        if existing is not None:
            return redirect(order_url(existing), code=303)
    if summary.is_empty:
        flash(_("Your cart is empty."), "error")
        return redirect(url_for("cart.show"), code=303)
    if summary.problems:
        flash(_("Some items in your cart need your attention before checkout."), "error")
        return redirect(url_for("cart.show"), code=303)

    if request.method == "GET":
        if _payment_problem({"country": current_market().country}):
            # Nothing this buyer fills in could be paid for: the cart says why, and how to go on.
            return redirect(url_for("cart.show"), code=303)
        form = _initial_form(user)
        return _render_checkout(summary, form, {}, _new_checkout_token())

    form = _posted_form(user)
    checkout_token = request.form.get("checkout_token", "")
    if not 16 <= len(checkout_token) <= 64:
        checkout_token = _new_checkout_token()
    if request.form.get("use_address") and request.form.get("address_id"):
        chosen = [a for a in _saved_addresses(user) if str(a.id) == request.form.get("address_id")]
        if chosen:
            form.update(_form_from_address(chosen[0]))
        return _render_checkout(summary, form, {}, checkout_token)
    errors = _form_errors(form, user)
    if errors:
        return _render_checkout(
            summary, form, errors, checkout_token, 400, _("Please correct the fields marked below.")
        )
    if request.form.get("action") == "quote":
        return _render_checkout(summary, form, {}, checkout_token)

    with domain_errors() as outcome:
        order = services.place_order(
            db.session,
            cart=cart,
            buyer=user,
            email=form["email"],
            lang=current_language(),
            address=_address(form),
            shipping_method=form["shipping_method"],
            payment_method=form["payment_method"],
            checkout_token=checkout_token,
            now=utcnow(),
            expected_fingerprint=request.form.get("fingerprint") or None,
            payment_window=_payment_window(),
            currency=_market_currency(),
            expected_rate_version=request.form.get("rate_version"),
            rate_stale_days=int(current_app.config.get("RATE_STALE_DAYS", 7)),
            note=form["note"],
        )
    if not outcome.ok:
        error = outcome.error
        existing = services.find_order_by_checkout_token(
            db.session, checkout_token, buyer=user, email=form["email"]
        )
        if existing is not None:
            return redirect(order_url(existing), code=303)
        cart, summary = _checkout_cart()
        if summary.is_empty:
            flash(error.message, "error")
            return redirect(url_for("cart.show"), code=303)
        field_errors = {error.field: error.message} if error.field else {}
        return _render_checkout(summary, form, field_errors, checkout_token, error.status, error.message)
    db.session.commit()

    if order.payment_method == PaymentMethod.STRIPE and order.status == OrderStatus.AWAITING_PAYMENT:
        return _start_stripe(order)
    flash(_("Thank you! Your order %(number)s is placed.", number=order.number), "success")
    return redirect(order_url(order), code=303)


def _start_stripe(order: Order):
    """Hand the new order to the payments domain and send the buyer to Stripe's page."""
    # cycle: payments imports orders at module level (layering orders < payments); the
    # checkout hands a card order over to payments once it is placed.
    from marketplace.payments import services as payments
    from marketplace.payments.views import stripe_return_urls

    success_url, cancel_url = stripe_return_urls(order)
    with domain_errors(flash_category="error") as outcome:
        payment = payments.start_stripe_checkout(
            db.session,
            order,
            success_url=success_url,
            cancel_url=cancel_url,
            client=payments.stripe_client(current_app.config),
        )
        url = payment.checkout_url
        db.session.commit()
    if not outcome.ok:
        return redirect(order_url(order), code=303)
    return redirect(url, code=303)


# ----------------------------------------------------------------------------------------------
# Orders
# ----------------------------------------------------------------------------------------------


@bp.get("/orders")
def index():
    user = request_user()
    if user is None:
        try:
            return login_manager.unauthorized()
        except BuildError:
            abort(404)
    lang = current_language()
    orders = services.list_orders_for_buyer(db.session, user)
    now = utcnow()
    expired = [services.expire_if_overdue(db.session, order, now=now) for order in orders]
    if any(expired):
        db.session.commit()
        orders = services.list_orders_for_buyer(db.session, user)
    rows = [
        {
            "number": order.number,
            "url": url_for("orders.show", number=order.number),
            "created": jakarta_time(order.created_at, lang),
            "status_label": status_label(order.status),
            "total": Money(order.total_minor, order.currency).format(lang),
        }
        for order in orders
    ]
    return render_template("orders/index.html", orders=rows)


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


def _cancel_view(order: Order, token: str | None, lang: str) -> dict:
    """The cancel partial's values (templates/orders/_cancel.html)."""
    late = lateness.late_fulfilment_ids(
        db.session, order, now=utcnow(), grace_days=current_app.config.get("LATE_GRACE_DAYS", 2)
    )
    rows = cancellation.list_cancellations(db.session, order)
    return buyer_cancel_view(order, rows, late_ids=late, token=token, lang=lang)


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
    )
    can_pay_by_card = (
        card_payments_available(current_app.config)
        and order.payment_method == PaymentMethod.STRIPE
        and order.status == OrderStatus.AWAITING_PAYMENT
    )
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
            # Sections other domains add (refunds: what was refunded); they listen to order_page.
            **signals.page_values(signals.order_page, session=db.session, order=order, lang=lang),
            cancel=_cancel_view(order, token, lang),
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


# The cancel and order-lookup routes live in their own modules on this blueprint (imported last: they use bp).
from marketplace.orders import cancel_views, lookup_views  # noqa: E402, F401
