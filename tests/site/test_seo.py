"""Being found abroad: sitemap, hreflang alternates, canonical URLs, OpenGraph and JSON-LD."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # our own sitemap: trusted input

import pytest

from marketplace.catalogue.models import ProductStatus
from marketplace.seller.models import SellerStatus
from tests.factories import make_product, make_seller
from tests.storefront.conftest import World, add_image


@pytest.fixture
def app_overrides():
    return {"BABEL_DEFAULT_LOCALE": "id"}  # the production default: Indonesian URLs are the bare paths


SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


@pytest.fixture
def listed(session, world: World):
    product = make_product(
        session,
        seller=world.seller,
        cluster=world.cluster,
        title_id="Batik Tulis Gajah Oling",
        title_en="Gajah Oling hand-drawn batik",
        description_id="Kain batik tulis.",
        description_en="Hand-drawn batik cloth <b>from</b> Kabat.",
        price_minor=350_000,
        stock=4,
    )
    add_image(session, product)
    session.commit()
    return product


def _head_links(html: str) -> dict[str, str]:
    return dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))


def test_product_page_names_canonical_and_language_alternates(app, client, listed):
    path = f"/products/{listed.id}-{listed.slug}"
    html = client.get(f"{path}?lang=en").get_data(as_text=True)
    assert f'<link rel="canonical" href="http://localhost{path}?lang=en">' in html
    links = _head_links(html)
    assert links == {
        "id": f"http://localhost{path}",
        "en": f"http://localhost{path}?lang=en",
        "x-default": f"http://localhost{path}",
    }
    indonesian = app.test_client().get(path).get_data(as_text=True)  # a new visitor
    assert f'<link rel="canonical" href="http://localhost{path}">' in indonesian
    assert '<meta property="og:locale" content="id_ID">' in indonesian


def test_presentation_arguments_do_not_make_new_canonical_urls(client, listed):
    path = f"/products/{listed.id}-{listed.slug}"
    html = client.get(f"{path}?lang=en&currency=EUR&country=NL").get_data(as_text=True)
    assert f'<link rel="canonical" href="http://localhost{path}?lang=en">' in html


def test_product_json_ld_and_open_graph(client, listed):
    html = client.get(f"/products/{listed.id}-{listed.slug}?lang=en").get_data(as_text=True)
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<b>" not in block  # tojson escapes markup, so the block cannot close the script early
    data = json.loads(block)
    assert data["@type"] == "Product"
    assert data["name"] == "Gajah Oling hand-drawn batik"
    offer = data["offers"]
    assert offer["priceCurrency"] == "IDR" and offer["price"] == "350000"
    assert isinstance(offer["price"], str)
    assert offer["availability"] == "https://schema.org/InStock"
    assert data["image"][0].startswith("http://localhost/")
    assert '<meta property="og:type" content="product">' in html
    assert '<meta property="og:title" content="Gajah Oling hand-drawn batik">' in html
    assert re.search(r'<meta property="og:image" content="http://localhost/[^"]+\.webp">', html)
    assert '<meta property="product:price:currency" content="IDR">' in html


def test_out_of_stock_product_says_so_in_json_ld(client, session, listed):
    listed.stock = 0
    session.commit()
    html = client.get(f"/products/{listed.id}-{listed.slug}").get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"


def test_listing_pages_have_alternates_private_pages_do_not(client, listed, world):
    for path in ("/", f"/clusters/{world.cluster.slug}", f"/villages/{world.village.slug}"):
        html = client.get(path).get_data(as_text=True)
        assert set(_head_links(html)) == {"id", "en", "x-default"}, path
    for path in ("/cart", "/account/login", "/search?q=batik"):
        html = client.get(path).get_data(as_text=True)
        assert 'rel="canonical"' not in html and 'hreflang="x-default"' not in html, path


def test_sitemap_lists_public_pages_in_both_languages(client, session, listed, world):
    hidden = make_product(session, seller=world.seller, cluster=world.cluster, status=ProductStatus.DRAFT)
    pending = make_seller(session, village=world.other_village, status=SellerStatus.PENDING)
    session.commit()
    index = ET.fromstring(client.get("/sitemap.xml").data)  # noqa: S314
    files = [loc.text for loc in index.findall("s:sitemap/s:loc", SITEMAP_NS)]
    assert files == ["http://localhost/sitemaps/pages.xml", "http://localhost/sitemaps/products-1.xml"]

    products = client.get("/sitemaps/products-1.xml")
    assert products.mimetype == "application/xml"
    urls = ET.fromstring(products.data).findall("s:url", SITEMAP_NS)  # noqa: S314
    locs = [url.find("s:loc", SITEMAP_NS).text for url in urls]
    path = f"http://localhost/products/{listed.id}-{listed.slug}"
    assert locs == [path, f"{path}?lang=en"]
    alternates = {link.get("hreflang"): link.get("href") for link in urls[0].findall("x:link", SITEMAP_NS)}
    assert alternates == {"id": path, "en": f"{path}?lang=en", "x-default": path}
    assert urls[0].find("s:lastmod", SITEMAP_NS).text == listed.updated_at.strftime("%Y-%m-%d")
    assert f"/products/{hidden.id}-" not in products.get_data(as_text=True)

    pages = client.get("/sitemaps/pages.xml").get_data(as_text=True)
    assert "http://localhost/villages/pakistaji" in pages
    assert f"/sellers/{world.seller.slug}?lang=en" in pages
    assert f"/sellers/{pending.slug}" not in pages
    assert client.get("/sitemaps/products-2.xml").status_code == 404
    assert client.get("/sitemaps/products-0.xml").status_code == 404


def test_sitemap_query_count_does_not_grow_with_the_catalogue(client, session, world, count_queries):
    def product_file_queries() -> int:
        with count_queries() as counter:
            assert client.get("/sitemaps/products-1.xml").status_code == 200
        return counter.count

    make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    few = product_file_queries()
    for _ in range(15):
        make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    assert product_file_queries() == few


def test_robots_points_to_the_sitemap(client, app):
    assert "Sitemap: http://localhost/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)


def test_the_open_data_page_is_found_in_both_languages(client, world):
    pages = client.get("/sitemaps/pages.xml").get_data(as_text=True)
    assert "<loc>http://localhost/open-data</loc>" in pages
    assert "<loc>http://localhost/open-data?lang=en</loc>" in pages
    html = client.get("/open-data?lang=en").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/open-data?lang=en">' in html
    assert 'hreflang="id" href="http://localhost/open-data"' in html
