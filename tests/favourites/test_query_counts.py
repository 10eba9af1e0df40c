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
        with count_queries(reader=True) as counter:  # the account's read too (web.load_user)
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
    # The buyer's user, cart count and saved ids in one statement (web.load_user); their questions
    # with the answered ones (questions.list_product_questions). 16 allowed before.
    assert small[paths[0]] <= 8 and small["/"] <= 7 and small["/clusters/batik"] <= 6, small


def test_a_buyers_page_reads_the_cart_count_and_saved_ids_with_the_user(app, session, world, count_queries):
    from marketplace.cart.models import Cart, CartLine

    buyer = make_user(session)
    saved = _add(session, world, 2, buyer)
    other = make_product(session, seller=world.seller, cluster=world.cluster)
    cart = Cart(user_id=buyer.id)
    session.add(cart)
    session.flush()
    session.add_all(
        [
            CartLine(cart_id=cart.id, product_id=saved[0].id, quantity=2, variant_id=None),
            CartLine(cart_id=cart.id, product_id=other.id, quantity=1, variant_id=None),
        ]
    )
    session.commit()
    client = logged_in_as(app.test_client(), buyer)
    client.get("/clusters/batik")  # warm up
    with count_queries(reader=True) as counter:
        html = client.get("/clusters/batik").get_data(as_text=True)
    # One statement reads the user, their cart's count and their saved products (on the page
    # cache's reader, with the request's stamp: web.load_user).
    assert [s for s in counter.statements if "favourites" in s or "cart_lines" in s or "FROM users" in s] == [
        next(s for s in counter.statements if "FROM users" in s)
    ]
    assert '<span class="cart-count">3</span>' in html
    # Their saved products' hearts are drawn saved (the cards of the cluster: all three products).
    assert html.count('class="heart saved"') == len(saved), html
    assert html.count('class="heart"') == 1, html
