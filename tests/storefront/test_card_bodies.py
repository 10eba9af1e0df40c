"""Card bodies are rendered once per content and shown fresh the moment anything on them changes."""

from __future__ import annotations

from markupsafe import Markup

from marketplace.storefront.presenters import CardBodies, card_bodies
from tests.factories import make_product
from tests.markets.conftest import make_rate
from tests.orders.helpers import hidden_field


def _cluster_page(client, path: str = "/clusters/batik") -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_listing_renders_each_card_body_once(app, client, session, world):
    for i in range(3):
        make_product(session, seller=world.seller, cluster=world.cluster, title_en=f"Sarong {i}")
    session.commit()
    with app.app_context():
        bodies = card_bodies()
    before = bodies.stored
    first = _cluster_page(client)
    assert bodies.stored == before + 3  # rendered and kept
    second = _cluster_page(client)
    assert bodies.stored == before + 3  # the same three bodies again, none rendered anew
    token = hidden_field(first, "csrf_token")
    assert second.replace(hidden_field(second, "csrf_token"), token) == first


def test_stock_price_rating_and_seller_changes_show_on_the_next_request(client, session, world):
    product = make_product(
        session,
        seller=world.seller,
        cluster=world.cluster,
        title_en="Gajah Oling sarong",
        price_minor=250_000,
    )
    session.commit()
    page = _cluster_page(client)
    assert "Rp\xa0250,000" in page and "In stock" in page

    product.stock = 0
    product.price_minor = 275_000
    product.rating_count, product.rating_sum = 2, 9
    world.seller.name = "KUB Sekar Kepuh Baru"
    session.commit()
    page = _cluster_page(client)
    assert "Out of stock" in page and "In stock" not in page
    assert "Rp\xa0275,000" in page and "Rp\xa0250,000" not in page
    assert "(2 reviews)" in page
    assert "KUB Sekar Kepuh Baru" in page


def test_each_language_and_currency_gets_its_own_body(client, session, world):
    make_rate(session, "EUR", "17300")
    make_product(
        session,
        seller=world.seller,
        cluster=world.cluster,
        title_id="Sarung",
        title_en="Sarong",
        price_minor=173_000,
    )
    session.commit()
    assert "Sarong" in _cluster_page(client, "/clusters/batik?lang=en")
    assert "Sarung" in _cluster_page(client, "/clusters/batik?lang=id")
    in_euros = _cluster_page(client, "/clusters/batik?lang=en&currency=EUR&country=NL")
    assert "€10.00" in in_euros


def test_the_least_recently_used_bodies_go_first():
    bodies = CardBodies(kept=2)
    bodies.put(("a",), Markup("A"))
    bodies.put(("b",), Markup("B"))
    assert bodies.get(("a",)) == "A"  # now the most recent
    bodies.put(("c",), Markup("C"))
    assert bodies.get(("b",)) is None
    assert bodies.get(("a",)) == "A" and bodies.get(("c",)) == "C"
    assert len(bodies) == 2
