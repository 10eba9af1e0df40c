"""What the public sees of reviews: the product page's section and JSON-LD, stars and "N sold" on
cards, the shop's rating, sorts by rating and best selling, and a bounded number of queries."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.email.models import OutboundEmail
from marketplace.media.storage import get_storage
from marketplace.monitoring.filters import Filters
from marketplace.monitoring.services import compute_figure
from marketplace.naikkelas.services import compute_metrics
from marketplace.reviews import services
from marketplace.reviews.invitations import invite_reviews
from marketplace.reviews.models import Review, ReviewInvitation, ReviewPhoto
from marketplace.storefront import search
from marketplace.storefront.search_params import parse_search_params
from marketplace.timezones import jakarta_date
from marketplace.types import utcnow
from tests.factories import make_cluster, make_product, make_seller, make_user
from tests.login import logged_in_as
from tests.orders.helpers import make_cart, place
from tests.payouts.helpers import make_shop
from tests.reviews.helpers import delivered_order


def _json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def _add_reviews(session, product, line_ids, *, photos: int = 0, rating: int = 4) -> None:
    """Review rows on `product` (written directly: these tests are about reading them)."""
    author = make_user(session, name="Rina Wulandari")
    for line_id in line_ids:
        review = Review(
            order_line_id=line_id,
            product_id=product.id,
            seller_id=product.seller_id,
            author_id=author.id,
            author_name="Rina",
            rating=rating,
            body=f"Ulasan {line_id}",
            lang="id",
            photo_count=photos,
        )
        review.photos = [
            ReviewPhoto(position=i, storage_key=f"rv{line_id}x{i}", width=640, height=480)
            for i in range(photos)
        ]
        session.add(review)
    session.execute(
        sa.update(Product)
        .where(Product.id == product.id)
        .values(
            rating_count=Product.rating_count + len(line_ids),
            rating_sum=Product.rating_sum + rating * len(line_ids),
        )
    )
    session.commit()


def test_product_page_card_seller_page_and_json_ld(app, session):
    buyer, _owner, order, line = delivered_order(session, units=3)
    services.create_review(
        session,
        line_id=line.id,
        author=buyer,
        rating=4,
        body="Warnanya bagus.\nPengiriman cepat.",
        lang="id",
        photos=[],
        storage=get_storage(app),
        now=utcnow(),
    )
    session.commit()
    product = session.get(Product, line.product_id)
    client = app.test_client()
    html = client.get(f"/products/{product.id}-{product.slug}?lang=en").get_data(as_text=True)
    assert "4.0 out of 5 stars" in html and "1 review" in html and "3 sold" in html
    assert "5 stars: 0" in html and "4 stars: 1" in html and "1 star: 0" in html
    assert '<p lang="id">Warnanya bagus.</p>' in html  # written in Indonesian, read in English
    data = _json_ld(html)
    assert data["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": "4.0",
        "reviewCount": 1,
        "bestRating": 5,
        "worstRating": 1,
    }
    assert data["review"][0]["reviewRating"]["ratingValue"] == 4
    assert data["review"][0]["author"]["name"] == "Siti" and data["review"][0]["inLanguage"] == "id"
    seller_page = app.test_client().get(f"/sellers/{product.seller.slug}?lang=id").get_data(as_text=True)
    assert "4,0 dari 5 bintang" in seller_page and "3 terjual" in seller_page  # the card, in Indonesian
    # A product without reviews has no rating in its JSON-LD and says so.
    bare = make_product(session)
    session.commit()
    html = client.get(f"/products/{bare.id}-{bare.slug}").get_data(as_text=True)
    assert "aggregateRating" not in _json_ld(html) and "No reviews yet" in html


def test_sort_by_rating_and_best_selling(app, session):
    seller, cluster = make_seller(session), make_cluster(session)
    products = [make_product(session, seller=seller, cluster=cluster) for _ in range(4)]
    # (count, sum, sold): averages 4.5, 5.0, 3.0, none.
    for product, (count, stars, sold) in zip(
        products, [(2, 9, 1), (1, 5, 7), (3, 9, 30), (0, 0, 3)], strict=True
    ):
        product.rating_count, product.rating_sum, product.units_sold = count, stars, sold
    session.commit()
    ids = [p.id for p in products]

    def order(path):
        html = app.test_client().get(path).get_data(as_text=True)
        found = [int(i) for i in re.findall(r'href="/products/(\d+)-', html)]
        return [i for i in dict.fromkeys(found) if i in ids]

    assert order("/search?sort=rating") == [ids[1], ids[0], ids[2], ids[3]]
    assert order("/search?sort=best_selling") == [ids[2], ids[1], ids[3], ids[0]]
    assert order(f"/clusters/{cluster.slug}?sort=best_selling") == [ids[2], ids[1], ids[3], ids[0]]
    # With words, through the search window too.
    for product in products:
        product.title_id = f"Kopi robusta {product.id}"
    session.commit()
    assert order("/search?q=kopi&sort=rating") == [ids[1], ids[0], ids[2], ids[3]]
    if session.get_bind().dialect.name == "postgresql":
        # Rare words skip the window and rank every match (the GIN path): the same order.
        params = parse_search_params({"q": "kopi", "sort": "rating"})
        found = search._postgres_match_page(session, params, ("kopi",), "rating", jakarta_date(utcnow()))
        assert found[0] == [ids[1], ids[0], ids[2], ids[3]]
    assert app.test_client().get("/api/v1/products?sort=best_selling").status_code == 200


def _order_lines(session, count: int) -> list[int]:
    """Ids of `count` order lines (one placed order of as many products) for review rows."""
    seller, product = make_shop(session, price=10_000)
    products = [product] + [make_product(session, seller=seller, stock=5) for _ in range(count - 1)]
    order = place(session, make_cart(session, dict.fromkeys(products, 1)))
    return [line.id for line in order.lines]


def test_product_page_queries_do_not_grow_with_reviews_and_all_are_listed(app, session, count_queries):
    product = make_product(session)
    lines = _order_lines(session, 22)
    path = f"/products/{product.id}-{product.slug}"
    client = app.test_client()

    def count() -> int:
        client.get(path)
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    _add_reviews(session, product, lines[:1], photos=2)
    one = count()
    assert '/reviews"' not in client.get(path).get_data(as_text=True)  # nothing more to see
    _add_reviews(session, product, lines[1:], photos=1)
    assert count() == one <= 11
    html = client.get(path + "?lang=en").get_data(as_text=True)
    assert html.count('class="review"') == 20 and f'href="/products/{product.id}/reviews"' in html
    assert "See all 22 reviews" in html
    second = client.get(f"/products/{product.id}/reviews?page=2").get_data(as_text=True)
    assert second.count('class="review"') == 2 and "Page 2 of 2" in second
    assert client.get(f"/products/{product.id}/reviews?page=3").status_code == 404
    assert client.get(f"/products/{product.id}/reviews?page=x").status_code == 404


def test_invitation_once_some_days_after_delivery(app, session):
    now = utcnow()
    buyer, _owner, order, line = delivered_order(session, now=now - timedelta(days=4))
    _recent = delivered_order(session, now=now - timedelta(days=1))
    old_buyer, _o, _old_order, old_line = delivered_order(session, now=now - timedelta(days=5))
    services.create_review(
        session, line_id=old_line.id, author=old_buyer, rating=5, body="", lang="id", photos=[],
        storage=get_storage(app), now=now,
    )  # fmt: skip
    session.commit()
    assert invite_reviews(session, now=now) == 1
    session.commit()
    assert invite_reviews(session, now=now) == 0
    session.commit()
    emails = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.to_address == buyer.email)).all()
    invitation = [e for e in emails if e.template == "review_invitation"]
    assert len(invitation) == 1 and f"/orders/{order.number}" in invitation[0].body_text
    assert invitation[0].subject == f"Bagaimana pesanan {order.number} Anda? Beri nilai barang yang Anda beli"
    # The reviewed part is recorded too, so it is never asked about; the recent one waits.
    assert session.scalar(sa.select(sa.func.count()).select_from(ReviewInvitation)) == 2


def test_ratings_feed_naik_kelas_and_monitoring_until_hidden(app, session):
    buyer, owner, _order, line = delivered_order(session)
    second_buyer, _o, _order2, line2 = delivered_order(session)
    curator = make_user(session, is_curator=True)
    session.commit()
    now = utcnow()
    storage = get_storage(app)
    first = services.create_review(
        session,
        line_id=line.id,
        author=buyer,
        rating=5,
        body="",
        lang="id",
        photos=[],
        storage=storage,
        now=now,
    )
    services.create_review(
        session, line_id=line2.id, author=second_buyer, rating=2, body="", lang="en", photos=[],
        storage=storage, now=now,
    )  # fmt: skip
    session.commit()
    seller_id = line.seller_id
    metrics = compute_metrics(session, seller_ids=[seller_id], now=now)[seller_id]
    assert (metrics["average_rating"], metrics["review_count"]) == (Decimal("5.0"), 1)

    filters = Filters(start=jakarta_date(now) - timedelta(days=1), end=jakarta_date(now))
    rows = compute_figure(session, "ratings-villages", filters, now=now)
    assert sum(row["reviews"] for row in rows) == 2
    clusters = compute_figure(session, "ratings-clusters", filters, now=now)
    assert {row["average"] for row in clusters} <= {"5.0", "2.0", "3.5"}
    console = logged_in_as(app.test_client(), curator, lang="en")
    assert "Buyers&#39; ratings by village" in console.get("/curator/monitoring").get_data(as_text=True)
    csv_text = console.get("/curator/monitoring/ratings-clusters.csv").get_data(as_text=True)
    assert "Average stars (out of 5)" in csv_text and "Reviews" in csv_text

    services.hide_review(session, first, curator=curator, reason="Not about the product.", now=now)
    session.commit()
    metrics = compute_metrics(session, seller_ids=[seller_id], now=now)[seller_id]
    assert (metrics["average_rating"], metrics["review_count"]) == (None, 0)
    assert sum(row["reviews"] for row in compute_figure(session, "ratings-villages", filters, now=now)) == 1
    scorecard = logged_in_as(app.test_client(), owner, lang="en").get("/seller/naik-kelas")
    assert scorecard.status_code == 200
