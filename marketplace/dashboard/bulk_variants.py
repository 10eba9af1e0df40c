"""The variant columns of the products CSV (`bulk`): one row per variant.

`variant_id` says which variant a row is (empty: the product's only one), `variant` names it
(read-only), `sku` and `variant_price_idr` (empty: the product's price) change it, and the row's
`stock` is that variant's. The product columns repeat on each row of a product and must agree.
"""

from __future__ import annotations

from marketplace import params
from marketplace.catalogue.models import Product, ProductVariant
from marketplace.catalogue.variants import variant_values_text
from marketplace.dashboard.variants import set_variant_price
from marketplace.i18n import message as _l
from marketplace.numbers import parse_whole_number
from marketplace.seller import common

VARIANT_COLUMNS = ("variant_id", "variant", "sku", "variant_price_idr")
#: Columns of the product itself (the same on every row of a product).
PRODUCT_COLUMNS = frozenset(
    {
        "title_id",
        "title_en",
        "price_idr",
        "low_stock_threshold",
        "weight_grams",
        "dimensions",
        "processing_days",
        "exportable",
        "hs_code",
    }
)


def variant_cells(product: Product, variant: ProductVariant) -> dict[str, str]:
    """The row's variant columns and its stock, as text."""
    return {
        "variant_id": str(variant.id),
        "variant": variant_values_text(product.options, variant) if product.options else "",
        "sku": variant.sku,
        "variant_price_idr": str(variant.price_minor) if variant.price_minor is not None else "",
        "stock": str(variant.stock),
    }


def find_row_variant(product: Product, cell: str) -> tuple[ProductVariant | None, str]:
    """The variant a row names (empty: the product's only variant), or None and why not."""
    variants = product.variants
    if not cell.strip():
        if len(variants) == 1:
            return variants[0], ""
        return None, str(_l("This product has variants: keep the variant_id of each row from the download."))
    variant_id = params.find_id(cell)
    found = next((v for v in variants if v.id == variant_id), None)
    if found is None:
        return None, str(_l("Variant %(id)s is not a variant of this product.", id=cell.strip()[:20]))
    return found, ""


def check_variant_cells(
    product: Product, cells: dict[str, str], current: dict[str, str], *, product_price: int, error
) -> dict[str, str]:
    """The row's `sku` and `variant_price_idr` after the import (as text), calling `error(column,
    message)` for a bad one. A variant's own price is never below the product's."""
    after = {name: current[name] for name in ("sku", "variant_price_idr")}
    if "sku" in cells:
        if len(cells["sku"]) > 40:
            error("sku", _l("A SKU can be at most 40 characters."))
        else:
            after["sku"] = cells["sku"]
    if "variant_price_idr" in cells and cells["variant_price_idr"] != current["variant_price_idr"]:
        text = cells["variant_price_idr"]
        value = parse_whole_number(text, allow_negative=True) if text else None
        if not text:
            after["variant_price_idr"] = ""
        elif not product.options:
            error("variant_price_idr", _l("A product without options has one price: change price_idr."))
        elif value is None:
            error("variant_price_idr", _l("Enter whole rupiah without decimals, e.g. 150000."))
        elif not product_price <= value <= common.MAX_PRICE_MINOR:
            error(
                "variant_price_idr",
                _l("A variant costs at least the product's price: leave the price empty for the same price."),
            )
        else:
            after["variant_price_idr"] = str(value)
    return after


def differing_rows(first_row: int):
    return _l(
        "Every row of a product has the same product columns: this differs from row %(row)d.", row=first_row
    )


def apply_variant_values(session, change, *, actor_id: int | None, now) -> bool:
    """A row's new SKU and own price (which on a product on sale waits for a curator: True)."""
    change.variant.sku = change.variant_values["sku"]
    price = change.variant_values["price_minor"]
    return set_variant_price(
        session, product=change.product, variant=change.variant, price=price, actor_id=actor_id, now=now
    )
