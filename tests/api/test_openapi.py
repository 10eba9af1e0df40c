"""The OpenAPI document is valid and matches what the API really returns (validated with jsonschema)."""

from __future__ import annotations

import copy
import re

import jsonschema
import pytest
from openapi_spec_validator import validate as validate_spec

from marketplace.api import openapi
from marketplace.catalogue.models import ProductOption, ProductVariant
from tests.api.conftest import add_image
from tests.factories import make_product, make_product_label

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture
def document(client, world) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _resolve(document: dict, node: dict) -> dict:
    while "$ref" in node:
        path = node["$ref"].removeprefix("#/").split("/")
        node = document
        for part in path:
            node = node[part]
    return node


def _validator(document: dict, schema: dict) -> jsonschema.Draft202012Validator:
    """A JSON Schema 2020-12 validator for `schema`, resolving `#/components/...` in the document."""
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": document["components"],
        **schema,
    }
    return jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def _response_schema(document: dict, path: str, status: int) -> dict:
    operation = document["paths"][path]["get"]
    response = _resolve(document, operation["responses"][str(status)])
    return response["content"]["application/json"]["schema"]


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"].startswith("3.1")
    validate_spec(document)
    assert document["servers"] == [{"url": "http://localhost/api/v1"}]


def test_the_document_builds_without_a_request():
    validate_spec(openapi.document())


def test_every_api_route_is_documented_and_every_documented_path_exists(app, document):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
            routes.add((path.replace("{product_id}", "{id}"), frozenset(rule.methods - {"HEAD", "OPTIONS"})))
    documented = {
        (path, frozenset(m.upper() for m in item if m in METHODS)) for path, item in document["paths"].items()
    }
    assert routes == documented


@pytest.fixture
def catalogue(session, world, halal, rates):
    full = make_product(
        session, seller=world.seller, cluster=world.cluster, exportable=True, hs_code="5208.52",
        length_mm=100, width_mm=100, height_mm=10,
    )  # fmt: skip
    add_image(session, full, width=1600, height=1200)
    small = add_image(session, full, width=300, height=500, position=1)  # smaller than every rendition
    # Sizes: the product's own variant is M; XL costs more, weighs more and has its own photo.
    session.add(ProductOption(product_id=full.id, position=1, name_id="Ukuran", name_en="Size"))
    full.variants[0].value1 = "M"
    session.add(
        ProductVariant(
            product_id=full.id, position=1, value1="XL", sku="XL-1", price_minor=60_000, weight_grams=600,
            image_id=small.id,
        )
    )  # fmt: skip
    make_product_label(session, product=full, label_type=halal)
    make_product_label(session, product=full, certificate_number="", issuer="", valid_until=None)
    bare = make_product(
        session, seller=world.other_seller, cluster=world.other_cluster, title_en="", description_en="",
        stock=0, published_at=None, hs_code=None,
    )  # fmt: skip
    session.commit()
    return {"full": full, "bare": bare}


def _examples(catalogue) -> list[tuple[str, int, str]]:
    """(documented path, status, real URL) for every response the document declares."""
    full, bare = catalogue["full"], catalogue["bare"]
    return [
        ("/products", 200, "/api/v1/products"),
        ("/products", 200, "/api/v1/products?lang=en&per_page=1&page=2&sort=price_desc"),
        ("/products", 200, "/api/v1/products?q=nothing"),
        ("/products", 400, "/api/v1/products?page=abc"),
        ("/products", 404, "/api/v1/products?page=5"),
        ("/products", 404, "/api/v1/products?village=no-such-village"),
        ("/products", 200, "/api/v1/products?currency=JPY"),
        ("/products/{id}", 200, f"/api/v1/products/{full.id}"),
        ("/products/{id}", 200, f"/api/v1/products/{bare.id}?lang=en"),
        ("/products/{id}", 200, f"/api/v1/products/{full.id}?currency=EUR&lang=en"),
        ("/products/{id}", 200, f"/api/v1/products/{full.id}?currency=IDR"),
        ("/products/{id}", 400, f"/api/v1/products/{full.id}?lang=fr"),
        ("/products/{id}", 404, "/api/v1/products/987654"),
        ("/products/{id}", 404, "/api/v1/products/abc"),
        ("/villages", 200, "/api/v1/villages"),
        ("/villages", 200, "/api/v1/villages?lang=en"),
        ("/villages", 400, "/api/v1/villages?lang=xx"),
        ("/clusters", 200, "/api/v1/clusters"),
        ("/clusters", 200, "/api/v1/clusters?lang=en"),
        ("/clusters", 400, "/api/v1/clusters?lang=xx"),
        ("/openapi.json", 200, "/api/v1/openapi.json"),
        ("/", 200, "/api/v1/"),
    ]


