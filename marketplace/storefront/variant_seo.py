"""schema.org for a product with options: a `ProductGroup` whose `hasVariant` lists one `Product`
per variant, each with its own `Offer` (price in the buyer's currency, availability).

It reshapes the plain `Product` JSON-LD of `seo.product_json_ld`, so whatever that carries
(brand, images, ratings) stays on the group. A product without options keeps its `Product`.
"""

from __future__ import annotations

from flask import request

from marketplace.catalogue.models import Product
from marketplace.catalogue.variants import is_offered, variant_label
from marketplace.media import picture_attrs
from marketplace.money import Money

#: Option names (either language, lower case) that match a schema.org property Google reads in
#: `variesBy`; other options (e.g. weight of a coffee bag) still make variants, only unnamed there.
SCHEMA_PROPERTIES = {
    "size": "size",
    "ukuran": "size",
    "colour": "color",
    "color": "color",
    "warna": "color",
    "motif": "pattern",
    "pattern": "pattern",
    "corak": "pattern",
    "material": "material",
    "bahan": "material",
}


def _property(option) -> str | None:
    for name in (option.name_en, option.name_id):
        found = SCHEMA_PROPERTIES.get((name or "").strip().lower())
        if found:
            return found
    return None


def as_product_group(
    data: dict, product: Product, *, title: str, lang: str, variant_prices: dict[int, Money]
) -> dict:
    """`data` (a Product's JSON-LD) as a ProductGroup with one Product and Offer per variant."""
    options = product.options
    if not options:
        return data
    offer = data.get("offers", {})
    properties = [(option, _property(option)) for option in options]
    group = {key: value for key, value in data.items() if key not in ("offers", "sku")}
    group["@type"] = "ProductGroup"
    group["productGroupID"] = str(product.id)
    varies = [f"https://schema.org/{name}" for _option, name in properties if name]
    if varies:
        group["variesBy"] = varies
    images = {image.id: image for image in product.images}
    variants = []
    # A variant missing a value for an option is not offered on the page: nor here.
    for variant in (v for v in product.variants if is_offered(options, v)):
        price = variant_prices[variant.id]
        item = {
            "@type": "Product",
            "name": f"{title} ({variant_label(options, variant, lang)})",
            "sku": variant.sku or f"{product.id}-{variant.id}",
            "offers": {
                **offer,
                "price": str(price.as_decimal()),
                "priceCurrency": price.currency,
                "availability": "https://schema.org/InStock"
                if variant.stock > 0
                else "https://schema.org/OutOfStock",
            },
        }
        for option, name in properties:
            if name:
                item[name] = variant.values[option.position - 1]
        if variant.image_id in images:
            src = picture_attrs(images[variant.image_id], wanted_width=1200)["src"]
            item["image"] = [request.host_url.rstrip("/") + src if src.startswith("/") else src]
        variants.append(item)
    group["hasVariant"] = variants
    return group
