"""The rating and best-selling sorts read values stored on the product (`rating_average`, generated
from `rating_count`/`rating_sum`, and `units_sold`): they equal a recomputation from the reviews
and the delivered order lines after every change, and the sorts show a change at once - listings,
searches answered from the window and from every match alike."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.media.storage import get_storage
from marketplace.orders import services as orders
from marketplace.orders.cancellation import cancel_by_seller
from marketplace.orders.fulfilment import mark_fulfilment_delivered, mark_fulfilment_shipped
from marketplace.orders.models import Fulfilment, FulfilmentStatus, OrderLine
from marketplace.reviews import services
from marketplace.reviews.models import Review
from marketplace.shipping.couriers import ensure_default_couriers
from marketplace.storefront import search
from marketplace.storefront.search_params import SearchParams
from marketplace.timezones import jakarta_date
from marketplace.types import utcnow
from tests.factories import make_product, make_user
from tests.orders.helpers import make_cart, place
from tests.payouts.helpers import make_shop


def _delivered(session, *, units: int, cancelled: int = 0, published_hours_ago: int = 0):
    """(buyer, product, line): a paid order of `units` of a new shop's product, `cancelled` of them
    cancelled by the shop before shipping, then shipped and received."""
    now = utcnow()
    ensure_default_couriers(session)
    buyer = make_user(session, name="Siti")
    _seller, product = make_shop(session, price=50_000, owner=make_user(session, name="Ani"))
    product.title_id = f"Kopi luwak {product.id}"
    product.published_at = now - timedelta(hours=published_hours_ago)
    order = place(
        session,
        make_cart(session, {product: units}, user=buyer),
        buyer=buyer,
        email=buyer.email,
        lang="id",
        now=now,
    )
    assert orders.mark_order_paid(session, order, actor_label="test", now=now)
    fulfilment = order.fulfilments[0]
    if cancelled:
        cancel_by_seller(
            session,
            fulfilment,
            quantities={fulfilment.lines[0].id: cancelled},
            reason="Stok habis",
            actor_id=None,
            actor_label="seller",
            now=now,
        )
    assert mark_fulfilment_shipped(
        session,
        fulfilment,
        courier="JNE",
        courier_code="jne",
        tracking_number="JN1",
        actor_label="seller",
        now=now,
    )
    assert mark_fulfilment_delivered(session, fulfilment, actor_label="buyer", now=now)
    session.commit()
    return buyer, product, order.lines[0]


def _review(app, session, buyer, line, rating: int) -> Review:
    review = services.create_review(
        session,
        line_id=line.id,
        author=buyer,
        rating=rating,
        body="",
        lang="id",
        photos=[],
        storage=get_storage(app),
        now=utcnow(),
    )
    session.commit()
    return review


def _assert_stored_equal_recomputed(session) -> None:
    """Every product's stored sort values equal what its visible reviews and delivered lines give."""
    session.expire_all()
    reviews = {
        row.product_id: (row.n, row.stars)
        for row in session.execute(
            sa.select(
                Review.product_id, sa.func.count().label("n"), sa.func.sum(Review.rating).label("stars")
            )
            .where(Review.hidden_at.is_(None))
            .group_by(Review.product_id)
        )
    }
    sold = dict(
        session.execute(
            sa.select(OrderLine.product_id, sa.func.sum(OrderLine.quantity - OrderLine.cancelled_quantity))
            .join(Fulfilment, Fulfilment.id == OrderLine.fulfilment_id)
            .where(Fulfilment.status == FulfilmentStatus.DELIVERED)
            .group_by(OrderLine.product_id)
        ).all()
    )
    for product in session.scalars(sa.select(Product)):
        count, stars = reviews.get(product.id, (0, 0))
        average = stars * 10**12 // count if count else 0  # floored, as Fraction would
        stored = (product.rating_count, product.rating_sum, product.rating_average, product.units_sold)
        assert stored == (count, stars, average, sold.get(product.id, 0)), product.id


