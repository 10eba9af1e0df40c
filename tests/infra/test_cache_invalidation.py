"""Invalidation that fits the change (issue 16): a product's stock, price or counters invalidate the
pages that show that product, never the others; structural changes still invalidate everything.

Every test runs on SQLite and PostgreSQL, with the default store (entries in the process, counters
in `cache_generations`) and with Redis (this test process's own server, `tests/scratch_redis.py`).
"""

from __future__ import annotations

import re

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from marketplace import create_app
from marketplace.cache import (
    CATALOGUE,
    PRODUCTS,
    MemoryBackend,
    RedisBackend,
    cache_public_page,
    page_shows_products,
)
from marketplace.cache import bump_products as bump_products_now
from marketplace.cache.invalidation import pinned_ids
from marketplace.cache.store import RedisUnavailable
from marketplace.catalogue.models import Product, ProductVariant
from marketplace.errors import OutOfStock
from marketplace.extensions import db
from marketplace.stock.services import adjust_stock, reserve_stock
from marketplace.types import utcnow
from tests.built_once import built_once
from tests.conftest import forget_kept
from tests.factories import make_cluster, make_product
from tests.scratch_redis import scratch_redis_url

renders = {"count": 0}


def _racing_page(product_id: int):
    """Names a product, and the product changes while the page renders (another process's order)."""
    renders["count"] += 1
    page_shows_products([product_id])
    stock = db.session.get(Product, product_id).stock
    bump_products_now([product_id])
    return f"stock={stock}"


def _plain_page(product_id: int):
    """Names no products: any product's change invalidates it."""
    return f"stock={db.session.get(Product, product_id).stock}"


def _forgetful_page(product_id: int):
    """Names no product of its own but shows one loaded through the ORM."""
    page_shows_products(())
    return f"stock={db.session.get(Product, product_id).stock}"


def add_test_routes(app) -> None:
    if "t_racing" not in app.view_functions:
        app.add_url_rule("/t/forgetful/<int:product_id>", "t_forgetful", cache_public_page(_forgetful_page))
        app.add_url_rule("/t/racing/<int:product_id>", "t_racing", cache_public_page(_racing_page))
        app.add_url_rule("/t/plain/<int:product_id>", "t_plain", cache_public_page(_plain_page))


@pytest.fixture(autouse=True)
def _reset_renders():
    renders["count"] = 0


@pytest.fixture
def app_overrides():
    return {"PAGE_CACHE_ENABLED": True, "REDIS_URL": None}


@pytest.fixture(scope="module")
def _second_apps():
    """Second apps by database and settings, built once per module (an app costs ~0.1 s to build)."""
    built: dict[tuple, Flask] = {}
    yield built
    for other in built.values():
        with other.app_context():
            db.engine.dispose()


@pytest.fixture
def second_app(app, database_url, app_overrides, _second_apps):
    """Another app process in miniature: its own cache object and engine, the same database.

    Kept for the module, with its stored pages emptied before each test (as a restarted process's),
    which also empties Redis (its store in TestRedisStore is the test's flushed database)."""
    key = (database_url, repr(sorted(app_overrides.items())), app.config["BABEL_DEFAULT_LOCALE"])
    other = _second_apps.get(key)
    if other is None:
        other = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": database_url,
                "RATELIMIT_ENABLED": False,
                "BABEL_DEFAULT_LOCALE": app.config["BABEL_DEFAULT_LOCALE"],
                **app_overrides,
            }
        )
        add_test_routes(other)
        _second_apps[key] = other
    backend = other.extensions["page_cache"].backend
    if isinstance(backend, MemoryBackend):
        backend._entries.clear()
    forget_kept(other)
    add_test_routes(app)
    return other


@pytest.fixture
def catalogue(session):
    return built_once(session, _build_catalogue)


def _build_catalogue(session):
    """Products A and B in one cluster, C (sold out) in another."""
    shared, other = make_cluster(session), make_cluster(session)
    a = make_product(session, cluster=shared, title_en="Batik Alpha", stock=1)
    b = make_product(session, cluster=shared, title_en="Batik Bravo", stock=7)
    c = make_product(session, cluster=other, title_en="Kopi Charlie", stock=0)
    session.commit()
    return {"a": a, "b": b, "c": c, "shared": shared, "other": other}


def _path(product: Product) -> str:
    return f"/products/{product.id}-{product.slug}"


def _get(app, path: str, *, through_flask: bool = False, bypass: bool = False) -> tuple[str | None, str]:
    """A new visitor: without cookies (answered before Flask on a hit) or with a neutral one, or
    with a cookie the cache does not know (rendered, never stored)."""
    client = app.test_client()
    if through_flask:
        client.set_cookie("lang", app.config["BABEL_DEFAULT_LOCALE"])
    if bypass:
        client.set_cookie("something", "else")
    response = client.get(path)
    assert response.status_code == 200, path
    return response.headers.get("X-Cache"), response.get_data(as_text=True)


