"""Checkout on one page: address, shipping choice, payment and the total, then "Place order".

- `GET /checkout`: the form; a logged-in buyer's default saved address is filled in and priced.
- `GET /checkout/quote`: the shipping and totals for a destination, as JSON, for
  static/js/checkout.js (the page updates in place while the buyer types).
- `POST /checkout` with `action=quote` (the "Calculate shipping" button, without JavaScript): the
  same page priced, everything typed kept, scrolled to the shipping (`#shipping`).
- `POST /checkout` with `action=currency`: the same page shown again in the visitor's market
  currency, after it was changed elsewhere (another tab), everything typed kept.
- `POST /checkout` with `action=place`: the order, only at the shipping and total the page showed
  (the form's `quote`, checked by `place_order`); a logged-in buyer's address is saved for next
  time in the same transaction when "Save this address" is ticked.

One page, one currency: the form carries the currency it was shown in (`currency`), and its JSON
quote asks for it (`charge_currency`), so a market changed in another tab or by another
Accept-Language never mixes two currencies on the page; the page says so and offers the switch.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from marketplace import contact
from marketplace.accounts import services as accounts
from marketplace.cart import services as cart_services
from marketplace.cart.current import find_request_cart, request_user
from marketplace.config import card_payments_available
from marketplace.errors import DomainError, ValidationError
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.markets import services as markets
from marketplace.markets.context import current_market, current_rates, normalize_currency
from marketplace.orders import services
from marketplace.orders.checkout import PricedLine, cart_fingerprint, export_problem, quote_checkout
from marketplace.orders.checkout_presenters import present_lines, present_quote
from marketplace.orders.models import Order, OrderStatus, PaymentMethod, ShippingMethod
from marketplace.orders.notes import NOTE_MAX_LENGTH, clean_note
from marketplace.orders.payment_choice import no_payment_method_reason, payment_methods_for
from marketplace.orders.views import bp, order_url
from marketplace.shipping.services import ShippingAddress, country_choices
from marketplace.types import utcnow
from marketplace.views_support import domain_errors, json_error

ADDRESS_FIELDS = contact.ADDRESS_FIELDS
#: What prices shipping: the quote endpoint's parameters. `ship_country`, not `country`: a
#: `?country=` in any URL is the visitor's market choice (markets.views.choose_market_from_link).
QUOTE_PARAMS = ("ship_country", "province", "city", "postal_code", "shipping_method", "charge_currency")
#: The longest postal code a form keeps (the field allows 16 abroad).
POSTAL_CODE_MAX = 16
#: Country families: the fields, the pickup option, the payment choice and the duties notice differ.
FAMILIES = ("home", "abroad")
#: Stands for "a country abroad" where only Indonesia-or-not matters (ISO 3166's "unknown").
SOME_COUNTRY_ABROAD = "ZZ"


def _payment_window() -> timedelta:
    return timedelta(hours=int(current_app.config.get("PAYMENT_WINDOW_HOURS", 24)))


def _family(country: str) -> str:
    return "home" if (country or contact.HOME_COUNTRY) == contact.HOME_COUNTRY else "abroad"


# ----------------------------------------------------------------------------------------------
# The form
# ----------------------------------------------------------------------------------------------


def _saved_addresses(user) -> list:
    return accounts.list_addresses(db.session, user) if user is not None else []


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
        "country": address.country or contact.HOME_COUNTRY,
    }


def _initial_form(user, saved: list) -> dict:
    """A new checkout: the default saved address (listed first), else the market's country."""
    form = {field: "" for field in ADDRESS_FIELDS}
    form.update(
        email=user.email if user else "",
        shipping_method=ShippingMethod.COURIER.value,
        payment_method=PaymentMethod.BANK_TRANSFER.value,
        address_id="",
        note="",
        quote="",
        quoted_for="",
        currency=current_market().currency,
        save_address="1",
    )
    if saved:
        form.update(_form_from_address(saved[0]))
        form["address_id"] = str(saved[0].id)
    else:
        form["country"] = current_market().country
    if user and not form["name"]:
        form["name"] = user.name or ""
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
    form["quote"] = request.form.get("quote", "")[:64]
    form["quoted_for"] = request.form.get("quoted_for", "")[:64]
    # The currency the page was shown in (a form from before it carried one: the market's).
    form["currency"] = normalize_currency(request.form.get("currency")) or current_market().currency
    form["save_address"] = "1" if request.form.get("save_address") else ""
    return form


def _address(form: dict) -> ShippingAddress:
    return ShippingAddress(**{field: form[field] for field in ADDRESS_FIELDS})