def _orders(session, sort: str, monkeypatch) -> list[list[int]]:
    """The sort's order of every public product: as a listing, a search answered from a window of
    one product, from the default window, and (PostgreSQL) from every match."""
    found = [[p.id for p in search.search_products(session, SearchParams(sort=sort, per_page=10)).items]]
    params = SearchParams(q="kopi", sort=sort, per_page=10)
    found.append([p.id for p in search.search_products(session, params).items])
    with monkeypatch.context() as patch:
        patch.setattr(search, "SEARCH_WINDOW", 1)
        paged: list[int] = []
        for n in range(1, 10):
            one = search.search_products(session, SearchParams(q="kopi", sort=sort, per_page=1, page=n))
            if one.page != n:
                break
            paged += [p.id for p in one.items]
        found.append(paged)
    if session.get_bind().dialect.name == "postgresql":
        ids, *_ = search._postgres_match_page(session, params, ("kopi",), sort, jakarta_date(utcnow()))
        found.append(ids)
    return found


@pytest.mark.slow
def test_reviews_deliveries_and_cancellations_show_in_the_sorts(app, session, monkeypatch):
    # Newest first: a (3 delivered), b (4 ordered, 3 cancelled: 1 delivered), c (none), d (none).
    buyer_a, a, line_a = _delivered(session, units=3, published_hours_ago=1)
    buyer_b, b, line_b = _delivered(session, units=4, cancelled=3, published_hours_ago=2)
    c = make_product(session, title_id="Kopi robusta", published_at=utcnow() - timedelta(hours=3))
    d = make_product(session, title_id="Kopi arabika", published_at=utcnow() - timedelta(hours=4))
    session.commit()
    _assert_stored_equal_recomputed(session)
    ids = [a.id, b.id, c.id, d.id]
    assert all(found == ids for found in _orders(session, "best_selling", monkeypatch))
    assert all(found == ids for found in _orders(session, "rating", monkeypatch))  # no reviews: newest

    # b gets five stars, a three: b first.
    review_b = _review(app, session, buyer_b, line_b, 5)
    _review(app, session, buyer_a, line_a, 3)
    _assert_stored_equal_recomputed(session)
    assert session.get(Product, b.id).rating_average == 5 * 10**12
    assert all(found == [b.id, a.id, c.id, d.id] for found in _orders(session, "rating", monkeypatch))

    # A curator hides b's review: b drops back among the products without reviews (newest first).
    curator = make_user(session, name="Kurator")
    assert services.hide_review(session, review_b, curator=curator, reason="Bukan ulasan", now=utcnow())
    session.commit()
    _assert_stored_equal_recomputed(session)
    assert all(found == [a.id, b.id, c.id, d.id] for found in _orders(session, "rating", monkeypatch))

    # d sells 2 (of 2): above b's one unit, below a's three.
    _buyer_d, d2, _line = _delivered(session, units=2, published_hours_ago=5)
    _assert_stored_equal_recomputed(session)
    expected = [a.id, d2.id, b.id, c.id, d.id]
    assert all(found[: len(expected)] == expected for found in _orders(session, "best_selling", monkeypatch))


def test_the_stored_rating_orders_as_the_average_itself(session):
    # (reviews, stars): equal averages tie (then more reviews first); averages a thousandth of a
    # star apart and less (7/3 and 2333/1000; a million reviews) keep their order.
    counters = [(3, 7), (1000, 2333), (6, 14), (2, 9), (0, 0), (999_999, 4_999_994), (1_000_000, 4_999_995)]
    now = utcnow()
    ids = []
    for i, (count, stars) in enumerate(counters):
        product = make_product(session, published_at=now - timedelta(hours=i))
        session.flush()
        session.execute(
            sa.update(Product).where(Product.id == product.id).values(rating_count=count, rating_sum=stars)
        )
        ids.append(product.id)
    session.commit()
    by_fraction = sorted(
        range(len(counters)),
        key=lambda i: (
            -Fraction(counters[i][1], counters[i][0]) if counters[i][0] else 0,
            -counters[i][0],
            i,
        ),
    )
    expected = [ids[i] for i in by_fraction]
    # The sort before the key was stored ordered by the fraction itself (NUMERIC on PostgreSQL, a
    # double on SQLite, computed in the query - where a million reviews overflowed PostgreSQL's
    # integer): the same order.
    page = search.search_products(session, SearchParams(sort="rating", per_page=10))
    assert [p.id for p in page.items] == expected
