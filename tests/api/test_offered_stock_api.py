"""The API's `in_stock` (and its `in_stock` filter) say what the product page says: units held only
by a variant missing an option's value (named after it existed) cannot be ordered."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.catalogue.models import ProductVariant
from marketplace.dashboard import variants as seller_variants
from tests.factories import make_product, make_sized_product


def test_in_stock_follows_the_variants_buyers_can_choose(client, session, world):
    shirt = make_sized_product(session, {"M": 2}, seller=world.seller, cluster=world.cluster)
    plain = make_product(session, seller=world.seller, cluster=world.cluster, stock=3)
    session.commit()
    seller_variants.save_options(session, product=shirt, names=[("Ukuran", "Size"), ("Warna", "Colour")])
    session.commit()

    item = client.get(f"/api/v1/products/{shirt.id}").get_json()
    assert item["stock"] == 2  # the variants' sum, as documented
    assert item["in_stock"] is False and [v["in_stock"] for v in item["variants"]] == [False]
    listed = client.get("/api/v1/products").get_json()["items"]
    assert {p["id"]: p["in_stock"] for p in listed} == {shirt.id: False, plain.id: True}
    in_stock = client.get("/api/v1/products?in_stock=true").get_json()["items"]
    assert [p["id"] for p in in_stock] == [plain.id]
    assert client.get("/api/v1/products?in_stock=true&q=kemeja").status_code == 200

    variant = session.scalars(sa.select(ProductVariant).where(ProductVariant.product_id == shirt.id)).one()
    variant.value2 = "Merah"  # the seller fills the colour in
    session.commit()
    assert client.get(f"/api/v1/products/{shirt.id}").get_json()["in_stock"] is True
    in_stock = client.get("/api/v1/products?in_stock=true").get_json()["items"]
    assert sorted(p["id"] for p in in_stock) == sorted([shirt.id, plain.id])
