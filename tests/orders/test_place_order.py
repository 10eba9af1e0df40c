"""place_order: prices and snapshots from the database, per-seller fulfilments, stock and refusals."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from marketplace.cart import services as cart_services
from marketplace.cart.models import CartLine
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.errors import Conflict, OutOfStock, ValidationError
from marketplace.orders import services
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order, OrderLine, OrderStatus
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.seller.models import SellerStatus
from marketplace.shipping.services import ensure_default_shipping_rates
from marketplace.stock.models import StockMovement, StockMovementKind
from tests.factories import make_product, make_seller, make_sized_product, make_user
from tests.orders.helpers import address, make_cart, place


@contextmanager
def count_statements(session):
    """The SQL statements run meanwhile on the session's engine (upper-cased, one line each)."""
    statements: list[str] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()).upper().replace('"', ""))

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)


def _written_table(statement: str) -> str:
    """The table an INSERT, UPDATE or DELETE statement writes."""
    words = statement.split()
    if words[0] == "WITH":  # data-modifying CTEs (the stock on PostgreSQL): the first one's table
        words = [words[3].lstrip("("), *words[4:]]
    return words[2] if words[0] in ("INSERT", "DELETE") else words[1]


def movements(session, product, kind=None):
    query = sa.select(StockMovement).where(StockMovement.product_id == product.id)
    if kind:
        query = query.where(StockMovement.kind == kind)
    return session.scalars(query.order_by(StockMovement.id)).all()


def test_happy_path_snapshots_fulfilments_and_stock(session):
    seller_a, seller_b = make_seller(session, name="KUB Batik Pakistaji"), make_seller(session)
    batik = make_product(
        session, seller=seller_a, title_id="Batik Gajah Oling", price_minor=350_000, stock=5, weight_grams=300
    )
    scarf = make_product(session, seller=seller_a, price_minor=75_000, stock=2, weight_grams=200)
    coffee = make_product(session, seller=seller_b, price_minor=60_000, stock=10, weight_grams=250)
    buyer = make_user(session)
    cart = make_cart(session, {batik: 2, scarf: 1, coffee: 3}, user=buyer)

    order = place(session, cart, buyer=buyer, address=address(city="Kota Surabaya"))
    session.commit()

    assert order.status == OrderStatus.AWAITING_PAYMENT
    assert order.number.startswith("PD-") and len(order.number) == 14
    assert order.buyer_id == buyer.id
    assert order.subtotal_minor == 2 * 350_000 + 75_000 + 3 * 60_000
    # Rest of East Java: seller A's 800 g parcel and seller B's 750 g parcel each pay the first kg.
    assert order.shipping_zone == "east_java"
    assert order.shipping_minor == 15_000 * 2
    assert 1 <= order.unique_code_minor <= 999
    assert order.total_minor == order.subtotal_minor + order.shipping_minor + order.unique_code_minor

    fulfilments = session.scalars(sa.select(Fulfilment).where(Fulfilment.order_id == order.id)).all()
    assert {f.seller_id for f in fulfilments} == {seller_a.id, seller_b.id}
    assert all(f.status == FulfilmentStatus.PENDING and f.shipping_minor == 15_000 for f in fulfilments)
    line = session.scalars(sa.select(OrderLine).where(OrderLine.product_id == batik.id)).one()
    assert (line.title_id, line.seller_name, line.unit_price_minor, line.quantity, line.line_total_minor) == (
        "Batik Gajah Oling",
        "KUB Batik Pakistaji",
        350_000,
        2,
        700_000,
    )

    # Snapshots survive later edits of the product.
    batik.price_minor, batik.title_id = 1, "Renamed"
    session.commit()
    session.refresh(line)
    assert (line.title_id, line.unit_price_minor) == ("Batik Gajah Oling", 350_000)

    assert [session.get(Product, p.id).stock for p in (batik, scarf, coffee)] == [3, 1, 7]
    assert [m.quantity_delta for m in movements(session, batik)] == [-2]
    assert movements(session, batik)[0].kind == StockMovementKind.RESERVE
    assert movements(session, batik)[0].order_id == order.id
    assert (
        session.scalar(sa.select(sa.func.count()).select_from(CartLine).where(CartLine.cart_id == cart.id))
        == 0
    )

    payment = session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).one()
    assert (payment.status, payment.amount_minor, payment.currency) == (
        PaymentStatus.PENDING,
        order.total_minor,
        "IDR",
    )
    assert [e.to_status for e in order.events] == ["awaiting_payment"]


