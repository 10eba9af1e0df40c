"""The API's `options` and `variants`: each variant's stock and price, also in the buyer's currency."""

from __future__ import annotations

from marketplace.catalogue.models import ProductOption, ProductVariant
from tests.api.conftest import add_image
from tests.factories import make_product


def test_variants_with_their_stock_and_converted_price(client, session, world, rates):
    coffee = make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Kopi robusta", price_minor=45_000,
        weight_grams=300, stock=4,
    )  # fmt: skip
    photo = add_image(session, coffee)
    session.add(ProductOption(product_id=coffee.id, position=1, name_id="Berat", name_en="Weight"))
    coffee.variants[0].value1, coffee.variants[0].sku = "250 g", "KR-250"
    session.add(
        ProductVariant(
            product_id=coffee.id, position=1, value1="500 g", sku="KR-500", stock=0, price_minor=85_000,
            weight_grams=550, image_id=photo.id,
        )
    )  # fmt: skip
    plain = make_product(session, seller=world.seller, cluster=world.cluster, stock=7)
    session.commit()

    body = client.get(f"/api/v1/products/{coffee.id}?currency=EUR&lang=en").get_json()
    assert body["options"] == [{"name": "Weight", "name_id": "Berat", "name_en": "Weight"}]
    small, large = body["variants"]
    assert (small["values"], small["label"], small["sku"], small["price"], small["stock"]) == (
        ["250 g"], "Weight: 250 g", "KR-250", 45_000, 4,
    )  # fmt: skip
    assert (large["price"], large["stock"], large["in_stock"], large["weight_grams"]) == (
        85_000,
        0,
        False,
        550,
    )
    assert large["image_url"] and small["image_url"] is None
    # In the buyer's currency, at the same rate as the product's own price (16300.5 IDR per EUR).
    assert small["price_converted"]["currency"] == large["price_converted"]["currency"] == "EUR"
    assert (small["price_converted"]["amount"], large["price_converted"]["amount"]) == (276, 521)
    assert body["price"] == 45_000 and body["stock"] == 4  # the lowest price, the sum of the stock

    # A product without options: no options, one variant holding its stock and price.
    listed = client.get("/api/v1/products?per_page=100").get_json()["items"]
    item = next(p for p in listed if p["id"] == plain.id)
    assert item["options"] == []
    assert [(v["values"], v["label"], v["stock"], v["price"]) for v in item["variants"]] == [
        ([], None, 7, 50_000)
    ]
    assert "price_converted" not in item["variants"][0]


def test_a_variant_missing_a_value_is_not_in_stock(client, session, world):
    shirt = make_product(session, seller=world.seller, cluster=world.cluster, stock=4)
    session.add(ProductOption(product_id=shirt.id, position=1, name_id="Ukuran", name_en="Size"))
    session.add(ProductOption(product_id=shirt.id, position=2, name_id="Warna", name_en="Colour"))
    shirt.variants[0].value1 = "M"  # made before "Warna" was named: no colour yet
    session.commit()
    (variant,) = client.get(f"/api/v1/products/{shirt.id}?lang=en").get_json()["variants"]
    assert (variant["values"], variant["label"], variant["stock"], variant["in_stock"]) == (
        ["M", ""], "Size: M, Colour: –", 4, False,
    )  # fmt: skip
