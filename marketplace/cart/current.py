"""The cart of the person making this request: the account's, or the guest's cookie cart."""

from __future__ import annotations

from flask import current_app, g, request

from marketplace.accounts.access import request_user
from marketplace.cart import services
from marketplace.cart.models import Cart
from marketplace.extensions import db


def find_request_cart() -> Cart | None:
    """Read-only: never creates a cart (GET pages write nothing)."""
    return services.find_cart(
        db.session, user=request_user(), token=request.cookies.get(services.CART_COOKIE)
    )


def get_or_create_request_cart() -> Cart:
    """For writes: creates the cart on first use; a new guest token is set as a cookie by the view."""
    user = request_user()
    token = request.cookies.get(services.CART_COOKIE)
    if user is None:
        cart = services.find_cart(db.session, token=token)
        if cart is None:
            token = services.new_cart_token()
            g.new_cart_token = token
        return services.get_or_create_cart(db.session, token=token)
    return services.get_or_create_cart(db.session, user=user)


def set_cart_cookie(response):
    """Attach the guest cart cookie after a cart was created in this request."""
    token = g.get("new_cart_token")
    if token:
        response.set_cookie(
            services.CART_COOKIE,
            token,
            max_age=60 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("PRODUCTION", False),
        )
    return response
