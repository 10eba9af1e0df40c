"""The whole demo catalogue, read through the API, matches the OpenAPI document and the pages.

Called by the demo seeding test (tests/demo/test_seed_demo.py), which seeds the demo once per
database for every check that needs all of it.
"""

from __future__ import annotations

import jsonschema


def _validator(document: dict, name: str) -> jsonschema.Draft202012Validator:
    root = {"components": document["components"], "$ref": f"#/components/schemas/{name}"}
    return jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def assert_the_api_describes_the_demo(client) -> None:
    """Every demo product, village and cluster, in both languages, matches the OpenAPI document."""
    document = client.get("/api/v1/openapi.json").get_json()
    # One validator per schema: building one (its $ref resolution) costs more than a validation.
    validators = {
        name: _validator(document, name) for name in ("ProductPage", "Product", "VillageList", "ClusterList")
    }

    for lang in ("id", "en"):
        listing = client.get(f"/api/v1/products?per_page=100&lang={lang}").get_json()
        validators["ProductPage"].validate(listing)
        assert listing["total"] >= 60 and listing["next"] is None
        for item in listing["items"]:
            detail = client.get(f"/api/v1/products/{item['id']}?lang={lang}")
            assert detail.status_code == 200
            validators["Product"].validate(detail.get_json())
            # The listing and the product endpoint describe a product identically.
            assert detail.get_json() == item
            if lang == "id":  # the page behind `url` (its language is the page's, not the API's)
                assert client.get(item["url"].removeprefix("http://localhost")).status_code == 200
        villages = client.get(f"/api/v1/villages?lang={lang}").get_json()
        validators["VillageList"].validate(villages)
        clusters = client.get(f"/api/v1/clusters?lang={lang}").get_json()
        validators["ClusterList"].validate(clusters)

    # Counts agree with what the product listing finds for each village and cluster.
    for summary in villages["items"] + clusters["items"]:
        found = client.get(summary["products_url"].removeprefix("http://localhost")).get_json()
        assert found["total"] == summary["product_count"], summary["slug"]
    assert len(villages["items"]) == 14
    assert any(item["labels"] for item in listing["items"])
