"""PostgreSQL restarts or drops connections during traffic: requests fail cleanly, nothing is half made.

These tests break a PostgreSQL cluster of their own (tests/faults/helpers.py: initdb into a
directory owned by the postgres user, on a free port; about 1.5 s to create), never the machine's
server that the rest of the suite uses. The app is built once for the module against it and never
restarted: recovery is the pool's pre-ping. PostgreSQL only: the subject is a database server that
goes away.

A checkout is interrupted at every one of its statements and at its COMMIT by ending the request's
own database connection (`pg_terminate_backend`, what a restart does to each connection, at a
precise point and in milliseconds), and once by a real crash of the whole server.
"""

from __future__ import annotations

import contextvars
import secrets

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from marketplace import create_app
from marketplace.cart.services import CART_COOKIE
from marketplace.catalogue.models import Product
from marketplace.extensions import db
from marketplace.orders.models import Fulfilment, Order, OrderLine
from marketplace.shipping.services import ensure_default_shipping_rates
from marketplace.stock.models import StockMovement
from tests.factories import TEST_HASH_METHOD, make_product
from tests.faults.helpers import PrivatePostgres
from tests.orders.helpers import make_cart

pytestmark = [
    pytest.mark.slow,  # about 8 s: a cluster of its own and a checkout cut off at each of ~30 points
    pytest.mark.skipif(not PrivatePostgres.available(), reason="PostgreSQL 15 binaries not installed"),
]

ADDRESS = {
    "name": "Siti Rahayu", "phone": "0812 3456 7890", "street": "Jl. Raya Kabat 12", "district": "Kabat",
    "city": "Kabupaten Banyuwangi", "province": "Jawa Timur", "postal_code": "68461",
}  # fmt: skip
INITIAL_STOCK = 1000


class Client(FlaskClient):
    """Each request in its own context, as a real server runs them (see tests/conftest.py)."""

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="module")
def postgres():
    server = PrivatePostgres()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture(scope="module")
def pg_app(postgres):
    app = create_app(
        {
            "TESTING": True,
            "BABEL_DEFAULT_LOCALE": "en",
            "SQLALCHEMY_DATABASE_URI": postgres.url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": TEST_HASH_METHOD,
            # As in production without Redis: the generation is read through the cache's own engine.
            "PAGE_CACHE_ENABLED": True,
        }
    )
    app.test_client_class = Client
    with app.app_context():
        db.create_all()
        ensure_default_shipping_rates(db.session)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def product(pg_app):
    with pg_app.app_context():
        item = make_product(db.session, stock=INITIAL_STOCK, title_en="Kabat robusta coffee")
        db.session.commit()
        return db.session.get(Product, item.id).id


class Fault:
    """Ends the app's database connection at the Nth statement (or COMMIT) it sends, if armed."""

    def __init__(self, app, admin_url: str):
        self.admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        self.count = 0
        self.at: int | None = None
        self.fired = False
        with app.app_context():
            self.engine = db.engine
        sa.event.listen(self.engine, "before_cursor_execute", self._statement)
        sa.event.listen(self.engine, "commit", self._commit)

    def remove(self) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._statement)
        sa.event.remove(self.engine, "commit", self._commit)
        self.admin.dispose()

    def arm(self, at: int | None) -> None:
        self.count, self.at, self.fired = 0, at, False

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        self._tick(conn)

    def _commit(self, conn):
        self._tick(conn)

    def _tick(self, conn) -> None:
        self.count += 1
        if self.count == self.at:
            pid = conn.connection.dbapi_connection.info.backend_pid
            with self.admin.connect() as admin:
                # Waits (up to 5 s) until that backend is gone, as after a restart.
                assert admin.execute(
                    sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}
                ).scalar()
            self.fired = True


def _checkout_form(pg_app, client, product_id: int) -> dict:
    """A guest cart holding two units (written as the cart service would) and the checkout form."""
    with pg_app.app_context():
        cart = make_cart(db.session, {db.session.get(Product, product_id): 2})
        db.session.commit()
        client.set_cookie(CART_COOKIE, cart.token)
        db.session.remove()
    # The total the page shows once the address is typed (checkout.js asks the same): placing checks it.
    where = {"ship_country": "ID", "shipping_method": "courier"}
    where.update({name: ADDRESS[name] for name in ("province", "city", "postal_code")})
    quote = client.get("/checkout/quote", query_string=where).get_json()["quote"]
    assert quote
    return {
        **ADDRESS, "email": "guest@example.test", "shipping_method": "courier", "quote": quote,
        "payment_method": "bank_transfer", "checkout_token": secrets.token_urlsafe(24), "action": "place",
    }  # fmt: skip


