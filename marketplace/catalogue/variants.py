"""Variants in the catalogue: every product has at least one, and a plain product exactly one.

An ORM hook gives each new product its default variant (holding the product's opening stock), so
every code path that creates a product (the seller's form, the CSV import, the demo, the tests)
keeps the rule without knowing about variants. For a product without options, a stock written
straight on the product (a test, a console fix) is mirrored onto its one variant; real stock
changes go through `stock.services`, which moves the variant and the product's total together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, attributes
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.catalogue.models import Product, ProductOption, ProductVariant


@event.listens_for(Session, "before_flush")
def _keep_default_variants(session: Session, flush_context, instances) -> None:
    for obj in list(session.new):
        if isinstance(obj, Product) and not obj.variants:
            obj.variants.append(ProductVariant(position=0, stock=obj.stock or 0))
    adding = {obj.product_id for obj in session.new if isinstance(obj, ProductVariant)}
    for obj in list(session.dirty):
        if not isinstance(obj, Product) or obj in session.new or obj.id in adding:
            continue
        history = attributes.get_history(obj, "stock")
        if history.added and isinstance(obj.stock, int):
            variants = obj.variants
            if len(variants) == 1:
                variants[0].stock = obj.stock


def option_names(options: Sequence[ProductOption], lang: str) -> list[str]:
    """Each option's name in `lang` (the Indonesian name when the English one is missing)."""
    return [(o.name_en if lang == "en" and o.name_en else o.name_id) for o in options]


def variant_label(options: Sequence[ProductOption], variant: ProductVariant, lang: str) -> str:
    """ "Ukuran: XL" / "Size: XL, Colour: Red"; "" for a product without options."""
    parts = []
    for option, name in zip(options, option_names(options, lang), strict=True):
        value = variant.values[option.position - 1]
        parts.append(f"{name}: {value}" if value else name + ": –")
    return ", ".join(parts)


def missing_options(options: Sequence[ProductOption], variant: ProductVariant) -> list[ProductOption]:
    """The options `variant` has no value for: one named after the variant existed leaves it empty,
    until the seller fills it in. Such a variant is not offered to buyers (nobody knows which size
    it is) and cannot be ordered; a cart line already holding it must be removed."""
    return [o for o in options if not variant.values[o.position - 1].strip()]


def is_offered(options: Sequence[ProductOption], variant: ProductVariant) -> bool:
    """Whether buyers may choose `variant`: it has a value for every option of its product."""
    return not missing_options(options, variant)


def offered_stock(product: Product) -> int:
    """The units buyers can order: the product's stock, less that of variants missing a value
    (reads the variants only for a product with options)."""
    options = product.options
    if not options:
        return product.stock
    return sum(v.stock for v in product.variants if is_offered(options, v))


def variant_values_text(options: Sequence[ProductOption], variant: ProductVariant) -> str:
    """The variant's values alone ("XL / Red"), as a seller or a picker names it briefly."""
    return " / ".join(variant.values[o.position - 1] or "–" for o in options)


def load_variants(session: Session, product_ids: Iterable[int]) -> dict[int, list[ProductVariant]]:
    """{product_id: its variants in order}, in one query for any number of products."""
    ids = sorted(set(product_ids))
    found: dict[int, list[ProductVariant]] = {pid: [] for pid in ids}
    if not ids:
        return found
    for variant in session.scalars(
        sa.select(ProductVariant)
        .where(ProductVariant.product_id.in_(ids))
        .order_by(ProductVariant.product_id, ProductVariant.position, ProductVariant.id)
    ):
        found[variant.product_id].append(variant)
    return found


def default_variant(session: Session, product: Product) -> ProductVariant:
    """The product's first variant (its only one when it has no options)."""
    return session.scalars(
        sa.select(ProductVariant)
        .where(ProductVariant.product_id == product.id)
        .order_by(ProductVariant.position, ProductVariant.id)
        .limit(1)
    ).one()


def find_variant(session: Session, product: Product, variant_id: int | None) -> ProductVariant | None:
    """The product's variant `variant_id`; with None, its only variant when it has no options."""
    if variant_id is None:
        variants = session.scalars(
            sa.select(ProductVariant).where(ProductVariant.product_id == product.id).limit(2)
        ).all()
        return variants[0] if len(variants) == 1 else None
    variant = session.get(ProductVariant, variant_id)
    if variant is None or variant.product_id != product.id:
        return None
    return variant


def load_options_and_variants(session: Session, products: Sequence[Product]) -> None:
    """Load the options and variants of `products` in two queries, whatever their number (for
    lists that show each product's variants: the API, exports)."""
    ids = sorted({product.id for product in products})
    if not ids:
        return
    options: dict[int, list[ProductOption]] = {pid: [] for pid in ids}
    for option in session.scalars(
        sa.select(ProductOption)
        .where(ProductOption.product_id.in_(ids))
        .order_by(ProductOption.product_id, ProductOption.position)
    ):
        options[option.product_id].append(option)
    variants = load_variants(session, ids)
    for product in products:
        set_committed_value(product, "options", options[product.id])
        set_committed_value(product, "variants", variants[product.id])
