"""Two sizes of one shirt under a crowd: each size sells exactly its own stock, on both databases.

Half of 32 buyers want S (2 left), half want M (3 left), all placing their order at the same moment
against gunicorn's 4 workers (`race_server`). The conditional UPDATE on each variant decides; the
product's total moves in the same transaction, so it ends at 0 and equals the sum of its variants.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product, ProductVariant
from marketplace.orders.models import OrderLine
from marketplace.shipping.services import ensure_default_shipping_rates
from marketplace.stock.models import StockMovement, StockMovementKind
from tests.factories import make_sized_product
from tests.race.harness import run_checkout_race

pytestmark = pytest.mark.slow


def test_each_variant_sells_exactly_its_stock(app, session, race_server):
    ensure_default_shipping_rates(session)
    product = make_sized_product(
        session, {"S": 2, "M": 3}, price_minor=250_000, title_id="Kemeja batik Kopi Pecah"
    )
    small, medium = product.variants
    session.commit()

    result = run_checkout_race(
        race_server.base_url,
        f"/products/{product.id}-{product.slug}",
        product.id,
        buyers=32,
        variant_ids=(small.id, medium.id),
    )
    print("variant race statuses:", dict(result.statuses), "placed:", len(result.placed))
    assert result.errors == [], result.errors
    assert result.server_errors == 0, (result.statuses, race_server.log())
    session.expire_all()
    assert len(result.placed) == 5, result.statuses
    sold = dict(
        session.execute(
            sa.select(OrderLine.variant_id, sa.func.sum(OrderLine.quantity)).group_by(OrderLine.variant_id)
        ).all()
    )
    assert sold == {small.id: 2, medium.id: 3}  # 0 oversold per variant
    assert (session.get(ProductVariant, small.id).stock, session.get(ProductVariant, medium.id).stock) == (
        0,
        0,
    )
    assert session.get(Product, product.id).stock == 0
    reserves = dict(
        session.execute(
            sa.select(StockMovement.variant_id, sa.func.sum(StockMovement.quantity_delta))
            .where(StockMovement.kind == StockMovementKind.RESERVE)
            .group_by(StockMovement.variant_id)
        ).all()
    )
    assert reserves == {small.id: -2, medium.id: -3}
