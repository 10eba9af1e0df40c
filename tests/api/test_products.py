"""GET /api/v1/products and /api/v1/products/<id>: content, visibility, filters, pages, headers."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product, ProductStatus
from marketplace.labels.models import LabelStatus
from marketplace.types import utcnow
from tests.api.conftest import add_image, error_of, minutes_ago
from tests.factories import make_label_type, make_product, make_product_label


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.data[:300]
    return [item["id"] for item in response.get_json()["items"]]


def test_product_object_carries_everything_a_client_needs(client, session, world, halal):
    product = make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Batik tulis Gajah Oling",
        title_en="Hand-drawn Gajah Oling batik", description_id="Kain katun.", description_en="Cotton cloth.",
        price_minor=1_250_000, stock=3, exportable=True, hs_code="5208.52", weight_grams=400,
        length_mm=2000, width_mm=1150, height_mm=5, processing_days=14,
    )  # fmt: skip
    add_image(session, product, width=1200, height=900)
    make_product_label(session, product=product, label_type=halal, certificate_number="ID35110000123")
    session.commit()

    response = client.get(f"/api/v1/products/{product.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["id"] == product.id
    assert body["url"] == f"http://localhost/products/{product.id}-{product.slug}"
    assert body["api_url"] == f"http://localhost/api/v1/products/{product.id}"
    assert body["title"] == "Batik tulis Gajah Oling"  # Indonesian by default
    assert (body["title_id"], body["title_en"]) == ("Batik tulis Gajah Oling", "Hand-drawn Gajah Oling batik")
    assert body["description"] == "Kain katun."
    assert body["price"] == 1_250_000 and isinstance(body["price"], int)
    assert body["currency"] == "IDR"
    assert body["price_display"] == "Rp\u00a01.250.000"
    assert (body["stock"], body["in_stock"]) == (3, True)
    assert (body["exportable"], body["hs_code"], body["weight_grams"]) == (True, "5208.52", 400)
    assert body["dimensions_mm"] == {"length": 2000, "width": 1150, "height": 5}
    assert body["processing_days"] == 14
    assert body["village"] == {
        "slug": "pakistaji", "name": "Pakistaji", "url": "http://localhost/villages/pakistaji",
    }  # fmt: skip
    assert body["cluster"] == {"slug": "batik", "name": "Batik", "url": "http://localhost/clusters/batik"}
    assert body["seller"] == {
        "slug": "kub-sekar-kepuh", "name": "KUB Sekar Kepuh", "url": "http://localhost/sellers/kub-sekar-kepuh",
    }  # fmt: skip
    assert body["labels"] == [
        {
            "code": "halal",
            "name": "Halal",
            "issuer": "BPJPH",
            "certificate_number": "ID35110000123",
            "valid_until": product.labels[0].valid_until.isoformat(),
        }
    ]
    [image] = body["images"]
    assert (image["width"], image["height"]) == (1200, 900)
    assert image["url"].startswith("http://localhost/media/products/") and image["url"].endswith("-1200.webp")
    assert [(r["width"], r["height"]) for r in image["renditions"]] == [(320, 240), (640, 480), (1200, 900)]
    assert all(r["url"].startswith("http://localhost/media/") for r in image["renditions"])
    assert image["alt"] == "Foto produk"
    assert body["published_at"].endswith("Z")


def test_lang_en_gives_english_text_and_falls_back_to_indonesian(client, session, world):
    english = make_product(
        session, seller=world.seller, cluster=world.other_cluster, title_en="Robusta coffee"
    )
    untranslated = make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Sagon", title_en=""
    )
    session.commit()

    body = client.get(f"/api/v1/products/{english.id}?lang=en").get_json()
    assert body["title"] == "Robusta coffee"
    assert body["cluster"]["name"] == "Farm produce"
    assert body["price_display"] == "Rp\u00a050,000"
    body = client.get(f"/api/v1/products/{untranslated.id}?lang=en").get_json()
    assert (body["title"], body["title_en"]) == ("Sagon", None)
    assert client.get(f"/api/v1/products/{english.id}").get_json()["cluster"]["name"] == "Pertanian"


def test_lang_does_not_set_a_cookie(client, session, world):
    product = make_product(session, seller=world.seller)
    session.commit()
    response = client.get(f"/api/v1/products/{product.id}?lang=en")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_only_public_products_are_listed_or_found(client, session, world):
    public = make_product(session, seller=world.seller, cluster=world.cluster)
    hidden = [
        make_product(session, seller=world.seller, status=ProductStatus.DRAFT),
        make_product(session, seller=world.seller, status=ProductStatus.PENDING_REVIEW),
        make_product(session, seller=world.seller, status=ProductStatus.ARCHIVED),
        make_product(session, seller=world.pending_seller),
        make_product(session, seller=world.suspended_seller),
    ]
    session.commit()

    response = client.get("/api/v1/products")
    assert _ids(response) == [public.id]
    assert response.get_json()["total"] == 1
    assert client.get(f"/api/v1/products/{public.id}").status_code == 200
    for product in hidden:
        response = client.get(f"/api/v1/products/{product.id}")
        assert response.status_code == 404, product.status
        assert error_of(response)["status"] == 404
    # The village and cluster counts agree.
    villages = {v["slug"]: v["product_count"] for v in client.get("/api/v1/villages").get_json()["items"]}
    assert villages["pakistaji"] == 1


def test_only_verified_unexpired_labels_are_shown(client, session, world, halal):
    product = make_product(session, seller=world.seller)
    today = utcnow().date()
    make_product_label(session, product=product, label_type=halal, certificate_number="SHOWN")
    for code, status, valid_until in (
        ("requested", LabelStatus.REQUESTED, None),
        ("rejected", LabelStatus.REJECTED, None),
        ("expired", LabelStatus.VERIFIED, today - timedelta(days=2)),
    ):
        make_product_label(
            session,
            product=product,
            label_type=make_label_type(session, code=code),
            status=status,
            valid_until=valid_until,
        )
    session.commit()

    detail = client.get(f"/api/v1/products/{product.id}").get_json()
    listed = client.get("/api/v1/products").get_json()["items"][0]
    assert [label["certificate_number"] for label in detail["labels"]] == ["SHOWN"]
    assert listed["labels"] == detail["labels"]
    # Filtering by a hidden label finds nothing (but the label code exists, so it is not a 400).
    assert _ids(client.get("/api/v1/products?label=expired")) == []
    assert _ids(client.get("/api/v1/products?label=halal")) == [product.id]


@pytest.mark.parametrize("path", ["abc", "-1", "0", "1.5", "99999999", "9" * 40, "%00"])
def test_unknown_or_malformed_ids_are_json_404(client, session, world, path):
    make_product(session, seller=world.seller)
    session.commit()
    response = client.get(f"/api/v1/products/{path}")
    assert response.status_code == 404
    assert error_of(response)["message"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_filters_match_the_search_page(client, session, world, halal):
    batik = make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Batik tulis kopi pecah",
        title_en="Coffee-bean batik", price_minor=750_000, stock=0, published_at=minutes_ago(1),
    )  # fmt: skip
    coffee = make_product(
        session, seller=world.other_seller, cluster=world.other_cluster, title_id="Kopi robusta",
        title_en="Robusta coffee", price_minor=45_000, stock=20, published_at=minutes_ago(2),
    )  # fmt: skip
    cheap = make_product(
        session, seller=world.seller, cluster=world.other_cluster, title_id="Rengginang",
        title_en="Rice crackers", price_minor=15_000, stock=5, published_at=minutes_ago(3),
    )  # fmt: skip
    make_product_label(session, product=coffee, label_type=halal)
    session.commit()

    assert _ids(client.get("/api/v1/products")) == [batik.id, coffee.id, cheap.id]
    assert sorted(_ids(client.get("/api/v1/products?q=kopi"))) == sorted([coffee.id, batik.id])
    assert _ids(client.get("/api/v1/products?q=robusta")) == [coffee.id]
    assert _ids(client.get("/api/v1/products?q=rice+crackers")) == [cheap.id]  # English words too
    assert _ids(client.get("/api/v1/products?cluster=batik")) == [batik.id]
    assert _ids(client.get("/api/v1/products?village=tambong")) == [coffee.id]
    assert _ids(client.get("/api/v1/products?seller=kub-sekar-kepuh")) == [batik.id, cheap.id]
    assert _ids(client.get("/api/v1/products?label=halal")) == [coffee.id]
    assert _ids(client.get("/api/v1/products?min_price=20000&max_price=100000")) == [coffee.id]
    assert _ids(client.get("/api/v1/products?min_price=45000")) == [batik.id, coffee.id]
    assert _ids(client.get("/api/v1/products?max_price=45000")) == [coffee.id, cheap.id]
    assert _ids(client.get("/api/v1/products?in_stock=true")) == [coffee.id, cheap.id]
    assert _ids(client.get("/api/v1/products?in_stock=0")) == [batik.id, coffee.id, cheap.id]
    assert _ids(client.get("/api/v1/products?sort=price_asc")) == [cheap.id, coffee.id, batik.id]
    assert _ids(client.get("/api/v1/products?sort=price_desc")) == [batik.id, coffee.id, cheap.id]
    assert _ids(client.get("/api/v1/products?sort=newest&q=kopi")) == [batik.id, coffee.id]
    assert _ids(client.get("/api/v1/products?q=kopi&cluster=agro&in_stock=1&label=halal")) == [coffee.id]
    assert _ids(client.get("/api/v1/products?q=nothingmatchesthis")) == []


def test_pages_link_to_each_other_and_keep_the_filters(client, session, world):
    products = [
        make_product(session, seller=world.seller, cluster=world.cluster, price_minor=10_000 + i)
        for i in range(5)
    ]
    make_product(session, seller=world.other_seller, cluster=world.other_cluster)  # filtered out
    session.commit()

    body = client.get("/api/v1/products?cluster=batik&sort=price_asc&per_page=2&lang=en").get_json()
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 2, 5, 3)
    assert body["prev"] is None
    seen = [item["id"] for item in body["items"]]
    while body["next"]:
        url = urlsplit(body["next"])
        assert url.scheme == "http" and url.netloc == "localhost" and url.path == "/api/v1/products"
        query = parse_qs(url.query)
        assert query["cluster"] == ["batik"] and query["per_page"] == ["2"] and query["lang"] == ["en"]
        body = client.get(f"{url.path}?{url.query}").get_json()
        assert body["prev"]
        seen.extend(item["id"] for item in body["items"])
    assert seen == [p.id for p in products]
    assert body["page"] == 3 and body["next"] is None

    big = client.get("/api/v1/products?per_page=100").get_json()
    assert big["per_page"] == 100 and len(big["items"]) == 6 and big["next"] is None


def test_an_empty_catalogue_is_one_empty_page(client, world):
    body = client.get("/api/v1/products").get_json()
    assert body == {
        "items": [], "page": 1, "per_page": 24, "total": 0, "total_capped": False, "pages": 1,
        "next": None, "prev": None,
    }  # fmt: skip


@pytest.mark.parametrize("query", ["", "&q=batik", "&q=batik&sort=price_asc", "&cluster=batik"])
def test_a_page_past_the_last_is_404(client, session, world, query):
    make_product(session, seller=world.seller, cluster=world.cluster, title_id="Batik tulis")
    session.commit()
    assert client.get(f"/api/v1/products?page=1{query}").get_json()["total"] == 1
    response = client.get(f"/api/v1/products?page=2{query}")
    assert response.status_code == 404
    assert "2" in error_of(response)["message"]


@pytest.mark.parametrize("path", ["/api/v1/products", "/api/v1/villages", "/api/v1/clusters"])
def test_listings_are_public_and_cacheable(client, session, world, path):
    product = make_product(session, seller=world.seller)
    session.commit()
    for url in (path, f"/api/v1/products/{product.id}", "/api/v1/openapi.json"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=60"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.mimetype == "application/json"


def test_errors_are_not_cached(client, world):
    for url in ("/api/v1/products?page=abc", "/api/v1/products/987654321", "/api/v1/nothing-here"):
        response = client.get(url)
        assert response.status_code in (400, 404)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        error_of(response)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize(
    "path", ["/api/v1/products", "/api/v1/products/1", "/api/v1/villages", "/api/v1/clusters"]
)
def test_other_methods_are_json_405(client, session, world, method, path):
    make_product(session, seller=world.seller)
    session.commit()
    response = getattr(client, method)(path, json={"title_id": "x"})
    assert response.status_code == 405
    error_of(response)
    assert "GET" in response.headers["Allow"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert session.scalar(sa.select(sa.func.count()).select_from(Product)) == 1


def test_head_and_options_work(client, world):
    head = client.head("/api/v1/products")
    assert head.status_code == 200 and head.data == b""
    options = client.options("/api/v1/products")
    assert options.status_code == 200
    assert options.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in options.headers["Access-Control-Allow-Methods"]


def _fill(session, world, halal, count: int) -> None:
    for i in range(count):
        seller = world.seller if i % 2 else world.other_seller
        product = make_product(
            session,
            seller=seller,
            cluster=world.cluster if i % 3 else world.other_cluster,
            title_id=f"Batik kopi {i}",
            published_at=minutes_ago(i),
        )
        add_image(session, product)
        add_image(session, product, position=1)
        make_product_label(session, product=product, label_type=halal)
    session.commit()


def _query_counts(client, count_queries, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        client.get(url)  # warm up first-use work
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200, (url, response.data[:300])
        counts[url] = counter.count
    return counts


def test_queries_per_request_do_not_grow_with_the_catalogue(client, session, world, halal, count_queries):
    _fill(session, world, halal, 5)
    first_id = session.scalar(sa.select(sa.func.min(Product.id)))
    urls = [
        "/api/v1/products?per_page=100",
        "/api/v1/products?q=batik&cluster=batik&village=pakistaji&seller=kub-sekar-kepuh&label=halal"
        "&min_price=1&max_price=100000000&in_stock=1&sort=price_asc&per_page=100&lang=en",
        f"/api/v1/products/{first_id}",
        "/api/v1/villages",
        "/api/v1/clusters",
    ]
    small = _query_counts(client, count_queries, urls)
    _fill(session, world, halal, 60)
    large = _query_counts(client, count_queries, urls)
    assert large == small
    assert client.get(urls[0]).get_json()["total"] == 65
    assert max(small.values()) <= 7, small  # +1 since variants: the page's options and variants


def test_unknown_filters_cost_a_bounded_number_of_lookups(client, session, world, halal, count_queries):
    _fill(session, world, halal, 5)
    url = (
        "/api/v1/products?cluster=batik&village=pakistaji&seller=kub-sekar-kepuh&label=halal"
        "&min_price=999999999"
    )
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200 and response.get_json()["items"] == []
    small = counter.count
    _fill(session, world, halal, 60)
    with count_queries() as counter:
        client.get(url)
    assert counter.count == small <= 10
