"""The products CSV with variants: one row per variant, its stock, SKU and price; product columns agree."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa

from marketplace.catalogue.models import ProductVariant
from marketplace.dashboard import bulk, bulk_export
from marketplace.dashboard import variants as seller_variants
from marketplace.stock.models import StockMovement
from marketplace.types import utcnow
from tests.seller.test_bulk import DESCRIPTION, plan


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def _to_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=bulk.COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _sized(session, world):
    """Seller A's basket in sizes S (its own 8 units), M (3) and L (0)."""
    product = world.product_a
    product.description_id = DESCRIPTION
    seller_variants.save_options(session, product=product, names=[("Ukuran", "Size")])
    own = seller_variants.list_variants(session, product)[0]
    seller_variants.update_variant(
        session,
        product=product,
        variant=own,
        data=seller_variants.VariantInput(values=("S",), sku="RT-S"),
        actor_id=None,
        now=utcnow(),
    )
    for size, stock in (("M", 3), ("L", 0)):
        seller_variants.add_variant(
            session, product=product, data=seller_variants.VariantInput(values=(size,), stock=stock),
            actor_id=None, now=utcnow(),
        )  # fmt: skip
    session.commit()
    return product, {v.value1: v for v in seller_variants.list_variants(session, product)}


def test_one_row_per_variant_and_its_changes_apply(session, world):
    product, sizes = _sized(session, world)
    text = bulk_export.export_csv(session, [world.seller_a.id])
    rows = [r for r in _rows(text) if r["id"] == str(product.id)]
    assert [(r["variant"], r["variant_id"], r["stock"], r["sku"]) for r in rows] == [
        ("S", str(sizes["S"].id), "8", "RT-S"),
        ("M", str(sizes["M"].id), "3", ""),
        ("L", str(sizes["L"].id), "0", ""),
    ]  # fmt: skip
    assert plan(session, text.encode(), [world.seller_a.id]).changes == []  # unchanged: nothing to do

    rows[1].update(stock="5", sku="RT-M", variant_price_idr="95000")
    for row in rows:
        row["weight_grams"] = "700"  # a product column, changed on every row of the product
    result = plan(session, _to_csv(rows), [world.seller_a.id])
    assert result.valid, result.errors
    # The product's columns change once (its first row); each variant's own on its row.
    assert [sorted(c.fields) for c in result.changes] == [
        ["weight_grams"],
        ["sku", "stock", "variant_price_idr"],
    ]
    # What the confirmation form carries back plans the same changes.
    again = plan(session, bulk.changes_csv(result).encode(), [world.seller_a.id])
    assert again.valid and again.token == result.token
    applied = bulk.apply_import(session, plan=result, actor=world.user_a, now=utcnow())
    session.commit()
    session.expire_all()
    medium = session.get(ProductVariant, sizes["M"].id)
    # The product is on sale: M's new price waits for a curator, like a product's price.
    assert (medium.stock, medium.sku, medium.price_minor) == (5, "RT-M", None)
    assert seller_variants.pending_variant_prices(session, product) == {medium.id: 95_000}
    assert applied.sent_for_review == 1
    assert (product.weight_grams, product.stock) == (700, 13)
    ledger = session.scalars(
        sa.select(StockMovement).where(
            StockMovement.variant_id == sizes["M"].id, StockMovement.reason == "CSV import"
        )
    ).one()
    assert ledger.quantity_delta == 2


def test_variant_rows_are_checked(session, world):
    product, sizes = _sized(session, world)
    exported = bulk_export.export_csv(session, [world.seller_a.id])
    rows = [r for r in _rows(exported) if r["id"] == str(product.id)]
    other = world.product_b.variants[0].id
    broken = [
        {**rows[0], "variant_id": ""},  # which variant?
        {**rows[2], "variant_price_idr": "50000"},  # under the product's 85.000
        {**rows[0], "title_id": "Keranjang lain"},  # disagrees with the product's first row
        {**rows[1], "variant_id": str(other)},  # another shop's variant
        {**rows[1]},  # the same variant twice
    ]
    result = plan(session, _to_csv([rows[1], *broken]), [world.seller_a.id])
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "variant_id"), (4, "variant_price_idr"), (5, "title_id"), (6, "variant_id"), (7, "id"),
    ]  # fmt: skip
    assert sizes  # the sizes are untouched: planning changes nothing
