"""The search page as a buyer reads it: the filters on as chips, each removable; words of symbols
alone; accents; the notice naming ignored options in words; the empty page's suggestions."""

from __future__ import annotations

import html
import re

import pytest

from marketplace.storefront import search
from marketplace.storefront.search_params import SearchParams, fold_accents
from tests.factories import make_label_type, make_product, make_product_label


def text(response) -> str:
    return response.get_data(as_text=True)


def chips(page: str) -> dict[str, str]:
    """The search page's filter chips: their text (the × left out) to the address they lead to."""
    found = re.search(r'<ul class="chips active-filters"[^>]*>(.*?)</ul>', page, re.S)
    if found is None:
        return {}
    return {
        html.unescape(re.sub(r'<span class="visually-hidden">[^<]*</span>|<[^>]+>', "", body))
        .replace("×", "")
        .strip(): html.unescape(href)
        for href, body in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', found.group(1), re.S)
    }


@pytest.fixture
def catalogue(session, world):
    label_type = make_label_type(session, code="batikmark", name_id="Batikmark", name_en="Batikmark")
    batik = make_product(
        session,
        seller=world.seller,
        cluster=world.cluster,
        title_id="Kain Batik Tulis",
        title_en="Hand-drawn batik cloth",
        price_minor=350_000,
    )
    make_product_label(session, product=batik, label_type=label_type)
    make_product(
        session,
        seller=world.other_seller,
        cluster=world.other_cluster,
        title_id="Kopi Robusta",
        title_en="Robusta coffee",
        description_id="Dikemas dalam kantong bermotif batik.",
        price_minor=45_000,
    )
    session.commit()
    return batik


def test_each_filter_on_is_a_chip_that_removes_it_alone(client, catalogue):
    path = (
        "/search?q=batik&cluster=batik&village=pakistaji&label=batikmark"
        "&min_price=100.000&max_price=500.000&in_stock=1&sort=price_asc&page=2&lang=en"
    )
    found = chips(text(client.get(path)))
    assert list(found) == [
        "Cluster: Batik",
        "Village: Pakistaji",
        "Quality label: Batikmark",
        "Price: Rp\xa0100,000 to Rp\xa0500,000",
        "In stock only",
        "Clear all filters",
    ]
    # Each chip's address is the same search without that filter, from the first page.
    assert found["Cluster: Batik"] == (
        "/search?q=batik&village=pakistaji&label=batikmark&min_price=100000&max_price=500000"
        "&in_stock=1&sort=price_asc"
    )
    assert "min_price" not in found["Price: Rp\xa0100,000 to Rp\xa0500,000"]
    assert "in_stock" not in found["In stock only"]
    assert found["Clear all filters"] == "/search?q=batik"
    # Following one drops only it: the others are still on.
    after = chips(text(client.get(found["Village: Pakistaji"] + "&lang=en")))
    assert "Village: Pakistaji" not in after and "Cluster: Batik" in after and "In stock only" in after


def test_chips_are_in_the_readers_language_and_currency(client, catalogue):
    page = text(client.get("/search?cluster=agro&min_price=20.000&lang=id"))
    assert list(chips(page)) == ["Klaster: Pertanian", "Harga: mulai Rp\xa020.000", "Hapus semua filter"]
    # A screen reader hears what the chip does.
    assert '<span class="visually-hidden">Hapus filter:</span> Klaster: Pertanian' in page


def test_one_filter_has_no_clear_all_chip_and_no_filter_no_chips(client, catalogue):
    assert list(chips(text(client.get("/search?in_stock=1&lang=en")))) == ["In stock only"]
    assert chips(text(client.get("/search?q=batik&lang=en"))) == {}


def test_an_empty_result_keeps_the_chips_and_says_to_clear_filters_first(client, catalogue):
    page = text(client.get("/search?q=kain&cluster=agro&lang=en"))
    assert "No products found" in page
    assert chips(page) == {"Cluster: Farm produce": "/search?q=kain"}
    empty = page[page.index('id="empty-h"') :]
    assert empty.index("Clear the filters") < empty.index("Check the spelling")


def test_symbols_alone_say_every_product_is_shown(client, catalogue):
    page = text(client.get("/search?q=%21%40%23&lang=en"))
    assert "<h1" in page and "All products</h1>" in page
    assert "Results for" not in page
    assert "has no letters or numbers to search for, so all products are shown." in html.unescape(page)
    assert "2 products" in page
    assert "<title>All products" in page
    # The words are still in the form, as typed.
    assert 'value="!@#"' in html.unescape(page)
    assert "has no letters" not in text(client.get("/search?q=batik&lang=en"))


