"""TEST-ONLY server for the negative control: our app plus a deliberately naive "buy" route.

The route reads the stock, thinks, then writes back `stock_read - 1` — the read-then-write
pattern our checkout must never use. It lives only here, never in marketplace/.
"""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Blueprint, render_template_string, request

from marketplace import create_app
from marketplace.catalogue.models import Product
from marketplace.extensions import db

naive = Blueprint("naive", __name__, url_prefix="/naive")


@naive.get("/form")
def form():
    return render_template_string(
        '<form><input type="hidden" name="csrf_token" value="{{ csrf_token() }}"></form>'
    )


@naive.post("/buy")
def buy():
    product_id = int(request.form["product_id"])
    stock = db.session.scalar(sa.select(Product.stock).where(Product.id == product_id))
    db.session.rollback()  # end the read; the write below trusts a value that may be stale
    time.sleep(0.05)  # the time a real checkout spends on shipping, totals, emails…
    if stock < 1:
        return "sold out", 409
    db.session.execute(sa.update(Product).where(Product.id == product_id).values(stock=stock - 1))
    db.session.commit()
    return "sold", 200


app = create_app()
app.register_blueprint(naive)
