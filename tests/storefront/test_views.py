"""Catalogue pages through the test client: content, 404s, canonical URLs, language, bad input."""

from __future__ import annotations

import pytest

from marketplace.catalogue.models import ProductStatus
from marketplace.money import Money
from marketplace.seller.models import SellerStatus
from tests.factories import make_featured, make_label_type, make_product, make_product_label, make_seller
from tests.storefront.conftest import add_image


@pytest.fixture
def batik(session, world):
    product = make_product(
        session,
        seller=world.seller,
        cluster=world.cluster,
        slug="batik-gajah-oling",
        title_id="Batik Tulis Gajah Oling",
        title_en="Hand-drawn Gajah Oling batik",
        description_id="Kain katun dibatik tangan.",
        description_en="Cotton cloth, batik drawn by hand.",
        price_minor=350_000,
        stock=4,
        exportable=True,
        hs_code="5208.52",
    )
    add_image(session, product)
    label_type = make_label_type(session, code="batikmark", name_id="Batikmark", name_en="Batikmark")
    make_product_label(session, product=product, label_type=label_type, certificate_number="BMI-0042")
    session.commit()
    return product


def text(response) -> str:
    return response.get_data(as_text=True)


# Tests read English (tests/conftest.py); money is formatted the way the page formats it.
PRICE_EN = Money(350_000, "IDR").format("en")
PRICE_ID = Money(350_000, "IDR").format("id")


def test_home_shows_featured_clusters_villages_newest(client, session, world, batik):
    featured = make_product(
        session,
        seller=world.other_seller,
        cluster=world.other_cluster,
        title_id="Kopi Lereng Ijen",
        title_en="Ijen slope coffee",
    )
    make_featured(session, product=featured, headline_id="Pilihan kurator", headline_en="Curators choose")
    session.commit()
    response = client.get("/")
    assert response.status_code == 200
    html = text(response)
    assert '<html lang="en">' in html
    assert "Curators choose" in html and "Ijen slope coffee" in html
    assert "Hand-drawn Gajah Oling batik" in html
    assert 'href="/clusters/batik"' in html and 'href="/villages/pakistaji"' in html
    assert PRICE_EN in html
    # Featured take the first row (eager images); newest are below the fold.
    assert 'loading="lazy"' in html
    assert 'srcset="/media/products/testimg' in html and 'width="640" height="480"' in html


def test_home_without_products(client, world):
    response = client.get("/")
    assert response.status_code == 200
    assert "No products yet" in text(response)


def test_cluster_page(client, session, world, batik):
    make_product(
        session,
        seller=world.other_seller,
        cluster=world.other_cluster,
        title_id="Beras merah",
        title_en="Red rice",
    )
    session.commit()
    response = client.get("/clusters/batik")
    assert response.status_code == 200
    html = text(response)
    assert "Hand-drawn Gajah Oling batik" in html and "Red rice" not in html


def test_village_page_story_sellers_products(client, session, world, batik):
    hidden = make_seller(session, village=world.village, name="Belum Disetujui", status=SellerStatus.PENDING)
    make_product(
        session,
        seller=hidden,
        cluster=world.cluster,
        title_id="Produk tersembunyi",
        title_en="Hidden product",
    )
    session.commit()
    html = text(client.get("/villages/pakistaji"))
    assert "A village of hand-drawn batik." in html
    assert "KUB Sekar Kepuh" in html and "Hand-drawn Gajah Oling batik" in html
    assert "Belum Disetujui" not in html and "Hidden product" not in html


def test_seller_page(client, session, world, batik):
    response = client.get("/sellers/kub-sekar-kepuh")
    assert response.status_code == 200
    html = text(response)
    assert "We have made batik since 1990." in html and "Hand-drawn Gajah Oling batik" in html


def test_product_page(client, batik):
    response = client.get(f"/products/{batik.id}-batik-gajah-oling")
    assert response.status_code == 200
    html = text(response)
    for expected in (
        "Hand-drawn Gajah Oling batik",
        "Cotton cloth, batik drawn by hand.",
        PRICE_EN,
        "KUB Sekar Kepuh",
        "Pakistaji",
        "Batikmark",
        "BMI-0042",
        "5208.52",
        'rel="canonical"',
    ):
        assert expected in html, expected
    # The main photo is above the fold: not lazy.
    assert 'class="main-img"' in html and 'class="main-img" src' in html
    main_img = html.split('class="main-img"', 1)[1].split(">", 1)[0]
    assert 'loading="lazy"' not in main_img and 'decoding="async"' in main_img


