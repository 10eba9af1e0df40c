"""The API's root answers with its links, and /open-data explains the open data to people."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_product


@pytest.fixture
def product(session, world):
    found = make_product(session, seller=world.seller, cluster=world.cluster, title_id="Batik tulis")
    session.commit()
    return found


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1"])
def test_the_api_root_lists_its_endpoints_and_documents(client, product, path):
    response = client.get(path)  # not redirected: a client may not follow
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    body = response.get_json()
    assert body["openapi"] == "http://localhost/api/v1/openapi.json"
    assert body["documentation"] == "http://localhost/open-data"
    assert body["endpoints"]["product"] == "http://localhost/api/v1/products/{id}"
    links = [body["openapi"], body["documentation"], *body["endpoints"].values()]
    for link in links:
        url = link.removeprefix("http://localhost").replace("{id}", str(product.id))
        assert client.get(url).status_code == 200, url


def test_the_api_root_refuses_writes_in_json(client, world):
    response = client.post("/api/v1/")
    assert response.status_code == 405 and response.get_json()["error"]["status"] == 405


@pytest.mark.parametrize(
    ("lang", "heading", "footer"),
    [("id", "Data terbuka", "Data terbuka (API)"), ("en", "Open data", "Open data (API)")],
)
def test_the_open_data_page_explains_the_api_with_working_examples(client, product, lang, heading, footer):
    response = client.get(f"/open-data?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in html and f"<h1>{heading}</h1>" in html
    assert f'<a href="/open-data">{footer}</a>' in html  # the footer of every page links here
    for path in ("/api/v1/products", "/api/v1/products/{id}", "/api/v1/villages", "/api/v1/clusters"):
        assert f"<code>GET {path}</code>" in html
    for name in (
        "q",
        "cluster, village, seller",
        "min_price, max_price",
        "page, per_page",
        "lang",
        "currency",
    ):
        assert f"<dt><code>{name}</code></dt>" in html
    examples = re.findall(r'<a href="(/api/v1/[^"]*)"', html)
    assert examples == [
        "/api/v1/products?lang=en",
        f"/api/v1/products/{product.id}",
        "/api/v1/villages",
        "/api/v1/clusters",
        "/api/v1/openapi.json",
        "/api/v1/",
    ]
    for url in examples:
        answer = client.get(url.replace("&amp;", "&"))
        assert answer.status_code == 200 and answer.mimetype == "application/json", url


def test_without_public_products_the_single_product_example_is_left_out(client, world):
    html = client.get("/open-data").get_data(as_text=True)
    assert "<code>GET /api/v1/products/{id}</code>" in html
    assert not re.search(r'href="/api/v1/products/[0-9]', html)


def test_every_page_links_to_the_open_data_page_not_the_raw_document(client, world):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/open-data"' in html and 'href="/api/v1/openapi.json"' not in html


@pytest.mark.parametrize(
    ("lang", "phrases"),
    [
        (
            "en",
            (
                "Without it: relevance (best match) when q has words, newest otherwise.",
                "next and prev, the addresses of the neighbouring pages (null at either end)",
                "A malformed parameter is answered with 400",
                "Price range in whole rupiah, whatever currency is asked for.",
            ),
        ),
        ("id", ("bila q berisi kata, selain itu newest", "dijawab dengan 400", "apa pun currency")),
    ],
)
def test_the_open_data_page_says_the_default_order_the_answer_and_the_errors(client, product, lang, phrases):
    html = client.get(f"/open-data?lang={lang}").get_data(as_text=True).replace("&#39;", "'")
    for phrase in phrases:
        assert phrase in html, phrase
    # What it says of the answer holds.
    body = client.get("/api/v1/products?per_page=1").get_json()
    assert {"items", "total", "page", "pages", "per_page", "next", "prev", "total_capped"} == set(body)
    assert body["prev"] is None
