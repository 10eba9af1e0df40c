"""The product page of a product with options: the picker partial, and JSON-LD as a ProductGroup."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal

from marketplace.catalogue.models import ProductOption, ProductVariant
from marketplace.markets.models import ExchangeRate
from marketplace.types import utcnow
from tests.factories import make_product
from tests.storefront.conftest import add_image


def _json_ld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def _shirt(session, world):
    shirt = make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Kemeja batik Kangkung Setingkes",
        title_en="Kangkung Setingkes batik shirt", price_minor=200_000, stock=4,
    )  # fmt: skip
    add_image(session, shirt)
    back = add_image(session, shirt)
    session.add(ProductOption(product_id=shirt.id, position=1, name_id="Ukuran", name_en="Size"))
    shirt.variants[0].value1, shirt.variants[0].sku = "M", "KS-M"
    session.add(
        ProductVariant(
            product_id=shirt.id, position=1, value1="XXL", sku="KS-XXL", stock=0, price_minor=230_000,
            image_id=back.id,
        )
    )  # fmt: skip
    session.commit()
    return shirt


def test_json_ld_is_a_product_group_with_one_offer_per_variant(client, session, world):
    shirt = _shirt(session, world)
    session.add(ExchangeRate(currency="EUR", rate=Decimal("17300"), effective_date=date.today(), source="t"))
    session.commit()
    html = client.get(f"/products/{shirt.id}-{shirt.slug}?lang=en&currency=EUR&country=NL").get_data(
        as_text=True
    )
    data = _json_ld(html)
    assert data["@type"] == "ProductGroup" and "offers" not in data
    assert data["productGroupID"] == str(shirt.id) and data["variesBy"] == ["https://schema.org/size"]
    assert data["name"] == "Kangkung Setingkes batik shirt" and data["brand"]["name"] == "KUB Sekar Kepuh"
    medium, large = data["hasVariant"]
    for variant in (medium, large):
        assert variant["@type"] == "Product"
        offer = variant["offers"]
        assert offer["@type"] == "Offer" and offer["priceCurrency"] == "EUR"
        assert re.fullmatch(r"\d+\.\d\d", offer["price"])  # a decimal string in euros, never a float
    assert (medium["name"], medium["sku"], medium["size"]) == (
        "Kangkung Setingkes batik shirt (Size: M)",
        "KS-M",
        "M",
    )
    assert (medium["offers"]["price"], large["offers"]["price"]) == ("11.56", "13.29")
    assert medium["offers"]["availability"] == "https://schema.org/InStock"
    assert large["offers"]["availability"] == "https://schema.org/OutOfStock"
    assert "image" not in medium and large["image"][0].startswith("http://localhost/")
    # The picker: each size with its price in the buyer's currency; XXL shown, disabled.
    assert "<legend>Size</legend>" in html and "€13.29" in html
    assert re.search(r'value="\d+" disabled required data-price="€13.29"', html)


def test_a_product_without_options_keeps_its_page(client, session, world):
    plain = make_product(session, seller=world.seller, cluster=world.cluster, published_at=utcnow())
    session.commit()
    html = client.get(f"/products/{plain.id}-{plain.slug}").get_data(as_text=True)
    assert 'name="variant_id"' not in html and "variant-picker" not in html
    assert _json_ld(html)["@type"] == "Product"


def test_a_card_says_from_when_a_variant_costs_more(client, session, world):
    shirt = _shirt(session, world)  # M at Rp 200.000, XXL at Rp 230.000
    plain = make_product(session, seller=world.seller, cluster=world.cluster, price_minor=90_000)
    session.commit()
    html = client.get(f"/clusters/{world.cluster.slug}?lang=en").get_data(as_text=True)
    prices = dict(re.findall(r'href="/products/(\d+)-[^"]*".*?<p class="card-price">([^<]*)</p>', html, re.S))
    assert prices[str(shirt.id)].replace("\xa0", " ").startswith("from ")
    assert not prices[str(plain.id)].startswith("from")
    indonesian = client.get(f"/clusters/{world.cluster.slug}?lang=id").get_data(as_text=True)
    assert "mulai Rp" in indonesian.replace("\xa0", " ").replace("mulai Rp ", "mulai Rp")
