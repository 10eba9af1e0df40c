"""HTTP views of the cart: show, add, change quantity, remove — plain POST forms, no JS needed."""

from __future__ import annotations

from flask import (
    Blueprint,
    after_this_request,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import user_logged_in
from werkzeug.routing import BuildError

from marketplace.accounts.redirects import safe_next_url
from marketplace.cart import services
from marketplace.cart.current import (
    find_request_cart,
    get_or_create_request_cart,
    set_cart_cookie,
)
from marketplace.cart.header import cart_header_globals
from marketplace.extensions import db
from marketplace.i18n import current_language, localized
from marketplace.markets.context import current_market
from marketplace.markets.presenters import lines_total, price
from marketplace.shipping.services import estimate_range
from marketplace.types import utcnow
from marketplace.views_support import domain_errors

bp = Blueprint("cart", __name__)
# Every page's header shows the cart count (read lazily, only when the header is rendered).
bp.app_context_processor(cart_header_globals)


def product_url(product) -> str | None:
    try:
        return url_for("storefront.product", product_id=product.id, slug=product.slug)
    except BuildError:
        return None


def _subtotal(lines, lang: str) -> str:
    """Available lines in the buyer's currency, converted per unit then × quantity (as orders are)."""
    return lines_total((ln.unit_price_minor, ln.quantity) for ln in lines if ln.available).format(lang)


def _line_name(line: services.CartLineView, lang: str) -> str:
    """The product's title with its variant ("Batik tulis (Size: XL)"), for labels of its buttons."""
    label = line.variant_label_en if lang == "en" else line.variant_label_id
    title = localized(line.product, "title", lang)
    return f"{title} ({label})" if label else title


def present_cart(summary: services.CartSummary, lang: str) -> dict:
    groups = []
    for group in summary.groups:
        estimate = (
            estimate_range(db.session, weight_grams=group.weight_grams, country=current_market().country)
            if group.weight_grams
            else None
        )
        if estimate is None:
            shipping_text = ""
        elif estimate[0] == estimate[1]:
            shipping_text = price(estimate[0].minor, lang)
        else:
            shipping_text = f"{price(estimate[0].minor, lang)} – {price(estimate[1].minor, lang)}"
        groups.append(
            {
                "seller_name": group.seller.name,
                "village": group.seller.village.name if group.seller.village else "",
                "subtotal": _subtotal(group.lines, lang),
                "shipping_estimate": shipping_text,
                "lines": [
                    {
                        "product_id": line.product.id,
                        "variant_id": line.variant.id if line.variant is not None else "",
                        "key": f"{line.product.id}-{line.variant.id}"
                        if line.variant is not None
                        else line.product.id,
                        "title": localized(line.product, "title", lang),
                        "variant": line.variant_label_en if lang == "en" else line.variant_label_id,
                        "name": _line_name(line, lang),
                        "url": product_url(line.product),
                        "quantity": line.quantity,
                        "stock": line.variant.stock if line.variant is not None else line.product.stock,
                        "unit_price": price(line.unit_price_minor, lang),
                        "total": lines_total([(line.unit_price_minor, line.quantity)]).format(lang),
                        "available": line.available,
                        "problem": line.problem,
                    }
                    for line in group.lines
                ],
            }
        )
    return {
        "groups": groups,
        # Each named as its line is, in the reader's language (the summary's own list names them
        # in Indonesian, for logs and callers without a reader).
        "problems": [f"{_line_name(line, lang)}: {line.problem}" for line in summary.lines if line.problem],
        "is_empty": summary.is_empty,
        "can_check_out": summary.can_check_out,
        "subtotal": _subtotal(summary.lines, lang),
        #: Shipping abroad: courier only (pickup in the seller's village is for Indonesia).
        "abroad": not current_market().is_domestic,
    }


@bp.get("/cart")
def show():
    # cycle: orders imports cart at module level (layering cart < orders); the cart page
    # asks orders to expire overdue reservations and which payment methods an order could use.
    from marketplace.orders.lifecycle import release_overdue_reservations
    from marketplace.orders.payment_choice import no_payment_method_reason

    cart = find_request_cart()
    summary = services.summarize_cart(db.session, cart, current_market())
    if summary.problems:
        # Units held by unpaid orders whose window ended go back before we call anything sold out.
        if release_overdue_reservations(db.session, product_ids=summary.product_ids, now=utcnow()):
            db.session.commit()
            summary = services.summarize_cart(db.session, cart, current_market())
    market = current_market()
    return render_template(
        "cart/show.html",
        cart=present_cart(summary, current_language()),
        # Told before the buyer fills anything in: orders abroad need card payment, when it is off.
        payment_problem=no_payment_method_reason(
            current_app.config, country=market.country, currency=market.currency
        ),
    )


def _cart_redirect():
    return redirect(safe_next_url(request.form.get("next")) or url_for("cart.show"), code=303)


@bp.post("/cart/add")
def add():
    with domain_errors(flash_category="error") as outcome:
        cart = get_or_create_request_cart()
        change = services.add_to_cart(
            db.session,
            cart=cart,
            product_id=request.form.get("product_id", ""),
            quantity=request.form.get("quantity", "1"),
            market=current_market(),
            variant_id=request.form.get("variant_id"),
        )
    if not outcome.ok:
        return _cart_redirect()
    db.session.commit()
    after_this_request(set_cart_cookie)
    title = localized(change.product, "title")
    if change.capped:
        flash(
            _("Only %(n)d of “%(title)s” available: your cart holds %(n)d.", n=change.quantity, title=title),
            "warning",
        )
    else:
        flash(_("“%(title)s” is in your cart.", title=title), "success")
    return _cart_redirect()


@bp.post("/cart/update")
def update():
    cart = find_request_cart()
    if cart is None:
        flash(_("Your cart is empty."), "error")
        return _cart_redirect()
    with domain_errors(flash_category="error") as outcome:
        change = services.set_quantity(
            db.session,
            cart=cart,
            product_id=request.form.get("product_id", ""),
            quantity=request.form.get("quantity", ""),
            variant_id=request.form.get("variant_id"),
        )
    if not outcome.ok:
        return _cart_redirect()
    db.session.commit()
    title = localized(change.product, "title")
    if change.capped:
        flash(
            _("Only %(n)d of “%(title)s” available: your cart holds %(n)d.", n=change.quantity, title=title),
            "warning",
        )
    else:
        flash(_("Quantity updated."), "success")
    return _cart_redirect()


@bp.post("/cart/remove")
def remove():
    cart = find_request_cart()
    if cart is not None and services.remove_from_cart(
        db.session,
        cart=cart,
        product_id=request.form.get("product_id", ""),
        variant_id=request.form.get("variant_id"),
    ):
        db.session.commit()
        flash(_("Removed from your cart."), "success")
    else:
        db.session.rollback()
    return _cart_redirect()


@user_logged_in.connect
def _merge_cart_on_login(sender, user, **extra):
    """Flask-Login signal: fold the guest's cookie cart into the account's cart.

    Runs inside the login view's request; the merge is flushed here and committed right after the
    login view's response (so the accounts views need no cart knowledge).
    """
    if not has_request_context():
        return
    token = request.cookies.get(services.CART_COOKIE)
    if not token:
        return
    cart = services.merge_guest_cart(db.session, guest_token=token, user=user)
    if cart is None:
        return

    @after_this_request
    def _commit_and_forget_cookie(response):
        if response.status_code < 400:
            db.session.commit()
            response.delete_cookie(services.CART_COOKIE, httponly=True, samesite="Lax")
        return response
