"""Page and fragment caching: a catalogue change shows on the next request in every app process."""

from __future__ import annotations

import re

import pytest
import redis
import sqlalchemy as sa
from flask import render_template_string
from flask import session as flask_session

from marketplace import create_app
from marketplace.cache import (
    CATALOGUE,
    CacheGeneration,
    MemoryBackend,
    RedisBackend,
    bump_catalogue,
    cache_public_page,
    cached_fragment,
)
from marketplace.catalogue.models import Product
from marketplace.extensions import db
from tests.factories import make_featured, make_product, make_user
from tests.scratch_redis import scratch_redis_url

# Markers in the page body. Module-level counters let tests see whether the view really ran.
calls = {"page": 0, "fragment": 0}


def _price_page(product_id: int):
    calls["page"] += 1
    product = db.session.get(Product, product_id)
    return f"<p>price={product.price_minor} stock={product.stock}</p>"


def _form_page():
    flask_session["csrf_like"] = "per-visitor"
    return "<form>token</form>"


def _missing_page():
    return "gone", 404


def _fragment_page(product_id: int):
    def render():
        calls["fragment"] += 1
        return f"<b>{db.session.get(Product, product_id).title_id}</b>"

    return f"<div>{cached_fragment(('title', product_id), render)}</div>"


def _cart_form_page():
    calls["page"] += 1
    return render_template_string(
        '<form method="post" action="/t/add">'
        '<input type="hidden" name="csrf_token" value="{{ csrf_token() }}"></form>'
    )


def _add():
    return "added"


def add_test_routes(app) -> None:
    app.add_url_rule("/t/cart-form", "t_cart_form", cache_public_page(_cart_form_page))
    app.add_url_rule("/t/add", "t_add", _add, methods=["POST"])
    app.add_url_rule("/t/price/<int:product_id>", "t_price", cache_public_page(_price_page))
    app.add_url_rule("/t/form", "t_form", cache_public_page(_form_page))
    app.add_url_rule("/t/missing", "t_missing", cache_public_page(ttl=60)(_missing_page))
    app.add_url_rule("/t/fragment/<int:product_id>", "t_fragment", _fragment_page)


@pytest.fixture(autouse=True)
def _reset_calls():
    calls.update(page=0, fragment=0)


@pytest.fixture
def app_overrides():
    return {"PAGE_CACHE_ENABLED": True, "REDIS_URL": None}


@pytest.fixture
def second_app(app, database_url, app_overrides):
    """Another app process in miniature: its own cache object and engine, the same database."""
    other = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            # The same deployment: same default language, so both processes build the same cache keys.
            "BABEL_DEFAULT_LOCALE": app.config["BABEL_DEFAULT_LOCALE"],
            **app_overrides,
        }
    )
    add_test_routes(other)
    add_test_routes(app)
    yield other
    with other.app_context():
        db.engine.dispose()


def _generation(app) -> int:
    with app.test_request_context():
        return app.extensions["page_cache"].generation()


