"""Bad input never makes a 500: every malformed parameter is a JSON 400 naming it (as documented)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product
from tests.api.conftest import error_of
from tests.factories import make_product

# (query string, the parameter the 400 message must name)
REFUSED = [
    ("page=-1", "page"),
    ("page=0", "page"),
    ("page=abc", "page"),
    ("page=1.5", "page"),
    ("page=1e3", "page"),
    ("page=10001", "page"),
    ("page=" + "9" * 5000, "page"),
    ("page=%EF%BC%91", "page"),  # a full-width digit one
    ("per_page=10000", "per_page"),
    ("per_page=101", "per_page"),
    ("per_page=0", "per_page"),
    ("per_page=-5", "per_page"),
    ("per_page=abc", "per_page"),
    ("per_page=" + "9" * 5000, "per_page"),
    ("min_price=abc", "min_price"),
    ("min_price=-5", "min_price"),
    ("min_price=Rp+50.000", "min_price"),
    ("min_price=1.5", "min_price"),
    ("max_price=1e9", "max_price"),
    ("max_price=99999999999999", "max_price"),
    ("max_price=NaN", "max_price"),
    ("min_price=5%0A", "min_price"),  # a trailing newline is not part of a number
    ("min_price=+5", "min_price"),
    ("sort=anything", "sort"),
    ("sort=price_asc;DROP+TABLE+products", "sort"),
    ("sort=RELEVANCE", "sort"),  # values are taken exactly as documented: case matters
    ("sort=+newest", "sort"),
    ("in_stock=maybe", "in_stock"),
    ("in_stock=TRUE", "in_stock"),
    ("in_stock=y", "in_stock"),
    ("q=" + "a" * 5000, "q"),
    ("q=" + "+" * 201, "q"),  # the limit is on what was sent, spaces included
    ("q=%00", "q"),  # no parameter anywhere may hold a NUL (PostgreSQL cannot compare one)
    ("cluster=Not+A+Slug!", "cluster"),
    ("cluster=%3Cscript%3E", "cluster"),
    ("cluster=Batik", "cluster"),
    ("village=pakistaji%0A", "village"),
    ("seller=+kub-sekar-kepuh", "seller"),
    ("label=%27+OR+1%3D1", "label"),
    ("label=halal%0A", "label"),
    ("lang=fr", "lang"),
    ("lang=%3Cscript%3E", "lang"),
    ("lang=EN", "lang"),
    ("lang=en+", "lang"),
    ("currency=XYZ", "currency"),
    ("currency=eur", "currency"),
    ("currency=", "currency"),  # the one parameter whose empty value is not taken as absent
]


@pytest.mark.parametrize(("query", "name"), REFUSED, ids=[q[:40] for q, _ in REFUSED])
def test_malformed_parameters_are_json_400_naming_the_parameter(client, session, world, query, name):
    make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    response = client.get(f"/api/v1/products?{query}")
    assert response.status_code == 400, response.data[:300]
    error = error_of(response)
    assert name in error["message"]
    # Nothing the client sent comes back.
    assert b"<script" not in response.data and b"DROP" not in response.data and b"aaaa" not in response.data


# (query string, the parameter the 404 message must name): well-formed, as the document allows,
# but naming nothing that exists.
UNKNOWN = [
    ("cluster=no-such-cluster", "cluster"),
    ("village=no-such-village", "village"),
    ("village=kabat", "village"),  # a kecamatan is not a village
    ("seller=no-such-seller", "seller"),
    ("seller=baru", "seller"),  # a pending seller does not exist for the public
    ("label=no-such-label", "label"),
]


@pytest.mark.parametrize(("query", "name"), UNKNOWN, ids=[q for q, _ in UNKNOWN])
def test_well_formed_filters_naming_nothing_are_json_404_naming_the_parameter(
    client, session, world, query, name
):
    make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    response = client.get(f"/api/v1/products?{query}")
    assert response.status_code == 404, response.data[:300]
    assert name in error_of(response)["message"]


@pytest.mark.parametrize("path", ["/api/v1/products", "/api/v1/products/{id}"])
def test_a_currency_without_an_exchange_rate_is_json_404_naming_it(client, session, world, path):
    product = make_product(session, seller=world.seller)
    session.commit()
    response = client.get(path.format(id=product.id) + "?currency=EUR")
    assert response.status_code == 404
    assert "EUR" in error_of(response)["message"]
    assert client.get(path.format(id=product.id) + "?currency=IDR").status_code == 200


def test_a_reversed_price_range_is_empty_not_swapped(client, session, world):
    make_product(session, seller=world.seller, price_minor=20_000)
    session.commit()
    response = client.get("/api/v1/products?min_price=50000&max_price=100")
    assert response.status_code == 200
    assert response.get_json()["total"] == 0
    assert client.get("/api/v1/products?min_price=100&max_price=50000").get_json()["total"] == 1


@pytest.mark.parametrize("path", ["/api/v1/products/{id}", "/api/v1/villages", "/api/v1/clusters"])
def test_lang_is_checked_on_every_endpoint(client, session, world, path):
    product = make_product(session, seller=world.seller)
    session.commit()
    response = client.get(path.format(id=product.id) + "?lang=xx")
    assert response.status_code == 400
    assert "lang" in error_of(response)["message"]


ACCEPTED = [
    "",
    # Empty values count as absent.
    "page=&per_page=&sort=&in_stock=&min_price=&max_price=&cluster=&village=&label=&q=&lang=",
    "unknown=1&utm_source=x",  # unknown parameters are ignored
    "q=%27%3B+DROP+TABLE+products%3B+--",
    "q=%22+OR+1%3D1+--",
    "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "q=" + "a" * 200,
    "q=NEAR+AND+OR+NOT+*+%5E+%22",  # FTS5 / tsquery syntax is not syntax here
    "q=%25_%5C",  # LIKE wildcards
    "q=%01%1F",
    "q=kopi&q=batik",
    "page=1&per_page=100",
    "page=0001",
    "in_stock=true",
    "in_stock=off",
    "min_price=0&max_price=1000000000000",
    "sort=relevance",
    "lang=en",
    "cluster=batik&village=pakistaji&seller=kub-sekar-kepuh",
]


@pytest.mark.parametrize("query", ACCEPTED, ids=[q[:40] for q in ACCEPTED])
def test_odd_but_valid_input_is_a_normal_page(client, session, world, query):
    make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    response = client.get(f"/api/v1/products?{query}")
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/json"
    assert b"<script" not in response.data
    # The products table is still there and intact.
    assert session.scalar(sa.select(sa.func.count()).select_from(Product)) == 1


def test_sql_in_q_is_just_words(client, session, world):
    product = make_product(session, seller=world.seller, title_id="Kopi drop table products")
    make_product(session, seller=world.seller, title_id="Teh")
    session.commit()
    response = client.get("/api/v1/products", query_string={"q": "'; DROP TABLE products; --"})
    assert [item["id"] for item in response.get_json()["items"]] == [product.id]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nothing", "/api/v1/products/abc", "/api/v1/product/1", "/api/v2/products", "/api/", "/api/v0"],
)
def test_an_address_no_endpoint_answers_says_where_the_endpoints_are(client, world, path):
    for lang, words in (("en", "There is no such address in the API"), ("id", "Alamat ini tidak ada di API")):
        response = client.get(f"{path}?lang={lang}")
        assert response.status_code == 404 and response.mimetype == "application/json", path
        message = response.get_json()["error"]["message"]
        assert (
            message
            == f"{words}. {'Its endpoints are listed at' if lang == 'en' else 'Daftar endpoint-nya ada di'} http://localhost/api/v1/."
        )
        assert "requested URL" not in message


def test_a_write_is_told_which_methods_the_api_answers(client, world):
    response = client.post("/api/v1/products?lang=en")
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert response.get_json()["error"] == {
        "status": 405,
        "message": "The API answers only GET, HEAD and OPTIONS requests.",
    }


def test_a_view_s_own_404_keeps_its_message(client, world):
    message = client.get("/api/v1/products/999999?lang=en").get_json()["error"]["message"]
    assert "no such address" not in message


def test_words_without_letters_are_said_to_be_ignored(client, session, world):
    make_product(session, seller=world.seller, title_id="Kopi")
    make_product(session, seller=world.seller, title_id="Teh")
    session.commit()
    body = client.get("/api/v1/products", query_string={"q": "!@#", "lang": "en"}).get_json()
    assert body["total"] == 2
    assert body["q_ignored"] is True
    assert body["notice"] == "“!@#” has no letters or numbers to search for, so all products are shown."
    notice_id = client.get("/api/v1/products", query_string={"q": "!@#", "lang": "id"}).get_json()["notice"]
    assert "!@#" in notice_id and "has no letters" not in notice_id
    # Answers with words, or without q, are as they always were.
    for query in ({"q": "kopi"}, {}):
        assert not {"q_ignored", "notice"} & set(
            client.get("/api/v1/products", query_string=query).get_json()
        )
