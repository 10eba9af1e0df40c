"""What a first-time buyer on a phone tripped over (walked 2026-12-08 at 360 px, 400 kbit/s): a price
typed as people say it ("100rb", "1 jt"), a refused price explained, and a question to the maker
from a visitor who has no account yet."""

from __future__ import annotations

import html

import pytest

from marketplace.storefront.search_params import parse_search_params
from tests.factories import make_product


@pytest.mark.parametrize(
    ("typed", "rupiah"),
    [("100rb", 100_000), ("100 ribu", 100_000), ("1 jt", 1_000_000), ("1,5jt", 1_500_000),
     ("Rp 2 juta", 2_000_000), ("75k", 75_000), ("50.000", 50_000)],
)  # fmt: skip
def test_a_rupiah_price_with_a_scale_word_is_read(typed, rupiah):
    params = parse_search_params({"max_price": typed})
    assert (params.max_price, params.ignored) == (rupiah, ())


@pytest.mark.parametrize("typed", ["sejuta", "1,255jt", "1.5.0 rb"])
def test_a_price_that_cannot_be_read_is_still_ignored(typed):
    params = parse_search_params({"max_price": typed})
    assert (params.max_price, params.ignored) == (None, ("max_price",))


def test_a_refused_price_says_how_to_write_one(client, session):
    make_product(session, title_id="Kain Batik Tulis", price_minor=250_000)
    session.commit()
    page = html.unescape(client.get("/search?q=batik&max_price=sejuta&lang=id").get_data(as_text=True))
    assert "Tulis harga dengan angka, misalnya 50.000 atau 1.000.000." in page
    page = html.unescape(client.get("/search?q=batik&max_price=a+lot&lang=en").get_data(as_text=True))
    assert "Write prices in figures, e.g. 50,000 or 1,000,000." in page
    assert "Write prices in figures" not in client.get("/search?q=batik&sort=nope&lang=en").get_data(
        as_text=True
    )


def test_the_range_typed_with_scale_words_finds_the_products_in_it(client, session):
    make_product(session, title_id="Kain Batik Tulis", title_en="Batik cloth", price_minor=850_000)
    make_product(session, title_id="Dompet Batik", title_en="Batik purse", price_minor=35_000)
    session.commit()
    page = client.get("/search?q=batik&min_price=100rb&max_price=1+jt&lang=en").get_data(as_text=True)
    assert "Batik cloth" in page and "Batik purse" not in page


def test_a_visitor_without_an_account_can_create_one_to_ask_the_maker(client, session):
    product = make_product(session)
    session.commit()
    page = html.unescape(client.get(f"/products/{product.id}-{product.slug}?lang=id").get_data(as_text=True))
    assert f'href="/account/login?next=/products/{product.id}/questions"' in page
    assert f'href="/account/register?next=/products/{product.id}/questions">Buat akun</a>' in page