def _price(client, product_id: int) -> tuple[str, str | None]:
    response = client.get(f"/t/price/{product_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True), response.headers.get("X-Cache")


def test_without_redis_the_generation_lives_in_the_database(app):
    assert isinstance(app.extensions["page_cache"].backend, MemoryBackend)


def test_price_change_visible_in_other_process_through_db_generation(app, second_app, session):
    product = make_product(session, price_minor=25_000, stock=4)
    session.commit()
    other = second_app.test_client()

    assert _price(other, product.id) == ("<p>price=25000 stock=4</p>", "MISS")
    assert _price(other, product.id) == ("<p>price=25000 stock=4</p>", "HIT")

    product.price_minor = 30_000  # written through the first "process"
    session.commit()

    assert _price(other, product.id) == ("<p>price=30000 stock=4</p>", "MISS")
    assert _price(app.test_client(), product.id)[0] == "<p>price=30000 stock=4</p>"


def test_bulk_update_and_raw_sql_bump_the_generation(app, second_app, session):
    product = make_product(session, stock=5)
    session.commit()
    other = second_app.test_client()
    _price(other, product.id)

    session.execute(sa.update(Product).where(Product.id == product.id).values(stock=Product.stock - 1))
    session.commit()
    assert _price(other, product.id)[0].endswith("stock=4</p>")

    session.execute(sa.text("UPDATE products SET stock = stock - 1 WHERE id = :id"), {"id": product.id})
    session.commit()
    assert _price(other, product.id)[0].endswith("stock=3</p>")


def test_featured_placement_change_bumps(app, session):
    placement = make_featured(session)
    session.commit()
    before = _generation(app)
    placement.position = 5
    session.commit()
    assert _generation(app) == before + 1


def test_rollback_and_unrelated_writes_do_not_bump(app, session):
    product = make_product(session)
    session.commit()
    before = _generation(app)

    product.price_minor = 1
    session.flush()
    session.rollback()
    make_user(session)
    session.commit()

    assert _generation(app) == before


def test_logged_in_visitors_bypass_the_cache(app, second_app, session):
    product = make_product(session)
    session.commit()
    client = second_app.test_client()
    with client.session_transaction() as visitor_session:
        visitor_session["_user_id"] = "someone"
    _price(client, product.id)
    _price(client, product.id)
    assert calls["page"] == 2


def test_unknown_cookies_bypass_the_cache(app, second_app, session):
    product = make_product(session)
    session.commit()
    client = second_app.test_client()
    client.set_cookie("cart", "abc")
    _price(client, product.id)
    _price(client, product.id)
    assert calls["page"] == 2


def test_language_cookie_is_part_of_the_key(app, second_app, session):
    product = make_product(session)
    session.commit()
    client = second_app.test_client()
    _price(client, product.id)
    # Switch to the language that is not the default (tests default to English).
    other_language = "id" if second_app.config["BABEL_DEFAULT_LOCALE"] == "en" else "en"
    client.set_cookie("lang", other_language)
    assert _price(client, product.id)[1] == "MISS"
    assert _price(client, product.id)[1] == "HIT"
    assert calls["page"] == 2


def test_pages_touching_the_session_or_failing_are_not_stored(app, second_app):
    client = second_app.test_client()
    for _ in range(2):
        assert client.get("/t/form").headers.get("X-Cache") is None
        client.delete_cookie("session")
        assert client.get("/t/missing").status_code == 404


def test_fragment_is_rendered_once_per_generation(app, second_app, session):
    product = make_product(session, title_id="Kopi robusta")
    session.commit()
    client = second_app.test_client()
    assert client.get(f"/t/fragment/{product.id}").get_data(as_text=True) == "<div><b>Kopi robusta</b></div>"
    assert client.get(f"/t/fragment/{product.id}").get_data(as_text=True) == "<div><b>Kopi robusta</b></div>"
    assert calls["fragment"] == 1
    product.title_id = "Kopi arabika"
    session.commit()
    assert client.get(f"/t/fragment/{product.id}").get_data(as_text=True) == "<div><b>Kopi arabika</b></div>"
    assert calls["fragment"] == 2


def test_generation_read_costs_one_query_per_request(app, second_app, session, count_queries):
    product = make_product(session)
    session.commit()
    client = app.test_client()
    _price(client, product.id)
    reader = app.extensions["page_cache"].backend.reader()
    reads: list[str] = []

    def on_reader(conn, cursor, statement, parameters, context, executemany):
        reads.append(statement)

    sa.event.listen(reader, "before_cursor_execute", on_reader)
    try:
        with count_queries() as counter:
            assert _price(client, product.id)[1] == "HIT"
    finally:
        sa.event.remove(reader, "before_cursor_execute", on_reader)
    # The generation, on the reader's own autocommit connection; nothing on the app's pool.
    assert counter.count == 0
    assert len(reads) == 1 and "cache_generations" in reads[0]
    assert reader.pool.checkedout() == 0, "the reader gave its connection back"


# ---------------------------------------------------------------- with Redis


def _empty_redis() -> str:
    url = scratch_redis_url(14)
    redis.Redis.from_url(url).flushdb()
    return url


class TestWithRedis:
    @pytest.fixture
    def app_overrides(self):
        return {"PAGE_CACHE_ENABLED": True, "REDIS_URL": _empty_redis()}

    def test_uses_redis(self, app):
        assert isinstance(app.extensions["page_cache"].backend, RedisBackend)

    def test_price_change_visible_in_other_process_through_redis(self, app, second_app, session):
        product = make_product(session, price_minor=25_000, stock=4)
        session.commit()
        other = second_app.test_client()
        assert _price(other, product.id) == ("<p>price=25000 stock=4</p>", "MISS")
        # The first process finds the page the second one stored: the store is shared.
        assert _price(app.test_client(), product.id) == ("<p>price=25000 stock=4</p>", "HIT")

        product.price_minor = 30_000
        session.commit()

        assert _price(other, product.id) == ("<p>price=30000 stock=4</p>", "MISS")
        assert int(redis.Redis.from_url(scratch_redis_url(14)).get(f"pd:gen:{CATALOGUE}")) >= 1


class TestRedisDown:
    @pytest.fixture
    def app_overrides(self):
        return {"PAGE_CACHE_ENABLED": True, "REDIS_URL": "redis://127.0.0.1:1/0"}

    def test_pages_still_render_and_writes_still_commit(self, app, second_app, session):
        product = make_product(session, price_minor=100)
        session.commit()  # the bump fails and is logged; the write stands
        product.price_minor = 200
        session.commit()
        assert _price(second_app.test_client(), product.id) == (
            "<p>price=200 stock=" + str(product.stock) + "</p>",
            None,
        )


class TestPagesWithForms:
    @pytest.fixture
    def app_overrides(self):
        return {"PAGE_CACHE_ENABLED": True, "REDIS_URL": None, "WTF_CSRF_ENABLED": True}

    @staticmethod
    def token(response) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)

    def test_each_visitor_gets_a_valid_token_of_their_own_from_a_cached_page(self, app, second_app):
        alice, bob = second_app.test_client(), second_app.test_client()
        first = alice.get("/t/cart-form")
        second = bob.get("/t/cart-form")
        assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
        assert calls["page"] == 1
        assert "pd-csrf" not in second.get_data(as_text=True)
        alice_token, bob_token = self.token(first), self.token(second)
        assert alice_token != bob_token

        assert alice.post("/t/add", data={"csrf_token": alice_token}).status_code == 200
        assert bob.post("/t/add", data={"csrf_token": bob_token}).status_code == 200
        assert bob.post("/t/add", data={"csrf_token": alice_token}).status_code == 400

        # Holding a CSRF token in the session still counts as anonymous: later pages stay cached.
        assert alice.get("/t/cart-form").headers["X-Cache"] == "HIT"
        assert calls["page"] == 1