def _card(html: str, title: str) -> str:
    """The listing card (`<li class="card">…</li>`) holding this title."""
    at = html.index(title)
    return html[html.rindex('<li class="card">', 0, at) : html.index("</li>", at)]


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


class _Order:
    id = None
    number = "T-1"


def _warm(app, *paths: str) -> None:
    for path in paths:
        _get(app, path)
        assert _get(app, path)[0] == "HIT", path
        assert _get(app, path, through_flask=True)[0] == "HIT", path


def _generation(app, name: str = CATALOGUE) -> int:
    with app.app_context():
        return app.extensions["page_cache"].backend.generations([name])[name]


def _sell_out(session, product: Product) -> None:
    """What an order does to stock: a conditional bulk UPDATE of the product and its variant."""
    adjust_stock(session, product, delta=-product.stock, reason="counted", now=utcnow())
    session.commit()


class Scenarios:
    def test_stock_change_keeps_other_products_pages_cached(self, app, second_app, session, catalogue):
        a, b = catalogue["a"], catalogue["b"]
        other_process = second_app
        _warm(other_process, _path(a), _path(b))
        catalogue_before = _generation(app)

        _sell_out(session, a)

        assert _get(other_process, _path(b))[0] == "HIT"
        state, html = _get(other_process, _path(a))
        assert state == "MISS" and "Out of stock" in html and "In stock: 1 left" not in html
        assert _generation(app) == catalogue_before, "a stock change is not structural"

    def test_listing_showing_the_product_shows_its_new_stock_state(self, app, second_app, session, catalogue):
        a = catalogue["a"]
        other_process = second_app
        shared, other = f"/clusters/{catalogue['shared'].slug}", f"/clusters/{catalogue['other'].slug}"
        _warm(other_process, shared, other, "/")

        _sell_out(session, a)

        assert _get(other_process, other)[0] == "HIT", "a listing that does not show A keeps its entry"
        for path in (shared, "/"):
            state, html = _get(other_process, path)
            assert state == "MISS", path
            assert "stock-out" in _card(html, "Batik Alpha") and "stock-in" in _card(html, "Batik Bravo")

    def test_units_left_change_only_the_products_own_page(self, app, second_app, session, catalogue):
        b = catalogue["b"]  # 7 in stock
        other_process = second_app
        shared = f"/clusters/{catalogue['shared'].slug}"
        _warm(other_process, shared, "/", _path(b))

        adjust_stock(session, db.session.get(Product, b.id), delta=-1, reason="sold", now=utcnow())
        session.commit()

        state, cached = _get(other_process, shared)
        assert state == "HIT"
        assert _get(other_process, "/")[0] == "HIT"
        state, html = _get(other_process, _path(b))
        assert state == "MISS" and "In stock: 6 left" in html
        # What makes that right: a card shows whether there is stock, not how much. If a card ever
        # shows the count, stock changes must bump the card counter (cache/invalidation.py).
        fresh = _get(other_process, shared, bypass=True)[1]
        assert _without_tokens(_card(fresh, "Batik Bravo")) == _without_tokens(_card(cached, "Batik Bravo"))

    def test_refused_order_does_not_hide_stock_coming_back(self, app, second_app, session, catalogue):
        c = catalogue["c"]  # sold out
        other_process = second_app
        listing = f"/clusters/{catalogue['other'].slug}"
        _warm(other_process, listing)
        with pytest.raises(OutOfStock):  # its UPDATE matched no row: its -1 never happened
            reserve_stock(session, db.session.get(Product, c.id), 1, order=_Order(), now=utcnow())
        adjust_stock(session, db.session.get(Product, c.id), delta=5, reason="new batch", now=utcnow())
        session.commit()  # 0 → 5, not "1 → 5"
        state, html = _get(other_process, listing)
        assert state == "MISS" and "stock-in" in _card(html, "Kopi Charlie")

    def test_in_stock_filter_lets_a_product_back_in(self, app, second_app, session, catalogue):
        c = catalogue["c"]
        other_process = second_app
        in_stock, plain = "/search?q=kopi&in_stock=1", "/search?q=kopi"
        _warm(other_process, in_stock, plain)
        assert "Kopi Charlie" not in _get(other_process, in_stock)[1]

        adjust_stock(session, db.session.get(Product, c.id), delta=5, reason="new batch", now=utcnow())
        session.commit()

        state, html = _get(other_process, in_stock)
        assert state == "MISS" and "Kopi Charlie" in html
        state, html = _get(other_process, plain)
        assert state == "MISS" and "Kopi Charlie" in html  # it showed C, sold out

    def test_price_change_touches_price_sorted_listings_only(self, app, second_app, session, catalogue):
        c = catalogue["c"]
        other_process = second_app
        by_price = f"/clusters/{catalogue['shared'].slug}?sort=price_asc"
        newest = f"/clusters/{catalogue['shared'].slug}"
        _warm(other_process, by_price, newest)

        db.session.get(Product, c.id).price_minor = 1_000  # C is in the other cluster
        session.commit()

        assert _get(other_process, newest)[0] == "HIT"
        assert _get(other_process, by_price)[0] == "MISS"

    def test_structural_change_still_flushes_everything(self, app, second_app, session, catalogue):
        a, b = catalogue["a"], catalogue["b"]
        other_process = second_app
        other = f"/clusters/{catalogue['other'].slug}"
        _warm(other_process, _path(b), other, "/")
        before = _generation(app)

        db.session.get(Product, a.id).title_en = "Batik Alpha Baru"  # search and listings may change
        session.commit()

        assert _generation(app) == before + 1
        for path in (_path(b), other, "/"):
            assert _get(other_process, path)[0] == "MISS", path

    def test_variant_change_touches_its_product(self, app, second_app, session, catalogue):
        a, b = catalogue["a"], catalogue["b"]
        other_process = second_app
        _warm(other_process, _path(a), _path(b))

        variant = session.scalars(sa.select(ProductVariant).where(ProductVariant.product_id == a.id)).first()
        variant.sku = "ALPHA-1"
        session.commit()

        assert _get(other_process, _path(b))[0] == "HIT"
        assert _get(other_process, _path(a))[0] == "MISS"

    def test_page_whose_product_changed_while_rendering_is_not_stored(self, app, second_app, catalogue):
        other_process = second_app
        path = f"/t/racing/{catalogue['a'].id}"
        assert _get(other_process, path)[0] == "MISS"
        assert _get(other_process, path)[0] == "MISS"
        assert renders["count"] == 2

    def test_products_loaded_while_rendering_count_as_shown(self, app, second_app, session, catalogue):
        a, b = catalogue["a"], catalogue["b"]
        other_process = second_app
        shows_a, shows_b = f"/t/forgetful/{a.id}", f"/t/forgetful/{b.id}"
        _warm(other_process, shows_a, shows_b)
        _sell_out(session, a)
        assert _get(other_process, shows_b)[0] == "HIT"
        assert _get(other_process, shows_a) == ("MISS", "stock=0")

    def test_page_that_names_no_products_depends_on_all_of_them(self, app, second_app, session, catalogue):
        other_process = second_app
        path = f"/t/plain/{catalogue['b'].id}"
        _warm(other_process, path)
        _sell_out(session, catalogue["a"])
        assert _get(other_process, path)[0] == "MISS"
        assert _generation(app, PRODUCTS) >= 1


