"""Demo variants: the Gajah Oling batik shirt in S–XXL with its own stock per size, and the Ijen
Raung arabica in 250 g and 500 g bags at different prices. Idempotent: a product that already
has options is left as it is."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Product, ProductOption, ProductVariant


@dataclass(frozen=True)
class VariantData:
    value: str
    stock: int
    sku: str
    price: int | None = None  # None: the product's price
    weight_grams: int | None = None  # None: the product's weight


@dataclass(frozen=True)
class OptionsData:
    product_slug: str
    option_id: str
    option_en: str
    #: The first variant is the product's own (its price is the product's, the lowest).
    variants: tuple[VariantData, ...]


DEMO_VARIANTS = (
    OptionsData(
        "kemeja-batik-gajah-oling-pria",
        "Ukuran",
        "Size",
        (
            VariantData("S", 1, "SSK-KGO-S"),
            VariantData("M", 3, "SSK-KGO-M"),
            VariantData("L", 2, "SSK-KGO-L"),
            VariantData("XL", 2, "SSK-KGO-XL", weight_grams=320),
            VariantData("XXL", 0, "SSK-KGO-XXL", price=295_000, weight_grams=340),
        ),
    ),
    OptionsData(
        "kopi-arabika-ijen-250g",
        "Berat",
        "Weight",
        (
            VariantData("250 g", 20, "KOD-ARB-250"),
            VariantData("500 g", 8, "KOD-ARB-500", price=140_000, weight_grams=520),
        ),
    ),
)


def seed_demo_variants(session: Session) -> int:
    """Options and variants for the demo products that have none yet; returns variants added.

    The product's own (default) variant becomes the first value; the product's stock becomes the
    sum of its variants'. Flushes only.
    """
    slugs = [spec.product_slug for spec in DEMO_VARIANTS]
    products = {p.slug: p for p in session.scalars(sa.select(Product).where(Product.slug.in_(slugs)))}
    added = 0
    for spec in DEMO_VARIANTS:
        product = products.get(spec.product_slug)
        if product is None or product.options:
            continue
        session.add(
            ProductOption(product_id=product.id, position=1, name_id=spec.option_id, name_en=spec.option_en)
        )
        own, *others = spec.variants
        default = product.variants[0]
        default.value1, default.sku, default.stock = own.value, own.sku, own.stock
        for position, item in enumerate(others, start=1):
            session.add(
                ProductVariant(
                    product_id=product.id,
                    position=position,
                    value1=item.value,
                    sku=item.sku,
                    stock=item.stock,
                    price_minor=item.price,
                    weight_grams=item.weight_grams,
                )
            )
            added += 1
        session.flush()
        # The total, written beside the variants (no ledger: like the rest of the demo's stock).
        session.execute(
            sa.update(Product)
            .where(Product.id == product.id)
            .values(stock=sum(item.stock for item in spec.variants))
            .execution_options(synchronize_session=False)
        )
        session.expire(product, ["stock", "options", "variants"])
        added += 1
    return added
