"""The product page with hearts, more-from rows and recently viewed, the listings with saved hearts,
and /account/favourites run the same number of SQL statements for 6 products as for 40."""

from __future__ import annotations

from tests.factories import make_product, make_seller, make_user
from tests.login import logged_in_as
from tests.storefront.conftest import add_image


def _add(session, world, count: int) -> list:
    products = []
    for i in range(count):
        seller = world.seller if i % 2 else make_seller(session, village=world.village)
        product = make_product(session, seller=seller, cluster=world.cluster)
        add_image(session, product)
        products.append(product)
    session.commit()
    return products


def _counts(client, count_queries, paths) -> dict[str, int]:
    counts = {}
    for path in paths:
        client.get(path)  # warm up
        with count_queries() as counter:
            assert client.get(path).status_code == 200, path
        counts[path] = counter.count
    return counts


def test_pages_with_favourites_and_history_run_a_fixed_number_of_queries(app, session, world, count_queries):
    buyer = make_user(session)
    first = _add(session, world, 6)
    main = first[0]
    client = logged_in_as(app.test_client(), buyer)
    paths = [f"/products/{main.id}-{main.slug}", "/", "/clusters/batik", "/account/favourites"]

    def save_and_view(products):
        for product in products:
            client.post("/account/favourites", data={"product_id": product.id})
            client.get(f"/products/{product.id}-{product.slug}")
        client.get(paths[0])

    save_and_view(first)
    small = _counts(client, count_queries, paths)
    save_and_view(_add(session, world, 34))
    large = _counts(client, count_queries, paths)
    assert large == small
    assert small[paths[0]] <= 12, small
