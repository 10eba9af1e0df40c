"""What the place-order POST writes and reads (issue 16, checkout CPU): nothing read twice, the
ledger rows in one statement, and the page cache told from the stock UPDATE itself whether a
product ran out."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.cache.store import card_counter, product_counter
from marketplace.orders.models import Order
from marketplace.shipping.services import ensure_default_shipping_rates
from marketplace.stock.models import StockMovement, StockMovementKind
from tests.factories import make_product
from tests.orders.helpers import quoted_checkout_form
from tests.orders.test_one_page_checkout import ADDRESS, fill_cart


@pytest.fixture
def app_overrides():
    # The page cache on (default store), so the POST's commit bumps the counters it changed.
    return {"PAGE_CACHE_ENABLED": True, "REDIS_URL": None}


def _counters(app, names: list[str]) -> dict[str, int]:
    return app.extensions["page_cache"].backend.generations(names)


def test_placing_an_order_reads_no_row_twice_and_tells_the_cache_which_product_ran_out(
    app, session, count_queries
):
    ensure_default_shipping_rates(session)
    last_one = make_product(session, price_minor=30_000, stock=1)
    plenty = [make_product(session, price_minor=20_000 + n, stock=5) for n in range(3)]
    session.commit()
    names = [counter(p.id) for p in (last_one, *plenty) for counter in (product_counter, card_counter)]
    client = app.test_client()
    fill_cart(client, last_one, *plenty)
    form = quoted_checkout_form(client, {**ADDRESS, "email": "g@example.test", "shipping_method": "courier"})
    before = _counters(app, names)

    with count_queries() as counter:
        response = client.post("/checkout", data=form)

    assert response.status_code == 303 and "/orders/" in response.headers["Location"]
    statements = [" ".join(statement.split()).upper() for statement in counter.statements]
    reads = [s for s in statements if s.startswith("SELECT")]
    # The cart's lines, products, variants and options: one SELECT, none of the options alone (an
    # aliased product_options inside a product's own columns, as `price_varies`, is not a read of them).
    assert not any(re.search(r"FROM PRODUCT_OPTIONS(?! AS )", s) for s in reads), reads
    # The stock UPDATEs return the new stock: no product row is read after them.
    # (On PostgreSQL the product's and its variant's UPDATEs are one statement of two CTEs.)
    first_update = next(
        i
        for i, s in enumerate(statements)
        if s.startswith(("UPDATE PRODUCTS", "WITH MOVED_PRODUCT AS (UPDATE PRODUCTS"))
    )
    assert not any(s.startswith("SELECT") and "PRODUCTS" in s for s in statements[first_update:]), statements[
        first_update:
    ]
    # Four RESERVE ledger rows, one statement.
    assert sum(s.startswith("INSERT INTO STOCK_MOVEMENTS") for s in statements) == 1

    order = session.scalars(sa.select(Order)).one()
    ledger = session.scalars(
        sa.select(StockMovement).where(StockMovement.kind == StockMovementKind.RESERVE)
    ).all()
    assert sorted((m.product_id, m.quantity_delta, m.order_id, m.reason) for m in ledger) == sorted(
        (p.id, -1, order.id, f"order {order.number}") for p in (last_one, *plenty)
    )
    after = _counters(app, names)
    # Every product's own page shows its new count; only the one that ran out changes its card.
    assert all(after[product_counter(p.id)] > before[product_counter(p.id)] for p in (last_one, *plenty))
    assert after[card_counter(last_one.id)] > before[card_counter(last_one.id)]
    assert all(after[card_counter(p.id)] == before[card_counter(p.id)] for p in plenty)
