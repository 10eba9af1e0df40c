"""The product page with hearts, more-from rows and recently viewed, the listings with saved hearts,
and /account/favourites run the same number of SQL statements for 4 products as for 30."""

from __future__ import annotations

from marketplace.favourites.models import Favourite
from tests.factories import make_product, make_seller, make_user
from tests.login import logged_in_as
from tests.storefront.conftest import add_image


def _add(session, world, count: int, buyer) -> list:
    products = []
    for i in range(count):
        seller = world.seller if i % 2 else make_seller(session, village=world.village)
        product = make_product(session, seller=seller, cluster=world.cluster)
        add_image(session, product)
        session.add(Favourite(user_id=buyer.id, product=product))
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
    products = _add(session, world, 4, buyer)
    main = products[0]
    client = logged_in_as(app.test_client(), buyer)
    paths = [f"/products/{main.id}-{main.slug}", "/", "/clusters/batik", "/account/favourites"]
    client.set_cookie("recently_viewed", ".".join(str(p.id) for p in products))
    small = _counts(client, count_queries, paths)

    products += _add(session, world, 26, buyer)
    client.set_cookie("recently_viewed", ".".join(str(p.id) for p in products[-10:]))
    large = _counts(client, count_queries, paths)
    assert large == small
    assert small[paths[0]] <= 16, small
