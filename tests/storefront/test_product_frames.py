"""The product page's own parts are rendered once per product version and kept per process
(storefront.product_page): a repeat costs the counters' read and the visitor's own reads, any change
to what the page shows is on the very next request, and nothing of one visitor reaches another."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product, ProductOption, ProductStatus, ProductVariant
from marketplace.extensions import db
from marketplace.favourites.models import Favourite
from marketplace.markets.models import ExchangeRate
from marketplace.media.storage import get_storage
from marketplace.money import Money
from marketplace.questions import services as questions
from marketplace.reviews import services as reviews
from marketplace.storefront.product_page import ProductPages, product_pages
from marketplace.types import utcnow
from tests.factories import make_label_type, make_product, make_product_label, make_user
from tests.login import logged_in_as
from tests.reviews.helpers import delivered_order
from tests.storefront.conftest import add_image

_TOKEN = re.compile(r'name="csrf_token" value="([^"]*)"')


@pytest.fixture
def app_overrides() -> dict:
    # Writes are tracked (the counters move) as outside tests; the page cache itself is turned off
    # below, so every request reaches the view (uncached pages are what this is about).
    return {"PAGE_CACHE_ENABLED": True}


@pytest.fixture
def uncached(app, monkeypatch):
    cache = app.extensions["page_cache"]
    monkeypatch.setattr(cache, "enabled", False)
    assert cache.track_writes
    return cache


def _rp(minor: int) -> str:
    return Money(minor, "IDR").format("en")


def _page(product) -> str:
    return f"/products/{product.id}-{product.slug}"


def _html(client, product, query: str = "") -> str:
    response = client.get(_page(product) + query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _masked(html: str) -> str:
    return _TOKEN.sub('name="csrf_token" value=""', html)


def test_a_repeat_does_not_render_again(app, session, world, uncached, count_queries):
    product = make_product(session, seller=world.seller, cluster=world.cluster, title_en="Batik shirt")
    add_image(session, product)
    neighbour = make_product(session, seller=world.seller, cluster=world.cluster)
    session.add(ExchangeRate(currency="USD", rate=Decimal("16000"), effective_date=date.today(), source="t"))
    session.commit()
    client = app.test_client()
    first = _html(client, product, "?lang=en")
    pages = product_pages()
    stored = pages.stored
    with count_queries(reader=True) as counter:
        again = _html(client, product, "?lang=en")
    assert pages.stored == stored  # nothing rendered again
    assert _masked(again) == _masked(first)
    # One read of the counters (the product's page, its card, the "more from" card, the catalogue),
    # which also serves as the request's stamp (today's rates are kept by it).
    seen = counter.statements
    assert len(seen) == 1 and "cache_generations" in seen[0], seen
    assert f"/products/{neighbour.id}-" in again  # "more from" came from the kept page
    # Another language or currency is another page, rendered once too.
    _html(client, product, "?lang=id")
    _html(client, product, "?lang=en&currency=USD")
    assert pages.stored == stored + 2


def test_without_write_tracking_nothing_is_kept(app, session, world, uncached, monkeypatch):
    # As in the tests' default app, where the page cache is off and does not count writes: nothing
    # would tell a kept page it is stale, so every request renders.
    monkeypatch.setattr(uncached, "track_writes", False)
    product = make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    client = app.test_client()
    _html(client, product)
    _html(client, product)
    assert len(product_pages()) == 0


def test_each_change_shows_on_the_next_request(app, session, world, uncached):
    product = make_product(
        session, seller=world.seller, cluster=world.cluster, title_en="Batik shirt", price_minor=100_000
    )
    neighbour = make_product(
        session, seller=world.seller, cluster=world.cluster, title_en="Batik scarf", price_minor=70_000
    )
    session.commit()
    client = app.test_client()
    assert _rp(100_000) in _html(client, product, "?lang=en")
    pages = product_pages()

    def shows(text: str, absent: str | None = None) -> None:
        html = _html(client, product, "?lang=en")
        assert text in html, text
        if absent:
            assert absent not in html, absent

    product.price_minor = 125_000  # price: its page counter
    session.commit()
    shows(_rp(125_000), _rp(100_000))

    session.execute(sa.update(Product).where(Product.id == product.id).values(stock=Product.stock - 3))
    session.commit()  # stock, by a bulk UPDATE as orders do: its page counter only
    shows("In stock: 7 left")

    assert "img-placeholder big" in _html(client, product, "?lang=en")
    add_image(session, product)  # a photo: the catalogue
    session.commit()
    assert "img-placeholder big" not in _html(client, product, "?lang=en")

    label_type = make_label_type(session, name_en="Batik Mark")
    make_product_label(
        session, product=product, label_type=label_type, valid_until=date.today() + timedelta(days=30)
    )
    session.commit()  # a label: the catalogue
    shows("Batik Mark")

    session.add(ProductOption(product_id=product.id, position=1, name_id="Ukuran", name_en="Size"))
    product.variants[0].value1 = "M"
    session.add(ProductVariant(product_id=product.id, position=1, value1="XL", stock=2, price_minor=140_000))
    session.commit()  # variants: its page counter
    shows("XL")
    variant = session.scalars(sa.select(ProductVariant).filter_by(product_id=product.id, value1="XL")).one()
    variant.price_minor = 150_000
    session.commit()
    shows(_rp(150_000), _rp(140_000))

    world.seller.name = "KUB Sekar Kepuh Baru"  # the seller: the catalogue
    session.commit()
    shows("KUB Sekar Kepuh Baru")

    neighbour.price_minor = 80_000  # a "more from" card: that product's card counter
    session.commit()
    shows(_rp(80_000), _rp(70_000))

    asker, owner = make_user(session), make_user(session)
    world.seller.user_id = owner.id
    session.commit()
    now = utcnow()
    question = questions.ask_question(
        session, product, asker=asker, body="Bahannya apa?", lang="id", asker_seller_ids=[], now=now
    )
    questions.answer_question(
        session, question.id, seller_ids=[world.seller.id], author=owner, answer="Katun primisima.", now=now
    )
    session.commit()  # an answer: the catalogue
    shows("Katun primisima.")
    assert pages.stored >= 9  # each change rendered the page again

    # A review (on an order's product): the catalogue.
    buyer, _owner, _order, line = delivered_order(session, units=2)
    reviewed = session.get(Product, line.product_id)
    assert "No reviews yet" in _html(client, reviewed, "?lang=en")
    assert "No reviews yet" in _html(client, reviewed, "?lang=en")  # kept
    reviews.create_review(
        session,
        line_id=line.id,
        author=buyer,
        rating=4,
        body="Warnanya bagus sekali.",
        lang="id",
        photos=[],
        storage=get_storage(app),
        now=utcnow(),
    )
    session.commit()
    html = _html(client, reviewed, "?lang=en")
    assert "No reviews yet" not in html and "Warnanya bagus sekali." in html


def test_a_change_made_by_another_process_shows(app, session, world, uncached):
    """The version is read from the shared counters, never from this process's memory: a write
    another worker made (its SQL and its counter bump, nothing in this process) shows at once."""
    product = make_product(session, seller=world.seller, cluster=world.cluster, price_minor=100_000)
    session.commit()
    client = app.test_client()
    _html(client, product, "?lang=en")
    _html(client, product, "?lang=en")
    with db.engine.begin() as conn:  # not through the session: no listener here sees it
        conn.execute(sa.text("UPDATE products SET price_minor = 90000 WHERE id = :id"), {"id": product.id})
    uncached.backend.bump_products([f"p:{product.id}", f"c:{product.id}"])  # what that worker bumps
    assert _rp(90_000) in _html(client, product, "?lang=en")


def test_a_hidden_product_is_gone_on_the_next_request(app, session, world, uncached):
    product = make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    client = app.test_client()
    _html(client, product)
    _html(client, product)
    product.status = ProductStatus.ARCHIVED
    session.commit()
    assert client.get(_page(product)).status_code == 404


def test_a_visitors_own_parts_never_reach_another(app, session, world, uncached):
    product = make_product(session, seller=world.seller, cluster=world.cluster, stock=0)
    other = make_product(session, seller=world.seller, cluster=world.cluster)
    alice, bob = make_user(session), make_user(session)
    session.add(Favourite(user_id=alice.id, product_id=product.id))
    session.commit()
    questions.ask_question(
        session,
        product,
        asker=alice,
        body="Kapan ada lagi, Bu?",
        lang="id",
        asker_seller_ids=[],
        now=utcnow(),
    )
    session.commit()
    as_alice = logged_in_as(app.test_client(), alice)
    as_bob = logged_in_as(app.test_client(), bob)
    anonymous = app.test_client()
    anonymous.get(_page(other))  # recently viewed: this visitor's own row
    pages: dict[str, str] = {}
    for _ in range(2):  # rendered, then kept
        for name, client in (("alice", as_alice), ("bob", as_bob), ("anonymous", anonymous)):
            pages[name] = _html(client, product, "?lang=en")
            tokens = set(_TOKEN.findall(pages[name]))
            assert len(tokens) == 1, name  # every form carries this visitor's own token
            pages[name + "_token"] = tokens.pop()
        alice_html, bob_html, anon_html = pages["alice"], pages["bob"], pages["anonymous"]
        assert len({pages["alice_token"], pages["bob_token"], pages["anonymous_token"]}) == 3
        assert "Kapan ada lagi, Bu?" in alice_html  # her question waits for an answer
        assert "Kapan ada lagi, Bu?" not in bob_html and "Kapan ada lagi, Bu?" not in anon_html
        saved = '<span class="heart-label">Remove from favourites</span>'
        assert saved in alice_html and saved not in bob_html and saved not in anon_html
        assert 'name="email"' in anon_html and 'name="email"' not in bob_html  # back-in-stock form
        assert "Recently viewed" in anon_html and "Recently viewed" not in bob_html
        assert "Log in to ask the maker a question" in anon_html
        assert 'name="body"' in bob_html and 'name="body"' not in anon_html  # the question form
    # This page once for the logged in and once for the anonymous, and the page visited before.
    assert product_pages().stored == 3


def test_kept_pages_are_bounded(app, session, world, uncached):
    app.extensions["product_pages"] = ProductPages(kept=2)
    products = [
        make_product(session, seller=world.seller, cluster=world.cluster, title_en=f"Mat {i}")
        for i in range(4)
    ]
    session.commit()
    client = app.test_client()
    for product in products * 2:
        assert f"Mat {products.index(product)}" in _html(client, product, "?lang=en")
    pages = product_pages()
    assert len(pages) == 2 and len(pages.counters) == 2


def test_recently_viewed_cards_are_kept_by_their_counters(app, session, world, uncached, count_queries):
    product = make_product(session, seller=world.seller, cluster=world.cluster)
    # Another desa's shop: not in "more from", so only recently viewed shows its card.
    viewed = make_product(
        session, seller=world.other_seller, cluster=world.cluster, title_en="Kopi Lanang", price_minor=60_000
    )
    session.commit()
    client = app.test_client()
    _html(client, viewed, "?lang=en")
    _html(client, product, "?lang=en")
    with count_queries(reader=True) as counter:
        html = _html(client, product, "?lang=en")
    assert "Recently viewed" in html and _rp(60_000) in html
    assert counter.count == 1, counter.statements  # the page's and the viewed card's counters, in one read

    viewed.price_minor = 65_000
    session.commit()
    html = _html(client, product, "?lang=en")
    assert _rp(65_000) in html and _rp(60_000) not in html
    viewed.status = ProductStatus.ARCHIVED
    session.commit()
    assert "Recently viewed" not in _html(client, product, "?lang=en")