def test_banyuwangi_pickup_and_outside_java_prices(session):
    product = make_product(session, price_minor=10_000, stock=50, weight_grams=1_500)
    order = place(session, make_cart(session, {product: 1}))
    assert (order.shipping_zone, order.shipping_minor) == ("banyuwangi", 15_000)  # 2 kg tier
    order = place(
        session,
        make_cart(session, {product: 1}),
        address=address(province="Papua", city="Kota Jayapura", postal_code="99111"),
    )
    assert (order.shipping_zone, order.shipping_minor) == ("outside_java", 75_000)
    order = place(session, make_cart(session, {product: 1}), shipping_method="pickup", address=None)
    assert order.shipping_minor == 0 and order.shipping_method == "pickup"


def test_stripe_order_has_no_unique_code_and_no_payment_row(session):
    product = make_product(session, price_minor=100_000)
    order = place(session, make_cart(session, {product: 1}), payment_method="stripe")
    assert order.unique_code_minor == 0
    assert order.total_minor == 100_000 + 10_000
    assert session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).all() == []


def test_unique_codes_differ_for_same_base_total(session):
    ensure_default_shipping_rates(session)
    product = make_product(session, price_minor=100_000, stock=100)
    totals = {place(session, make_cart(session, {product: 1})).total_minor for _ in range(15)}
    assert len(totals) == 15


def test_same_checkout_token_twice_is_one_order(session):
    product = make_product(session, stock=5)
    cart = make_cart(session, {product: 2})
    first = place(session, cart, checkout_token="double-click-token-123456")
    session.commit()
    # The second click arrives with the same token (the cart is empty by now).
    second = place(session, cart, checkout_token="double-click-token-123456")
    session.commit()
    assert second.id == first.id
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1
    assert session.get(Product, product.id).stock == 3


def test_a_used_checkout_token_returns_its_order_and_leaves_a_refilled_cart_alone(session):
    # The old form submitted again after the buyer put something new in the cart: the order the
    # token made, and the new line stays in the cart (the DELETE that takes the lines takes none).
    product, other = make_product(session, stock=5), make_product(session, stock=5)
    cart = make_cart(session, {product: 1})
    first = place(session, cart, checkout_token="double-click-token-123456")
    session.commit()
    session.add(CartLine(cart_id=cart.id, product_id=other.id, quantity=2))
    session.commit()
    again = place(session, cart, checkout_token="double-click-token-123456")
    session.commit()
    assert again.id == first.id
    assert session.scalars(sa.select(CartLine.product_id).where(CartLine.cart_id == cart.id)).all() == [
        other.id
    ]
    assert session.get(Product, other.id).stock == 5


def test_another_buyers_checkout_token_is_refused(session):
    product = make_product(session, stock=5)
    place(session, make_cart(session, {product: 1}), checkout_token="double-click-token-123456")
    session.commit()
    cart = make_cart(session, {product: 1})
    with pytest.raises(services.AlreadyPlaced):
        place(session, cart, checkout_token="double-click-token-123456", email="someone@example.test")
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 1
    assert session.get(Product, product.id).stock == 4


def test_prices_come_from_the_database(session):
    product = make_product(session, price_minor=80_000)
    cart = make_cart(session, {product: 1})
    product.price_minor = 90_000  # the seller raised it after the buyer added it
    session.flush()
    order = place(session, cart)
    assert order.subtotal_minor == 90_000


def test_empty_cart_is_refused(session):
    cart = make_cart(session, {})
    with pytest.raises(ValidationError, match="empty"):
        place(session, cart)


def test_changed_cart_is_a_conflict(session):
    product = make_product(session, price_minor=80_000)
    cart = make_cart(session, {product: 1})
    seen = services.cart_fingerprint(services.price_lines(session, {product.id: 1}))
    product.price_minor = 85_000
    session.commit()
    with pytest.raises(Conflict, match="changed"):
        place(session, cart, expected_fingerprint=seen)
    session.rollback()
    # Nothing was written: the cart still holds the line and no order exists.
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(CartLine)) == 1


def test_unchanged_fingerprint_passes(session):
    product = make_product(session)
    cart = make_cart(session, {product: 2})
    seen = services.cart_fingerprint(services.price_lines(session, {product.id: 2}))
    assert place(session, cart, expected_fingerprint=seen).subtotal_minor == 100_000


@pytest.mark.parametrize("change", ["inactive", "seller_suspended"])
def test_unbuyable_product_is_refused(session, change):
    product = make_product(session)
    cart = make_cart(session, {product: 1})
    if change == "inactive":
        product.status = ProductStatus.ARCHIVED
    else:
        product.seller.status = SellerStatus.SUSPENDED
    session.flush()
    with pytest.raises(ValidationError, match="no longer for sale"):
        place(session, cart)


def test_not_enough_stock_is_refused_and_nothing_half_written(session):
    plenty = make_product(session, stock=10)
    scarce = make_product(session, stock=1)
    cart = make_cart(session, {plenty: 2, scarce: 2})
    session.commit()
    with pytest.raises(OutOfStock):
        place(session, cart)
    session.rollback()
    assert session.get(Product, plenty.id).stock == 10
    assert session.get(Product, scarce.id).stock == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(StockMovement)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(CartLine)) == 2


