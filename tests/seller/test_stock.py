"""Stock: adjust or set with a reason, atomically, with a ledger row; the ledger page; running low."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.dashboard import stock as services
from marketplace.errors import Conflict, InvalidInput
from marketplace.stock.models import StockMovement, StockMovementKind
from marketplace.types import utcnow
from tests.factories import make_product
from tests.seller.conftest import log_in, snapshot


def movements(session, product):
    session.expire_all()
    return list(
        session.scalars(
            sa.select(StockMovement).where(StockMovement.product_id == product.id).order_by(StockMovement.id)
        )
    )


def test_adjust_and_set_write_the_ledger(session, world):
    product = world.product_a  # 10 made, 2 reserved by the fixture order
    assert services.adjust_stock(
        session, product=product, delta=5, reason="new batch", actor_id=world.user_a.id, now=utcnow()
    ) == 13  # fmt: skip
    assert services.set_stock(
        session, product=product, new_stock=4, expected_stock=13, reason="counted", actor_id=world.user_a.id,
        now=utcnow(),
    ) == 4  # fmt: skip
    session.commit()
    *_, added, counted = movements(session, product)
    assert (added.kind, added.quantity_delta, added.reason, added.actor_id) == (
        StockMovementKind.ADJUSTMENT, 5, "new batch", world.user_a.id,
    )  # fmt: skip
    assert (counted.quantity_delta, counted.reason) == (-9, "counted")
    assert product.stock == 4


def test_stock_never_goes_below_zero_and_stale_counts_are_refused(session, world):
    product = world.product_a
    session.commit()
    before = snapshot(session)
    with pytest.raises(InvalidInput) as error:
        services.adjust_stock(
            session, product=product, delta=-9, reason="broken", actor_id=world.user_a.id, now=utcnow()
        )
    assert "below 0" in error.value.errors["delta"]
    session.rollback()
    with pytest.raises(Conflict):
        services.set_stock(
            session,
            product=product,
            new_stock=1,
            expected_stock=10,
            reason="count",
            actor_id=None,
            now=utcnow(),
        )
    session.rollback()
    for delta, reason in ((0, "nothing"), (3, ""), (None, "empty"), (2_000_000, "typo")):
        with pytest.raises(InvalidInput):
            services.adjust_stock(
                session, product=product, delta=delta, reason=reason, actor_id=None, now=utcnow()
            )
        session.rollback()
    assert snapshot(session) == before


def test_stock_page_adjusts_and_shows_the_ledger_in_jakarta_time(app, session, world):
    product = world.product_a
    client = log_in(app.test_client(), world.user_a.email)
    response = client.post(
        f"/seller/products/{product.id}/stock",
        data={"action": "adjust", "adjust-delta": "+4", "adjust-reason": "panen baru", "adjust-stock": "999"},
    )
    assert response.status_code == 303
    session.expire_all()
    assert product.stock == 12
    page = client.get(f"/seller/products/{product.id}/stock").get_data(as_text=True)
    assert "panen baru" in page and world.user_a.email in page and "+4" in page
    assert "WIB" in page and "Order " + world.order.number in page  # reservations name their order

    before = snapshot(session)
    response = client.post(
        f"/seller/products/{product.id}/stock",
        data={"action": "adjust", "adjust-delta": "-13", "adjust-reason": "rusak"},
    )
    assert response.status_code == 400
    assert "below 0" in response.get_data(as_text=True)
    response = client.post(
        f"/seller/products/{product.id}/stock",
        data={
            "action": "count",
            "count-new_stock": "5",
            "count-expected_stock": "8",
            "count-reason": "hitung",
        },
    )
    assert response.status_code == 400 and "stock changed" in response.get_data(as_text=True)
    response = client.post(
        f"/seller/products/{product.id}/stock",
        data={"action": "adjust", "adjust-delta": "dua", "adjust-reason": "x"},
    )
    assert response.status_code == 400 and "whole number" in response.get_data(as_text=True)
    assert snapshot(session) == before

    response = client.post(
        f"/seller/products/{product.id}/stock",
        data={
            "action": "count",
            "count-new_stock": "2",
            "count-expected_stock": "12",
            "count-reason": "hitung",
        },
    )
    assert response.status_code == 303
    session.expire_all()
    assert product.stock == 2


def test_running_low_list(app, session, world):
    low = make_product(
        session,
        seller=world.seller_a,
        cluster=world.cluster,
        title_id="Gantungan kunci",
        title_en="",
        stock=1,
    )
    make_product(
        session, seller=world.seller_a, cluster=world.cluster, title_id="Tampah besar", title_en="", stock=50
    )
    make_product(
        session, seller=world.seller_b, cluster=world.cluster, title_id="Batik sisa", title_en="", stock=0
    )
    session.commit()
    assert [r.product.id for r in services.list_low_stock(session, [world.seller_a.id])] == [low.id]
    client = log_in(app.test_client(), world.user_a.email)
    page = client.get("/seller/stock/low").get_data(as_text=True)
    assert "Gantungan kunci" in page and "Tampah besar" not in page and "Batik sisa" not in page
    listing = client.get("/seller/products").get_data(as_text=True)
    assert "running low" in listing


def test_a_sold_out_product_reads_sold_out_not_running_low(app, session, world):
    """A seller whose product has none left reads "sold out", as buyers read "Out of stock"; the
    stock page names the warning level only while some are left."""
    gone = make_product(session, seller=world.seller_a, cluster=world.cluster, title_id="Tampah", stock=0)
    few = make_product(session, seller=world.seller_a, cluster=world.cluster, title_id="Kipas", stock=1)
    session.commit()
    client = log_in(app.test_client(), world.user_a.email)
    listing = client.get("/seller/products").get_data(as_text=True)
    assert listing.count("sold out") == 1 and listing.count("running low") == 1
    gone_page = client.get(f"/seller/products/{gone.id}/stock").get_data(as_text=True)
    assert "sold out" in gone_page and "running low" not in gone_page
    few_page = client.get(f"/seller/products/{few.id}/stock").get_data(as_text=True)
    assert f"running low (warning at {few.low_stock_threshold})" in few_page


def test_running_low_pages_with_plain_links(app, session, world, monkeypatch):
    """Pages of the running-low list (issue 16) are slices of the whole list, linked without script."""
    from marketplace.dashboard import stock_views

    for n in range(5):
        make_product(
            session,
            seller=world.seller_a,
            cluster=world.cluster,
            title_id=f"Sisa {n}",
            title_en="",
            stock=n % 3,
        )
    session.commit()
    whole = services.list_low_stock(session, [world.seller_a.id])
    assert services.count_low_stock(session, [world.seller_a.id]) == len(whole) == 5
    sliced = [services.list_low_stock(session, [world.seller_a.id], limit=2, offset=o) for o in (0, 2, 4)]
    assert [r.variant.id for page in sliced for r in page] == [r.variant.id for r in whole]
    monkeypatch.setattr(stock_views, "LOW_STOCK_PAGE_SIZE", 2)
    client = log_in(app.test_client(), world.user_a.email)
    first = client.get("/seller/stock/low?lang=en").get_data(as_text=True)
    assert 'href="/seller/stock/low?page=2" rel="next"' in first and "Page 1 of 3" in first
    last = client.get("/seller/stock/low?page=3").get_data(as_text=True)
    assert whole[4].product.title_id in last and whole[0].product.title_id not in last
    beyond = client.get("/seller/stock/low?page=99").get_data(as_text=True)
    assert whole[4].product.title_id in beyond and "Page 3 of 3" in beyond