def _assert_consistent(pg_app, product_id: int) -> int:
    """Every order is whole and every reserved unit belongs to one; returns the number of orders."""
    lines = sa.select(OrderLine.order_id, sa.func.sum(OrderLine.quantity).label("units")).group_by(
        OrderLine.order_id
    )
    lines = lines.subquery()
    moved = (
        sa.select(StockMovement.order_id, sa.func.sum(StockMovement.quantity_delta).label("delta"))
        .group_by(StockMovement.order_id)
        .subquery()
    )
    with pg_app.app_context():
        session = db.session
        half_made = session.scalars(
            sa.select(Order.number)
            .outerjoin(lines, lines.c.order_id == Order.id)
            .outerjoin(moved, moved.c.order_id == Order.id)
            .where(
                sa.or_(
                    lines.c.units.is_(None),
                    ~sa.exists().where(Fulfilment.order_id == Order.id),
                    sa.func.coalesce(moved.c.delta, 0) != -lines.c.units,
                )
            )
        ).all()
        assert half_made == [], "orders half made or with the wrong stock reserved"
        ordered = session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(OrderLine.quantity), 0)).where(
                OrderLine.product_id == product_id
            )
        )
        stock = session.scalar(sa.select(Product.stock).where(Product.id == product_id))
        ledger = session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(StockMovement.quantity_delta), 0)).where(
                StockMovement.product_id == product_id
            )
        )
        assert stock == INITIAL_STOCK - ordered == INITIAL_STOCK + ledger, "stock reserved without an order"
        orders = session.scalar(sa.select(sa.func.count(Order.id)))
        session.remove()
        return orders


def test_a_checkout_cut_off_at_any_statement_leaves_nothing_half_made(pg_app, postgres, product):
    fault = Fault(pg_app, postgres.url)
    try:
        # A checkout that goes through, to count the statements (and the COMMIT) it sends.
        client = pg_app.test_client()
        form = _checkout_form(pg_app, client, product)
        fault.arm(None)
        assert client.post("/checkout", data=form).status_code == 303
        points = fault.count
        assert points > 10
        orders = _assert_consistent(pg_app, product)
        assert orders == 1

        for point in range(1, points + 1):
            client = pg_app.test_client()
            form = _checkout_form(pg_app, client, product)
            fault.arm(point)
            response = client.post("/checkout", data=form, headers={"Accept-Language": "id"})
            assert fault.fired
            fault.arm(None)
            body = response.get_data(as_text=True)
            if response.status_code == 503:
                assert response.headers["Retry-After"].isdigit()
                assert "Silakan coba lagi sebentar lagi" in body and "Please try again in a moment" in body
                assert "Traceback" not in body
            else:
                # Cut off after its COMMIT went through: the order is whole and the buyer sees it.
                assert response.status_code == 303, (point, response.status_code, body[:300])
            assert _assert_consistent(pg_app, product) in (orders, orders + 1)
            # The buyer presses the button again: one order, whether or not the first one committed.
            again = client.post("/checkout", data=form)
            assert again.status_code == 303 and "/orders/PD-" in again.headers["Location"], (
                point,
                again.status_code,
            )
            orders += 1
            assert _assert_consistent(pg_app, product) == orders
    finally:
        fault.remove()


def test_requests_during_a_crash_get_a_503_and_the_next_ones_succeed(pg_app, postgres, product):
    client = pg_app.test_client()
    with pg_app.app_context():
        path = f"/products/{product}-{db.session.get(Product, product).slug}"
        db.session.remove()
    assert client.get(path).status_code == 200
    assert client.get("/api/v1/products").status_code == 200
    form = _checkout_form(pg_app, client, product)
    orders = _assert_consistent(pg_app, product)

    postgres.crash()
    try:
        page = client.get(path, headers={"Accept-Language": "en"})
        assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
        html = page.get_data(as_text=True)
        assert "Please try again in a moment" in html and "Silakan coba lagi sebentar lagi" in html
        assert html.index("Please try again") < html.index("Silakan coba")  # the visitor's language first
        api = client.get("/api/v1/products")
        assert api.status_code == 503 and api.headers["Retry-After"].isdigit()
        assert api.get_json()["error"]["status"] == 503
        checkout = client.post("/checkout", data=form)
        assert checkout.status_code == 503
        assert client.get("/healthz").status_code == 503
    finally:
        postgres.start()

    # The same app, no restart: stale pooled connections are noticed by the pre-ping and replaced.
    assert client.get(path).status_code == 200
    assert client.get("/api/v1/products").status_code == 200
    placed = client.post("/checkout", data=form)
    assert placed.status_code == 303 and "/orders/PD-" in placed.headers["Location"]
    assert _assert_consistent(pg_app, product) == orders + 1


def test_only_unavailability_is_a_503():
    """A bug that happens to be an OperationalError on SQLite ("no such table") stays a 500."""
    import sqlite3

    from marketplace.web import database_unavailable

    def wrapped(orig):
        return sa.exc.OperationalError("SELECT 1", {}, orig)

    assert database_unavailable(wrapped(sqlite3.OperationalError("database is locked")))
    assert not database_unavailable(wrapped(sqlite3.OperationalError("no such table: orders")))
    assert not database_unavailable(sa.exc.IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert database_unavailable(sa.exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached"))