def test_stock_is_reserved_last_and_a_refusal_leaves_no_payment_or_email(session):
    """The conditional stock UPDATEs run after the order's rows, its payment and its email (their
    row locks are then held only until the commit); when they refuse, the rollback takes all of it."""
    from marketplace.email.models import OutboundEmail
    from marketplace.email.services import take_committed_ids

    scarce = make_product(session, stock=1)
    cart = make_cart(session, {scarce: 2})
    session.commit()
    with count_statements(session) as statements, pytest.raises(OutOfStock):
        place(session, cart)
    session.rollback()
    written = [_written_table(s) for s in statements if not s.startswith("SELECT")]
    assert written.index("PRODUCTS") > max(
        written.index(t) for t in ("ORDERS", "PAYMENTS", "OUTBOUND_EMAILS")
    )
    for model in (Order, Fulfilment, OrderLine, Payment, OutboundEmail, StockMovement):
        assert session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
    session.commit()
    assert take_committed_ids(session()) == []
    assert session.get(Product, scarce.id).stock == 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"shipping_method": "teleport"}, "shipping_method"),
        ({"payment_method": "cash"}, "payment_method"),
        ({"address": address(postal_code="123")}, "postal_code"),
        ({"address": address(province="Atlantis")}, "province"),
        ({"address": None}, "street"),
    ],
)
def test_bad_checkout_input_is_refused(session, overrides, field):
    cart = make_cart(session, {make_product(session): 1})
    with pytest.raises(ValidationError) as error:
        place(session, cart, **overrides)
    assert error.value.field == field


@pytest.mark.parametrize("raw", ["0", "-1", "1000000000", "two", "", "1.5", None])
def test_parse_quantity_refuses_bad_values(raw):
    with pytest.raises(ValidationError):
        cart_services.parse_quantity(raw)


def test_parse_quantity_accepts_whole_numbers():
    assert cart_services.parse_quantity(" 3 ") == 3


def test_heavy_parcel_must_be_picked_up(session):
    product = make_product(session, weight_grams=16_000, stock=5)
    cart = make_cart(session, {product: 2})
    session.commit()
    with pytest.raises(ValidationError, match="30 kg"):
        place(session, cart)
    session.rollback()
    order = place(session, cart, shipping_method="pickup")
    assert order.shipping_minor == 0


def test_number_and_unique_code_are_read_in_one_statement(session):
    # Issue 16 (checkout CPU): the order number's uniqueness and the open bank transfers' totals
    # near this one are one SELECT of orders; the checkout token is looked up by the DELETE that
    # takes the cart's lines, not by a SELECT of its own.
    ensure_default_shipping_rates(session)
    product = make_product(session, price_minor=100_000, stock=100)
    first = place(session, make_cart(session, {product: 1}))
    cart = make_cart(session, {product: 1})
    with count_statements(session) as statements:
        order = place(session, cart)
    reads = [s for s in statements if s.startswith("SELECT") and " FROM ORDERS" in s]
    assert len(reads) == 1, reads
    assert sum("UNION ALL" in s for s in reads) == 1
    assert sum(s.startswith("DELETE FROM CART_LINES") and "CHECKOUT_TOKEN" in s for s in statements) == 1
    assert order.number != first.number
    assert order.total_minor != first.total_minor
    assert 1 <= order.unique_code_minor <= 999
    assert order.total_minor == order.subtotal_minor + order.shipping_minor + order.unique_code_minor


def test_a_size_without_the_units_refuses_and_leaves_the_product_total_as_it_was(session):
    # The product's total has the units (2 + 3) but the chosen size does not: the reservation is
    # refused, and the total the product's UPDATE moved first is put back in the transaction
    # (PostgreSQL: one statement of two CTEs, whose product UPDATE always runs to completion).
    from marketplace.catalogue.models import ProductVariant
    from marketplace.stock.services import reserve_stock

    product = make_sized_product(session, {"S": 2, "M": 3})
    small, medium = product.variants
    session.commit()
    order = place(session, make_cart(session, {make_product(session, stock=5): 1}))
    session.commit()
    with pytest.raises(OutOfStock):
        reserve_stock(session, product, 3, order=order, now=order.created_at, variant_id=small.id)
    assert session.scalar(sa.select(Product.stock).where(Product.id == product.id)) == 5
    assert session.scalar(sa.select(ProductVariant.stock).where(ProductVariant.id == small.id)) == 2
    reserve_stock(session, product, 3, order=order, now=order.created_at, variant_id=medium.id)
    assert session.scalar(sa.select(Product.stock).where(Product.id == product.id)) == 2
    assert session.scalar(sa.select(ProductVariant.stock).where(ProductVariant.id == medium.id)) == 0
