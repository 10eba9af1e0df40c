"""Storefront pages in rupiah stay in Latin-1: the typographic punctuation of our templates and
translations (“ ” … – ›, the hearts' ♡) is written as character references, so a page is joined and
encoded at one byte a character (marketplace/html_refs.py). Content keeps its own characters."""

from __future__ import annotations

import html

import pytest
from markupsafe import Markup

from marketplace.html_refs import latin1_html, latin1_text
from tests.factories import make_cluster, make_product, make_seller, make_user, make_village


def test_punctuation_becomes_references_and_content_stays():
    written = latin1_html("Simpan “Kopi” – 1…24 › €5 · é")
    assert written == "Simpan &#8220;Kopi&#8221; &#8211; 1&#8230;24 &#8250; €5 · é"
    assert latin1_html("plain ascii") == "plain ascii"
    assert isinstance(latin1_html(Markup("<b>“x”</b>")), Markup)
    assert latin1_text("<“x” & €>") == "&lt;&#8220;x&#8221; &amp; €&gt;"
    assert isinstance(latin1_text("x"), Markup)


def test_script_and_style_text_is_left_as_written():
    page = (
        '<p>“a”</p><script type="application/ld+json">{"n": "“b”"}</script>'
        '<style>q::before{content:"“"}</style><p>…</p>'
    )
    assert latin1_html(page) == (
        '<p>&#8220;a&#8221;</p><script type="application/ld+json">{"n": "“b”"}</script>'
        '<style>q::before{content:"“"}</style><p>&#8230;</p>'
    )
    # An element cut open (its end in another piece): nothing is changed.
    assert latin1_html("<script>var s = '“';") == "<script>var s = '“';"


@pytest.fixture
def shop(session):
    village = make_village(session, name="Tambong", slug="tambong")
    cluster = make_cluster(session, slug="kerajinan", name_id="Kerajinan", name_en="Handicraft")
    seller = make_seller(session, user_id=make_user(session).id, village=village)
    for n in range(30):  # two pages: the pager's gap (…) and the summary's range (1–24) show
        make_product(session, seller=seller, cluster=cluster, title_en=f"Bamboo lamp {n}")
    session.commit()
    return seller, cluster


@pytest.mark.parametrize("lang", ["id", "en"])
def test_listing_product_and_search_pages_are_latin1(client, shop, lang):
    seller, _cluster = shop
    product = seller.products[0]
    paths = [
        "/",
        "/clusters/kerajinan",
        "/clusters/kerajinan?page=2",
        f"/products/{product.id}-{product.slug}",
        "/search?q=lamp",
        "/villages/tambong",
    ]
    for path in paths:
        response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        wide = sorted({ch for ch in page if ord(ch) > 0xFF})
        assert not wide, f"{path}: {wide}"
        assert "&#8220;" in page or path == "/villages/tambong", path  # the hearts' names are there
    # What a reader gets is the punctuation itself.
    page = client.get(f"/clusters/kerajinan?lang={lang}").get_data(as_text=True)
    assert "“" in html.unescape(page) and "›" in html.unescape(page)