def test_product_without_image_shows_placeholder(client, session, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster, slug="tanpa-foto")
    session.commit()
    html = text(client.get(f"/products/{product.id}-tanpa-foto"))
    assert "img-placeholder" in html and "<img" not in html


@pytest.mark.parametrize("suffix", ["", "-wrong-slug", "-batik"])
def test_product_redirects_to_canonical_url(client, batik, suffix):
    response = client.get(f"/products/{batik.id}{suffix}?lang=en")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/products/{batik.id}-batik-gajah-oling?lang=en"


@pytest.mark.parametrize(
    "path",
    [
        "/clusters/nope",
        "/villages/nope",
        "/villages/kabat",
        "/sellers/nope",
        "/products/999999",
        "/products/999999-x",
        "/products/99999999999999999999",
        "/products/2147483648-x",
        "/products/0",
        "/products/abc",
        "/no/such/page",
    ],
)
def test_unknown_things_are_404_pages(client, world, path):
    response = client.get(path)
    assert response.status_code == 404
    html = text(response)
    assert "Page not found" in html or "not found" in html
    assert "<html" in html and "Back to the home page" in html


def test_hidden_product_and_seller_are_404(client, session, world):
    draft = make_product(session, seller=world.seller, cluster=world.cluster, status=ProductStatus.DRAFT)
    pending = make_seller(session, village=world.village, status=SellerStatus.PENDING)
    session.commit()
    assert client.get(f"/products/{draft.id}").status_code == 404
    assert client.get(f"/sellers/{pending.slug}").status_code == 404


def test_language_links_keep_path_and_query(client, world):
    html = text(client.get("/search?q=kopi&in_stock=1&lang=en"))
    assert 'href="/search?q=kopi&amp;in_stock=1&amp;lang=id"' in html
    assert 'href="/search?q=kopi&amp;in_stock=1&amp;lang=en"' in html


def test_language_links_never_leave_the_site(client, world):
    html = text(client.get("//evil.example/x"))
    assert 'href="//evil' not in html


def test_search_page_results_and_filters(client, session, world, batik):
    make_product(
        session,
        seller=world.other_seller,
        cluster=world.other_cluster,
        title_id="Kopi robusta",
        title_en="Robusta coffee",
    )
    session.commit()
    html = text(client.get("/search?q=gajah"))
    assert "Hand-drawn Gajah Oling batik" in html and "Robusta coffee" not in html
    html = text(client.get("/search?cluster=agro"))
    assert "Robusta coffee" in html and "Hand-drawn Gajah Oling batik" not in html
    assert '<option value="agro" selected>' in html
    html = text(client.get("/search?label=batikmark&in_stock=1"))
    assert "Hand-drawn Gajah Oling batik" in html and "Robusta coffee" not in html


def test_search_empty_state_helps(client, world, batik):
    html = text(client.get("/search?q=zzzzqqq&cluster=batik"))
    assert "No products found" in html
    assert "Clear the filters" in html and 'href="/search?q=zzzzqqq"' in html
    assert 'href="/clusters/batik"' in html and 'href="/villages/pakistaji"' in html


def test_search_pagination_links(client, session, world):
    for _ in range(3):
        make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    html = text(client.get("/search?per_page=2&q=produk"))
    assert 'href="/search?q=produk&amp;page=2&amp;per_page=2" rel="next"' in html
    html = text(client.get("/search?per_page=2&q=produk&page=2"))
    assert 'rel="prev"' in html and 'rel="next"' not in html


def test_unknown_filter_value_is_ignored_with_a_message(client, world, batik):
    html = text(client.get("/search?cluster=atlantis"))
    assert "were ignored" in html and "Hand-drawn Gajah Oling batik" in html


BAD_INPUT = [
    "page=-1",
    "page=abc",
    "page=99999999999999999999",
    "min_price=abc",
    "max_price=abc",
    "min_price=-1",
    "sort=anything",
    "in_stock=maybe",
    "cluster=%3Cb%3E",
    "village=%27%20OR%201%3D1",
    "label=%3Cscript%3E",
    "per_page=abc",
    "q=" + "x" * 5000,
    "q=%27%20OR%201%3D1%20--",
    "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "q=%22batik",
    "q=batik*%20NEAR",
]