class TestDefaultStore(Scenarios):
    @pytest.mark.parametrize("through_flask", [False, True])
    def test_hit_of_a_listing_is_one_read(self, app, catalogue, count_queries, through_flask):
        path = f"/clusters/{catalogue['shared'].slug}"
        _warm(app, path)
        reader = app.extensions["page_cache"].backend.reader()
        reads: list[str] = []

        def on_reader(conn, cursor, statement, parameters, context, executemany):
            reads.append(statement)

        sa.event.listen(reader, "before_cursor_execute", on_reader)
        try:
            with count_queries() as counter:
                assert _get(app, path, through_flask=through_flask)[0] == "HIT"
        finally:
            sa.event.remove(reader, "before_cursor_execute", on_reader)
        assert counter.count == 0
        # The catalogue generation, the products sequence and the page's products' counters.
        assert len(reads) == 1 and "cache_generations" in reads[0]


class TestRedisStore(Scenarios):
    @pytest.fixture
    def app_overrides(self):
        url = scratch_redis_url(9)
        redis.Redis.from_url(url).flushdb()
        return {"PAGE_CACHE_ENABLED": True, "REDIS_URL": url}


# ---------------------------------------------------------------- reading bulk statements


def test_pinned_ids_of_bulk_statements():
    def ids(stmt):
        return pinned_ids(stmt, "products", "id")

    assert ids(sa.update(Product).where(Product.id == 5, Product.stock - 1 >= 0)) == {5}
    assert ids(sa.update(Product).where(sa.and_(Product.stock > 0, Product.id.in_([3, 4])))) == {3, 4}
    assert ids(sa.update(Product).where(Product.stock > 0)) is None
    assert ids(sa.update(Product).where(sa.or_(Product.id == 1, Product.id == 2))) is None
    assert ids(sa.update(Product).where(Product.seller_id == 5)) is None
    assert pinned_ids(
        sa.update(ProductVariant).where(ProductVariant.id == 9, ProductVariant.product_id == 3),
        "product_variants",
        "product_id",
    ) == {3}


def test_rolled_back_product_change_bumps_nothing(app, session, catalogue):
    before = (_generation(app), _generation(app, PRODUCTS))
    db.session.get(Product, catalogue["a"].id).stock = 99
    session.flush()
    session.rollback()
    assert (_generation(app), _generation(app, PRODUCTS)) == before


def test_product_bump_missed_while_redis_is_away_bumps_the_catalogue_on_return():
    backend = RedisBackend("redis://127.0.0.1:1/0")
    with pytest.raises(RedisUnavailable):
        backend.bump_products(["p:1", "f:stock"])
    # Which pages showed product 1 is not known then: every page goes once Redis answers.
    assert backend._missed_bumps == {CATALOGUE}