class TestOffByDefaultInTests:
    @pytest.fixture
    def app_overrides(self):
        return {"REDIS_URL": None}

    def test_other_suites_get_no_caching_and_no_extra_writes(self, app, session):
        assert app.extensions["page_cache"].enabled is False
        make_product(session)
        session.commit()
        assert session.scalar(sa.select(sa.func.count()).select_from(CacheGeneration)) == 0


def test_generation_read_survives_a_dropped_reader_connection(app):
    """The counters' read runs on the reader pool's DBAPI cursor: a connection the server ended
    (a restart, an idle timeout) is dropped from the pool and the read made again on a fresh one."""
    backend = app.extensions["page_cache"].backend
    reader = backend.reader()
    reader.dispose()  # one pooled connection from here on: the one ended below
    before = backend.generation(CATALOGUE)
    backend.bump(CATALOGUE)
    found = backend.generations([CATALOGUE, "no-such-counter"])
    assert found == {CATALOGUE: before + 1, "no-such-counter": 0}
    assert reader.pool.checkedout() == 0
    if reader.dialect.name != "postgresql":
        return
    connection = reader.raw_connection()
    pid = connection.dbapi_connection.info.backend_pid
    connection.close()
    with db.engine.connect() as other:
        assert other.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar()
    assert backend.generations([CATALOGUE]) == {CATALOGUE: before + 1}
    assert reader.pool.checkedout() == 0
    with reader.connect() as conn:
        assert conn.connection.dbapi_connection.info.backend_pid != pid


def test_a_row_read_on_the_drivers_cursor_is_the_row_a_connection_reads(app, session):
    """`MemoryBackend.read_row` (a logged-in page's account row with the counters) runs on the
    driver's cursor: the same values, of the same types (SQLite's booleans and datetimes converted
    as SQLAlchemy converts them), with its list parameter expanded and its literals bound."""
    from marketplace.accounts.sessions import _outside_statement
    from marketplace.cache.with_login import _GENERATION_READS

    user = make_user(session, email="row@example.test", is_curator=True)
    session.commit()
    bump_catalogue()  # a counter row, so the subquery has something to aggregate
    backend = app.extensions["page_cache"].backend
    statement = _outside_statement(tuple(_GENERATION_READS))
    assert not backend.reader().dispatch.before_cursor_execute  # nothing listening: the cursor's path
    # The third has the second's shape (its expansion is reused) with other values.
    for names in (
        ["catalogue"],
        ["catalogue", "products", "product:7"],
        ["products", "product:8", "catalogue"],
    ):
        params = {"user_id": user.id, "generation_names": names}
        with backend.reader().connect() as conn:
            expected = tuple(conn.execute(statement, params).first())
        row = backend.read_row(statement, params)
        assert row == expected
        assert [type(value) for value in row] == [type(value) for value in expected]
    assert backend.read_row(statement, {"user_id": user.id + 1000, "generation_names": ["catalogue"]}) is None


def test_a_statement_with_a_bind_computed_at_execution_is_refused_by_the_cursor_read(app):
    """`driver_statement` works a statement's SQL out once per shape and keeps its own values: a
    bind whose value is computed at each execution would be frozen, so it is refused."""
    from marketplace.cache.driver_reads import driver_statement

    clock = sa.bindparam("now", callable_=lambda: 1, type_=sa.Integer)
    statement = sa.select(sa.literal_column("1")).where(clock > sa.bindparam("since", type_=sa.Integer))
    with app.app_context():
        compiled = statement.compile(dialect=app.extensions["sqlalchemy"].engine.dialect)
    with pytest.raises(ValueError, match="callable"):
        driver_statement(compiled, {"since": 0})