@pytest.mark.parametrize(
    "path", ["/search", "/clusters/batik", "/villages/pakistaji", "/sellers/kub-sekar-kepuh", "/"]
)
def test_bad_input_never_breaks_a_page(client, world, batik, path):
    for query in BAD_INPUT:
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200, query
        html = text(response)
        assert "<script>alert(1)</script>" not in html, query
        assert "<b>" not in html, query


def test_bad_input_on_product_page(client, batik):
    for query in BAD_INPUT:
        response = client.get(f"/products/{batik.id}-batik-gajah-oling?{query}")
        assert response.status_code == 200, query
        assert "<script>alert(1)</script>" not in text(response), query


@pytest.mark.parametrize(
    "query", ["page=-1", "page=abc", "min_price=abc", "sort=anything", "q=" + "x" * 5000]
)
def test_bad_value_is_reported(client, world, query):
    html = text(client.get(f"/search?{query}"))
    assert "were not valid and were ignored or shortened" in html
    html = text(client.get("/search?page=2"))
    assert "were not valid" not in html


def test_script_in_query_is_escaped(client, world, batik):
    html = text(client.get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_sql_in_query_does_not_match_everything(client, world, batik):
    html = text(client.get("/search?q=%27%20OR%201%3D1%20--"))
    assert "Hand-drawn Gajah Oling batik" not in html and "No products found" in html


def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and "Disallow: /account/" in text(response)


def test_not_found_page_in_english(client, world):
    response = client.get("/clusters/nope?lang=en")
    assert response.status_code == 404 and '<html lang="en">' in text(response)


class TestIndonesianDefault:
    """Without a choice the site is Indonesian (the real default); ?lang=en switches and is remembered."""

    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"BABEL_DEFAULT_LOCALE": "id"}

    def test_home_is_indonesian_by_default(self, client, session, world, batik):
        featured = make_product(
            session,
            seller=world.other_seller,
            cluster=world.other_cluster,
            title_id="Kopi Lereng Ijen",
            title_en="Ijen slope coffee",
        )
        make_featured(session, product=featured, headline_id="Pilihan kurator", headline_en="Curator's pick")
        session.commit()
        html = text(client.get("/"))
        assert '<html lang="id">' in html
        assert "Pilihan kurator" in html and "Kopi Lereng Ijen" in html and "Ijen slope coffee" not in html
        assert "Batik Tulis Gajah Oling" in html and PRICE_ID in html and PRICE_EN not in html

    def test_village_seller_and_product_pages_in_indonesian(self, client, batik):
        html = text(client.get("/villages/pakistaji"))
        assert "Desa batik tulis di Dusun Kepuh." in html and "Batik Tulis Gajah Oling" in html
        html = text(client.get("/sellers/kub-sekar-kepuh"))
        assert "Kami membatik sejak 1990." in html and "Batik Tulis Gajah Oling" in html
        html = text(client.get(f"/products/{batik.id}-batik-gajah-oling"))
        assert "Batik Tulis Gajah Oling" in html and "Kain katun dibatik tangan." in html and PRICE_ID in html
        html = text(client.get("/search?q=gajah"))
        assert "Batik Tulis Gajah Oling" in html

    def test_language_switch_is_remembered(self, client, batik):
        html = text(client.get(f"/products/{batik.id}-batik-gajah-oling"))
        assert '<html lang="id">' in html and "Batik Tulis Gajah Oling" in html
        response = client.get(f"/products/{batik.id}-batik-gajah-oling?lang=en")
        assert "lang=en" in response.headers.get("Set-Cookie", "")
        html = text(response)
        assert '<html lang="en">' in html and "Hand-drawn Gajah Oling batik" in html
        # No ?lang= now: the cookie keeps English.
        html = text(client.get(f"/products/{batik.id}-batik-gajah-oling"))
        assert '<html lang="en">' in html and "Cotton cloth, batik drawn by hand." in html
        html = text(client.get("/?lang=id"))
        assert '<html lang="id">' in html

    @pytest.mark.own_app  # adds a route
    def test_server_error_page_in_both_languages(self, app, client):
        def boom():
            raise RuntimeError("kaboom")

        app.add_url_rule("/boom-for-test", view_func=boom)
        response = client.get("/boom-for-test")
        assert response.status_code == 500
        html = text(response)
        # "Something went wrong" in the Indonesian catalogue.
        assert "Terjadi kesalahan" in html and "kaboom" not in html and '<html lang="id">' in html
        response = client.get("/boom-for-test?lang=en")
        html = text(response)
        assert response.status_code == 500 and '<html lang="en">' in html and "Something went wrong" in html
