"""Finding an order by its number and the email it was placed with (guests have no order list)."""

from __future__ import annotations

import re

from flask import current_app, redirect, render_template, request
from flask_babel import gettext as _

from marketplace.extensions import db, limiter
from marketplace.orders import services
from marketplace.orders.forms import FindOrderForm
from marketplace.orders.views import bp, order_url

#: An order number as people copy or type it: "PD-261128-7K3Q", "pd 261128 7k3q", "PD2611287K3Q",
#: "#PD-261128-7K3Q" or "Pesanan PD-261128-7K3Q" (spaces, dots, dashes or nothing between the parts).
_TYPED_NUMBER = re.compile(r"PD[\s.\-_/]*([0-9]{6})[\s.\-_/]*([0-9A-Z]{4,8})\b")


def _order_number(typed: str) -> str:
    """The number as orders store it ("PD-261128-7K3Q") when `typed` holds one, else as typed."""
    match = _TYPED_NUMBER.search((typed or "").upper())
    return f"PD-{match.group(1)}-{match.group(2)}" if match else (typed or "")


def _lookup_limit() -> str:
    return current_app.config.get("ORDER_LOOKUP_RATE_LIMIT", "10 per 10 minutes")


def _lookup_failed(response) -> bool:
    """Only lookups that found nothing count against the limit (as failed logins do)."""
    return response.status_code != 303


@bp.route("/orders/find", methods=["GET", "POST"])
@limiter.limit(_lookup_limit, methods=["POST"], deduct_when=_lookup_failed)
def find():
    """A guest (or anyone) finds an order by its number and email: to its page, else one message.

    The message is the same whether the number is unknown or the email does not match. An
    account's order leads to its page, which asks its buyer to log in.
    """
    form = FindOrderForm()
    status = 200
    if form.validate_on_submit():
        order = services.find_order_for_lookup(db.session, _order_number(form.number.data), form.email.data)
        if order is not None:
            return redirect(order_url(order), code=303)
        form.form_errors.append(
            _(
                "We could not find an order with this number and email address. Check both in your "
                "order confirmation email (the number looks like PD-261128-7K3Q) and try again."
            )
        )
    elif request.method == "POST":
        status = 400
    return render_template("orders/find.html", form=form), status, {"Cache-Control": "no-store"}