def _form_errors(form: dict, user) -> dict[str, str]:
    errors: dict[str, str] = {}
    if user is None:
        email = contact.normalize_email(form["email"])
        if not email:
            errors["email"] = _("Enter your email address: we send the order confirmation there.")
        elif not contact.email_ok(email, allow_reserved=not current_app.config.get("PRODUCTION")):
            errors["email"] = _("Enter a valid email address, like name@example.com.")
    if form["shipping_method"] not in (ShippingMethod.COURIER.value, ShippingMethod.PICKUP.value):
        errors["shipping_method"] = _("Choose courier delivery or pickup.")
    allowed_payments = [method.value for method in _payment_methods(form["country"], form["currency"])]
    if not allowed_payments:
        errors["payment_method"] = _payment_problem(form["country"], form["currency"])
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
        if form["country"] != contact.HOME_COUNTRY:
            errors["shipping_method"] = _(
                "Pickup is only possible within Indonesia: choose courier delivery."
            )
    errors.update(address_errors)
    try:
        clean_note(form.get("note"))
    except DomainError as error:
        errors["note"] = error.message
    return errors


def _quote_errors(form: dict) -> dict[str, str]:
    """What "Calculate shipping" points out: the destination's fields that are wrong, or missing
    while they decide the price (the province and city at home, the country abroad); the rest of
    the form is checked when the order is placed."""
    errors = contact.address_errors(form)
    needed = {"province", "city"} if _family(form["country"]) == "home" else {"country"}
    if form["shipping_method"] == ShippingMethod.PICKUP.value:
        needed = set()
    return {
        name: text
        for name, text in errors.items()
        if name in ("country", "province", "city", "postal_code") and (name in needed or form.get(name))
    }


# ----------------------------------------------------------------------------------------------
# Money: the currency charged, the payment methods, the quote
# ----------------------------------------------------------------------------------------------


def _checkout_rate(currency: str):
    """(currency, rate, problem): `currency` (the form's) and the rate an order would be charged at.

    When that currency cannot be charged (no rate, or an out-of-date one) the summary is shown in
    rupiah with `problem` as the reason, and placing the order is refused (markets.checkout_rate).
    """
    try:
        return currency, markets.checkout_rate(current_rates(), currency), None
    except DomainError as error:
        return "IDR", None, error.message


def _payment_methods(country: str, currency: str) -> list[PaymentMethod]:
    """The payment choice for this delivery country and the currency the order would be charged in."""
    return payment_methods_for(
        current_app.config, country=country or contact.HOME_COUNTRY, currency=_checkout_rate(currency)[0]
    )


def _payment_problem(country: str, currency: str) -> str | None:
    """Why no payment method fits (an order abroad without card payment), or None."""
    return no_payment_method_reason(
        current_app.config, country=country or contact.HOME_COUNTRY, currency=_checkout_rate(currency)[0]
    )


