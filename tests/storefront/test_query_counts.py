"""Every public page runs the same number of SQL statements for 10 products as for 60+."""

from __future__ import annotations

from datetime import timedelta

from marketplace.types import utcnow
from tests.factories import make_featured, make_label_type, make_product, make_product_label, make_seller
from tests.storefront.conftest import add_image


def _add_products(session, world, count: int, label_type) -> list:
    products = []
    now = utcnow()
    for i in range(count):
        seller = world.seller if i % 3 else make_seller(session, village=world.village)
        product = make_product(
            session,
            seller=seller,
            cluster=world.cluster if i % 2 else world.other_cluster,
            title_id=f"Batik tulis motif {i}",
            title_en=f"Hand-drawn batik {i}",
            published_at=now - timedelta(minutes=i),
        )
        add_image(session, product)
        add_image(session, product)
        make_product_label(session, product=product, label_type=label_type)
        if i % 4 == 0:
            make_featured(session, product=product, position=i)
        products.append(product)
    session.commit()
    return products


def _pages(product) -> list[str]:
    return [
        "/",
        "/clusters/batik",
        "/villages/pakistaji",
        "/sellers/kub-sekar-kepuh",
        f"/products/{product.id}-{product.slug}",
        "/search",
        "/search?q=batik",
        "/search?q=batik+tulis&cluster=batik&village=pakistaji&label=halal&min_price=1&in_stock=1",
        "/search?sort=price_asc&page=2&per_page=4",
    ]


def _counts(client, count_queries, product) -> dict[str, int]:
    counts = {}
    for path in _pages(product):
        client.get(path)  # warm up: first-use work (e.g. reflection) is not per page
        with count_queries() as counter:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[path] = counter.count
    return counts


def test_public_pages_run_a_fixed_number_of_queries(client, session, world, count_queries):
    label_type = make_label_type(session, code="halal")
    first = _add_products(session, world, 10, label_type)[0]
    small = _counts(client, count_queries, first)
    _add_products(session, world, 60, label_type)
    large = _counts(client, count_queries, first)
    assert large == small
    # And the budget itself stays small (the product page, with labels and without options: the
    # product with whether it has labels or options, its photos, its labels, today's rates,
    # answered questions, more from the maker and the desa; options and variants only when it has
    # options, listings.get_public_product).
    assert max(small.values()) <= 9, small
    product_page = f"/products/{first.id}-{first.slug}"
    assert small[product_page] <= 6, small  # 8 before options and variants became conditional
    # Listings: the page's ids, then its cards with their first photos in one statement
    # (storefront.cards); the home page counts clusters and desa in one scan (listings.list_places)
    # and reads them in one statement; search reads its form's clusters, desa and labels in one
    # (listings.list_choices), then its count and ids, its cards and today's rates.
    assert small["/"] <= 5 and small["/clusters/batik"] <= 5, small
    assert small["/search"] <= 5 and small["/search?q=batik"] <= 5, small


def test_a_price_range_in_another_currency_costs_no_statement(app, session, world, count_queries):
    from tests.markets.conftest import make_rate

    label_type = make_label_type(session, code="halal")
    _add_products(session, world, 10, label_type)
    make_rate(session, "USD", "16300")
    session.commit()
    pages = (
        (None, "/search?q=batik&min_price=1&max_price=500.000"),
        (
            None,
            "/search?q=batik&price_currency=USD&min_price=0.01&max_price=30,50",
        ),  # a dollar link in rupiah
        ("USD", "/search?q=batik&price_currency=USD&min_price=0.01&max_price=30,50"),
        ("USD", "/search?q=batik&min_price=1&max_price=500.000"),  # a rupiah link in dollars
    )
    counts = []
    for currency, path in pages:
        client = app.test_client()
        if currency:
            client.set_cookie("currency", currency)
        client.get(path)  # warm up
        with count_queries() as counter:
            response = client.get(path)
        assert response.status_code == 200 and "were not valid" not in response.get_data(as_text=True), path
        counts.append(counter.count)
    assert len(set(counts)) == 1 and counts[0] <= 5, counts