def test_real_responses_match_the_documented_schemas(client, document, catalogue):
    examples = _examples(catalogue)
    for path, status, url in examples:
        response = client.get(url)
        assert response.status_code == status, (url, response.data[:300])
        _validator(document, _response_schema(document, path, status)).validate(response.get_json())
        documented_headers = _resolve(document, document["paths"][path]["get"]["responses"][str(status)])
        for name in documented_headers.get("headers", {}):
            assert name in response.headers, (url, name)
    # Every response the document declares was really produced above.
    declared = {
        (path, int(status)) for path, item in document["paths"].items() for status in item["get"]["responses"]
    }
    assert declared == {(path, status) for path, status, _ in examples}


def test_errors_outside_operations_match_the_error_schema(client, document, catalogue):
    validator = _validator(document, {"$ref": "#/components/schemas/Error"})
    for response in (
        client.post("/api/v1/products"),
        client.delete(f"/api/v1/products/{catalogue['full'].id}"),
        client.get("/api/v1/no-such-thing"),
    ):
        assert response.status_code in (404, 405)
        validator.validate(response.get_json())


def test_the_schemas_are_strict_enough_to_catch_drift(client, document, catalogue):
    """A field added, renamed or retyped in the code fails validation (so the test above can fail)."""
    body = client.get(f"/api/v1/products/{catalogue['full'].id}").get_json()
    validator = _validator(document, {"$ref": "#/components/schemas/Product"})
    validator.validate(body)
    drifts = []
    extra = copy.deepcopy(body)
    extra["undocumented"] = 1
    drifts.append(extra)
    missing = copy.deepcopy(body)
    del missing["currency"]
    drifts.append(missing)
    float_price = copy.deepcopy(body)
    float_price["price"] = 12.5
    drifts.append(float_price)
    nested = copy.deepcopy(body)
    nested["images"][0]["renditions"][0]["extra"] = True
    drifts.append(nested)
    bad_time = copy.deepcopy(body)
    bad_time["published_at"] = "yesterday"
    drifts.append(bad_time)
    for drift in drifts:
        assert not validator.is_valid(drift)


def _parameter_cases(document: dict):
    """Values at and just past each documented query parameter's limits, with the status expected."""
    operation = document["paths"]["/products"]["get"]
    for ref in operation["parameters"]:
        parameter = _resolve(document, ref)
        name, schema = parameter["name"], parameter["schema"]
        if "enum" in schema:
            for value in schema["enum"]:
                yield name, str(value), 200
            yield name, "not-in-the-enum", 400
        if schema.get("type") == "integer":
            low, high = schema["minimum"], schema["maximum"]
            yield name, str(low), 200
            yield name, str(low - 1), 400
            yield name, str(high + 1), 400
            yield name, "abc", 400
        if "maxLength" in schema:
            yield name, "a" * schema["maxLength"], 200
            yield name, "a" * (schema["maxLength"] + 1), 400
        if "pattern" in schema:
            invalid = "Not Valid!" if not re.fullmatch(schema["pattern"], "Not Valid!") else "Not Valid!\x00"
            yield name, invalid, 400


def test_documented_parameter_limits_are_the_enforced_ones(client, document, catalogue):
    cases = list(_parameter_cases(document))
    assert {name for name, _, _ in cases} >= {
        "lang",
        "q",
        "sort",
        "in_stock",
        "page",
        "per_page",
        "min_price",
    }
    for name, value, expected in cases:
        query = {name: value}
        if name == "page" and expected == 200:
            query["per_page"] = "1"  # the highest documented page can only exist with tiny pages
            if value != "1":
                expected = 404  # documented too: a well-formed page past the last one
        response = client.get("/api/v1/products", query_string=query)
        assert response.status_code == expected, (name, value[:20], response.data[:200])


def test_empty_values_are_taken_as_absent_exactly_where_the_document_says(client, document, catalogue):
    """`allowEmptyValue: true`: `?name=` is the same as no `name`; otherwise an empty value is a 400."""
    urls = {"/products": "/api/v1/products", "/products/{id}": f"/api/v1/products/{catalogue['full'].id}"}
    urls.update({"/villages": "/api/v1/villages", "/clusters": "/api/v1/clusters"})
    checked = set()
    for path, url in urls.items():
        for ref in document["paths"][path]["get"]["parameters"]:
            parameter = _resolve(document, ref)
            if parameter["in"] != "query":
                continue
            response = client.get(url, query_string={parameter["name"]: ""})
            expected = 200 if parameter.get("allowEmptyValue") else 400
            assert response.status_code == expected, (path, parameter["name"], response.data[:200])
            checked.add(parameter["name"])
    assert {"lang", "village", "page", "currency"} <= checked