def _payment_view(family: str, form: dict) -> dict:
    """The payment choice for a family of countries: the form's country, or for the other family
    (kept ready in the page for a change of country) a country of that family — only whether the
    parcel stays in Indonesia matters to the payment methods."""
    if _family(form["country"]) == family:
        country = form["country"]
    else:
        country = contact.HOME_COUNTRY if family == "home" else SOME_COUNTRY_ABROAD
    return {
        "bank": PaymentMethod.BANK_TRANSFER in _payment_methods(country, form["currency"]),
        "problem": _payment_problem(country, form["currency"]),
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


def _quote(summary: cart_services.CartSummary, form: dict, lang: str) -> dict:
    """The shipping and totals for the form so far (`checkout.quote_checkout`, as placing prices),
    in the form's currency, with the offer to switch when the visitor's market now has another."""
    currency, rate, _problem = _checkout_rate(form["currency"])
    quote = quote_checkout(
        db.session,
        _priced_lines(summary),
        address=_address(form),
        shipping_method=form["shipping_method"],
        currency=currency,
        rate=rate,
    )
    villages = {group.seller.id: group.seller.village.name for group in summary.groups}
    shown = present_quote(quote, villages=villages, country=form["country"], lang=lang)
    return {**shown, **_currency_notice(currency)}


def _currency_notice(shown: str) -> dict:
    """When the visitor's market currency is no longer the one this page shows (changed in another
    tab, or guessed from another Accept-Language): the page stays in `shown`, says so, and offers
    to show it again in the new one (`action=currency`). Empty texts otherwise."""
    market = current_market().currency
    if market == shown or _checkout_rate(market)[2] is not None:
        return {"currency_notice": "", "currency_switch": ""}
    return {
        "currency_notice": _(
            "Elsewhere on the site, prices are now shown in %(new)s. This checkout stays in "
            "%(currency)s, as shown here, unless you switch it.",
            new=market,
            currency=shown,
        ),
        "currency_switch": _("Show this checkout in %(currency)s", currency=market),
    }


# ----------------------------------------------------------------------------------------------
# The page
# ----------------------------------------------------------------------------------------------


def _render_checkout(
    summary, form, errors, checkout_token, status=200, message=None, *, saved=None, notice=None
):
    lang = current_language()
    user = request_user()
    saved = _saved_addresses(user) if saved is None else saved
    currency, rate, currency_problem = _checkout_rate(form["currency"])
    export = _export_problem(summary, form)
    if export and "country" not in errors:
        # Said at once (a saved address abroad, a country just chosen), not only at "Place order".
        errors = {**errors, "country": export}
    family = _family(form["country"])
    return (
        render_template(
            "checkout/form.html",
            form=form,
            errors=errors,
            message=message,
            notice=notice,
            is_guest=user is None,
            can_save_address=user is not None,
            provinces=contact.PROVINCES,
            countries=country_choices(lang),
            family=family,
            international=family == "abroad",
            saved_addresses=[
                {
                    "id": str(a.id),
                    "label": a.label or f"{a.recipient_name}, {a.street}, {a.city}",
                    "fields": _form_from_address(a),
                }
                for a in saved
            ],
            stripe_enabled=card_payments_available(current_app.config),
            card_test_mode=bool(current_app.config.get("STRIPE_LOCAL_TEST_MODE")),
            payments={name: _payment_view(name, form) for name in FAMILIES},
            groups=present_lines(summary, currency=currency, lang=lang),
            quote=_quote(summary, form, lang),
            fingerprint=_fingerprint(summary),
            rate_version=rate.version if rate else "",
            currency_problem=currency_problem,
            checkout_token=checkout_token,
            window_hours=int(current_app.config.get("PAYMENT_WINDOW_HOURS", 24)),
            note_max=NOTE_MAX_LENGTH,
            login_url=url_for("accounts.login", next=url_for("orders.checkout")),
            register_url=url_for("accounts.register", next=url_for("orders.checkout")),
        ),
        status,
        {"Cache-Control": "no-store"},
    )


def _export_problem(summary: cart_services.CartSummary, form: dict) -> str | None:
    """Why the cart cannot go to the form's country (products that may not leave Indonesia)."""
    return export_problem([line.product for line in summary.lines if line.available], form["country"])


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

    placing = request.method == "POST" and request.form.get("action") == "place"
    # Placing looks the token up itself first thing (`place_order`), in the same transaction.
    existing = None if placing else already_placed()
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
        market = current_market()
        if _payment_problem(market.country, market.currency):
            # Nothing this buyer fills in could be paid for: the cart says why, and how to go on.
            return redirect(url_for("cart.show"), code=303)
        saved = _saved_addresses(user)
        return _render_checkout(summary, _initial_form(user, saved), {}, _new_checkout_token(), saved=saved)

    form = _posted_form(user)
    checkout_token = request.form.get("checkout_token", "")
    if not 16 <= len(checkout_token) <= 64:
        checkout_token = _new_checkout_token()
    if request.form.get("use_address") and request.form.get("address_id"):
        saved = _saved_addresses(user)
        chosen = [a for a in saved if str(a.id) == request.form.get("address_id")]
        if chosen:
            form.update(_form_from_address(chosen[0]))
        return _render_checkout(summary, form, {}, checkout_token, saved=saved)
    if request.form.get("action") == "currency":
        form["currency"] = current_market().currency
        shown = _checkout_rate(form["currency"])[0]
        notice = _(
            "This checkout now shows everything in %(currency)s. Check the total, then place your order.",
            currency=shown,
        )
        return _render_checkout(summary, form, {}, checkout_token, notice=notice)
    if request.form.get("action") == "quote":
        errors = _quote_errors(form)
        export = _export_problem(summary, form)
        if export:
            errors["country"] = export
        return _render_checkout(summary, form, errors, checkout_token, 400 if errors else 200)
    errors = _form_errors(form, user)
    export = _export_problem(summary, form)
    if export:
        errors["country"] = export
    if errors:
        return _render_checkout(
            summary, form, errors, checkout_token, 400, _("Please correct the fields marked below.")
        )

    lang = current_language()
    with domain_errors() as outcome:
        order = services.place_order(
            db.session,
            cart=cart,
            buyer=user,
            email=form["email"],
            lang=lang,
            address=_address(form),
            shipping_method=form["shipping_method"],
            payment_method=form["payment_method"],
            checkout_token=checkout_token,
            now=utcnow(),
            expected_fingerprint=request.form.get("fingerprint") or None,
            payment_window=_payment_window(),
            currency=form["currency"],
            expected_rate_version=request.form.get("rate_version"),
            rate_stale_days=int(current_app.config.get("RATE_STALE_DAYS", 7)),
            note=form["note"],
            # Always a string: a form without it (or empty) has shown no total, and is refused.
            expected_quote=form["quote"],
            rates=current_rates(),
            quoted_for=form["quoted_for"],
        )
        if (
            user is not None
            and form["save_address"]
            and form["shipping_method"] == ShippingMethod.COURIER.value
        ):
            accounts.remember_address(
                db.session, user=user, values={**form, "recipient_name": form["name"], "label": ""}
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
    by_card = order.payment_method == PaymentMethod.STRIPE and order.status == OrderStatus.AWAITING_PAYMENT
    # Read before the commit expires the order: no query to read it back.
    number, url = order.number, order_url(order)
    db.session.commit()

    if by_card:
        return _start_stripe(order)
    flash(_("Thank you! Your order %(number)s is placed.", number=number), "success")
    return redirect(url, code=303)


# ----------------------------------------------------------------------------------------------
# The JSON quote
# ----------------------------------------------------------------------------------------------


def _json_error(status: int, message: str, field: str | None = None):
    body, status = json_error(status, message, **({"field": field} if field else {}))
    return body, status, {"Cache-Control": "no-store"}


def _quote_form(args) -> dict:
    """The destination in the quote's parameters, as the checkout form holds it; ValidationError
    naming the parameter for a value no form sends (the page's own fields cannot)."""
    raw = {name: args.get(name, "") for name in QUOTE_PARAMS}
    limits = {
        "ship_country": 2,
        "province": 120,
        "city": 120,
        "postal_code": POSTAL_CODE_MAX,
        "shipping_method": 16,
        "charge_currency": 3,
    }
    for name, limit in limits.items():
        if len(raw[name]) > limit:
            raise ValidationError(
                _("%(name)s is too long: at most %(max)d characters.", name=name, max=limit), field=name
            )
    form = {field: "" for field in ADDRESS_FIELDS}
    form.update(
        province=raw["province"],
        city=raw["city"],
        postal_code=raw["postal_code"],
        country=raw["ship_country"],
    )
    form = contact.clean_address(form)
    form["currency"] = normalize_currency(raw["charge_currency"]) or current_market().currency
    if raw["charge_currency"] and normalize_currency(raw["charge_currency"]) is None:
        raise ValidationError(_("Choose a currency from the list."), field="charge_currency")
    if form["country"] not in contact.country_names("en"):
        raise ValidationError(_("Choose a country from the list."), field="ship_country")
    if _family(form["country"]) == "home" and form["province"] and form["province"] not in contact.PROVINCES:
        raise ValidationError(_("Choose a province from the list."), field="province")
    method = raw["shipping_method"] or ShippingMethod.COURIER.value
    if method not in (ShippingMethod.COURIER.value, ShippingMethod.PICKUP.value):
        raise ValidationError(_("Choose courier delivery or pickup."), field="shipping_method")
    form["shipping_method"] = method
    return form


@bp.get("/checkout/quote")
def checkout_quote():
    """The shipping and totals for `?ship_country=&province=&city=&postal_code=&shipping_method=`
    and this visitor's cart (`present_quote`'s keys) in `charge_currency` (the page's; the
    market's without it); 400 for a value no form sends, 409 when the cart cannot be checked out
    or that currency cannot be charged now. Errors are JSON `{"error": {"status", "message", "field"}}`."""
    try:
        form = _quote_form(request.args)
    except ValidationError as error:
        return _json_error(400, error.message, error.field)
    _cart, summary = _checkout_cart()
    if summary.is_empty:
        return _json_error(409, _("Your cart is empty."))
    if summary.problems:
        return _json_error(409, _("Some items in your cart need your attention before checkout."))
    export = _export_problem(summary, form)
    if export:
        return _json_error(409, export, "country")
    problem = _checkout_rate(form["currency"])[2]
    if problem is not None:
        # Priced in rupiah instead, the answer would mix two currencies on the page: it says why.
        return _json_error(409, problem, "charge_currency")
    return jsonify(_quote(summary, form, current_language())), 200, {"Cache-Control": "no-store"}


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