def test_ignored_options_are_named_in_the_readers_words(client, catalogue):
    page = html.unescape(text(client.get("/search?min_price=abc&page=x&cluster=%3Cb%3E&lang=en")))
    assert "ignored or shortened: Cluster, Lowest price, Page number." in page
    page = html.unescape(text(client.get("/search?max_price=abc&lang=id")))
    assert "diabaikan atau dipersingkat: Harga tertinggi." in page
    assert "max_price" not in page.split("diabaikan")[1].split("</p>")[0]


def test_the_empty_page_suggests_only_places_with_products(client, session, world, catalogue):
    # The world's desa both have a product; a third desa has none and must not be suggested.
    from tests.factories import make_village

    make_village(session, name="Bunder", slug="bunder", parent=world.kecamatan)
    session.commit()
    page = text(client.get("/search?q=zzzz&lang=en"))
    assert "Browse by village" in page
    empty = page[page.index('id="empty-h"') :]
    assert "/villages/pakistaji" in empty and "/villages/tambong" in empty
    assert "/villages/bunder" not in empty


def test_fold_accents():
    assert fold_accents("bátik") == "batik"
    assert fold_accents("café") == "cafe"
    assert fold_accents("kopi") == "kopi"
    assert fold_accents("¼") == "¼"  # would not be one plain word: kept


def test_a_word_with_accents_finds_and_ranks_the_plain_spelling(session, world, catalogue):
    found = search.search_products(session, SearchParams(q="bátik", sort="relevance"))
    titles = [product.title_en for product in found.items]
    # The title match first, then the product that has the word only in its description.
    assert titles == ["Hand-drawn batik cloth", "Robusta coffee"]


def test_a_word_typed_with_accents_still_finds_itself(session, world):
    make_product(session, seller=world.seller, cluster=world.cluster, title_en="Café Gandrung cups")
    session.commit()
    for q in ("café", "CAFÉ gandrung"):
        found = search.search_products(session, SearchParams(q=q, sort="relevance"))
        assert [product.title_en for product in found.items] == ["Café Gandrung cups"], q


def test_going_back_does_not_restore_the_next_pages_choices(client, catalogue):
    # A browser going back fills a form with what was chosen on it before leaving; the filter
    # form must show what its own page's results follow.
    page = text(client.get("/search?q=batik"))
    assert re.search(r'<form [^>]*class="filter-form" autocomplete="off"', page)


def test_a_range_of_one_price_reads_as_that_price(client, catalogue):
    found = chips(text(client.get("/search?min_price=45.000&max_price=45.000&lang=en")))
    assert list(found) == ["Price: Rp\xa045,000"]


# ---- listings without products -----------------------------------------------------------------


def test_a_desa_without_products_says_so_once_and_offers_no_sort(client, world):
    page = text(client.get("/villages/pakistaji?lang=en"))  # the world has no product
    assert "No products from this village yet." in page
    assert "No products found." not in page  # the listing's count line is not repeated
    assert 'class="sort-form"' not in page and "Search and filter in this village" not in page
    empty = page[page.index("No products from this village yet.") :]
    assert 'href="/search"' in empty.split("</p>")[0]


def test_a_desa_with_products_keeps_its_sort_and_search(client, catalogue):
    page = text(client.get("/villages/pakistaji?lang=en"))
    assert 'class="sort-form"' in page and "Search and filter in this village" in page
    assert "1 product" in page


@pytest.mark.parametrize(
    ("path", "empty"),
    [
        ("/clusters/batik?lang=en", "No products in this cluster yet."),
        ("/sellers/kub-sekar-kepuh?lang=en", "This maker has no products on sale right now."),
    ],
)
def test_a_cluster_or_shop_without_products_offers_a_way_on(client, world, path, empty):
    page = text(client.get(path))
    assert empty in page and "No products found." not in page and 'class="sort-form"' not in page
    assert 'href="/search"' in page[page.index(empty) :].split("</p>")[0]


def test_search_and_filter_from_a_listing_keeps_its_order(client, catalogue):
    page = text(client.get("/clusters/batik?sort=price_desc&lang=en"))
    assert 'href="/search?cluster=batik&amp;sort=price_desc">Search and filter in this cluster' in page
    page = text(client.get("/villages/pakistaji?lang=en"))
    assert 'href="/search?village=pakistaji">Search and filter in this village' in page
