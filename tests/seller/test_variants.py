"""Options and variants in the seller area: services, stock per variant, pages, and other shops."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.catalogue.models import ProductOption, ProductVariant
from marketplace.curation.decisions import decide_revision
from marketplace.curation.revisions import find_pending_revision
from marketplace.dashboard import stock as seller_stock
from marketplace.dashboard import variants as services
from marketplace.errors import Conflict, InvalidInput, ValidationError
from marketplace.stock import services as stock_services
from marketplace.stock.models import StockMovement
from marketplace.types import utcnow
from tests.login import logged_in_as_email
from tests.seller.conftest import log_in, snapshot


def _sizes(session, product, *sizes_and_stock, actor_id=None):
    """Options "Ukuran"/"Size"; the product's own variant becomes the first size, the rest are added."""
    services.save_options(session, product=product, names=[("Ukuran", "Size")])
    first, *rest = sizes_and_stock
    variant = services.list_variants(session, product)[0]
    services.update_variant(
        session,
        product=product,
        variant=variant,
        data=services.VariantInput(values=(first[0],)),
        actor_id=actor_id,
        now=utcnow(),
    )
    for size, stock in rest:
        services.add_variant(
            session,
            product=product,
            data=services.VariantInput(values=(size,), stock=stock, sku=f"SKU-{size}"),
            actor_id=actor_id,
            now=utcnow(),
        )
    session.flush()
    return {v.value1: v for v in services.list_variants(session, product)}


def _total_is_sum(session, product) -> int:
    session.expire_all()
    total = session.scalar(
        sa.select(sa.func.sum(ProductVariant.stock)).where(ProductVariant.product_id == product.id)
    )
    ledger = session.scalar(
        sa.select(sa.func.sum(StockMovement.quantity_delta)).where(StockMovement.product_id == product.id)
    )
    assert product.stock == total
    return total, ledger


def test_variants_keep_their_own_stock_and_the_product_total(session, world):
    product = world.product_a  # 10 made, 2 reserved by the fixture order: 8 on its one variant
    assert [v.stock for v in product.variants] == [8]
    sizes = _sizes(session, product, ("M", None), ("L", 5), ("XL", 0), actor_id=world.user_a.id)
    assert {size: v.stock for size, v in sizes.items()} == {"M": 8, "L": 5, "XL": 0}
    assert _total_is_sum(session, product)[0] == 13
    opening = session.scalars(sa.select(StockMovement).where(StockMovement.variant_id == sizes["L"].id)).one()
    assert (opening.quantity_delta, opening.reason, opening.actor_id) == (5, "opening stock", world.user_a.id)

    assert seller_stock.adjust_stock(
        session, product=product, delta=-3, reason="rusak", actor_id=world.user_a.id, now=utcnow(),
        variant=sizes["M"],
    ) == 5  # fmt: skip
    assert seller_stock.set_stock(
        session, product=product, new_stock=2, expected_stock=0, reason="dihitung", actor_id=None,
        now=utcnow(), variant=sizes["XL"],
    ) == 2  # fmt: skip
    assert _total_is_sum(session, product)[0] == 12
    session.commit()
    # Below zero for one variant is refused even though the product's total has units.
    with pytest.raises(InvalidInput):
        seller_stock.adjust_stock(
            session,
            product=product,
            delta=-3,
            reason="rusak",
            actor_id=None,
            now=utcnow(),
            variant=sizes["XL"],
        )
    # With several variants, a stock change must name one.
    with pytest.raises(ValidationError):
        stock_services.adjust_stock(session, product, delta=1, reason="x", now=utcnow())
    session.rollback()
    assert _total_is_sum(session, product)[0] == 12


def test_variant_rules(session, world):
    product = world.product_a
    with pytest.raises(Conflict):  # no option named yet
        services.add_variant(
            session,
            product=product,
            data=services.VariantInput(values=("L",), stock=1),
            actor_id=None,
            now=utcnow(),
        )
    sizes = _sizes(session, product, ("M", None), ("L", 1))
    for data, field in (
        (services.VariantInput(values=("L",), stock=0), "value1"),  # the same values twice
        (services.VariantInput(values=("",), stock=0), "value1"),
        (services.VariantInput(values=("XL",), stock=0, price_minor=80_000), "price_minor"),  # under 85.000
        (services.VariantInput(values=("XL",), stock=0, weight_grams=40_000), "weight_grams"),
        (services.VariantInput(values=("XL",), stock=-1), "stock"),
        (services.VariantInput(values=("XL",), stock=0, image_id=world.product_b.id), "image_id"),
    ):
        with pytest.raises(InvalidInput) as error:
            services.add_variant(session, product=product, data=data, actor_id=None, now=utcnow())
        assert field in error.value.errors
    with pytest.raises(Conflict):  # removing the option would make M and L the same
        services.save_options(session, product=product, names=[])
    with pytest.raises(Conflict):  # L still has a unit
        services.delete_variant(session, product=product, variant=sizes["L"])
    seller_stock.set_stock(
        session, product=product, new_stock=0, expected_stock=1, reason="habis", actor_id=None, now=utcnow(),
        variant=sizes["L"],
    )  # fmt: skip
    services.delete_variant(session, product=product, variant=sizes["L"])
    with pytest.raises(Conflict):  # the last one stays
        services.delete_variant(session, product=product, variant=sizes["M"])
    services.save_options(session, product=product, names=[])  # one variant left: the option may go
    session.flush()
    session.expire_all()
    assert [(v.values, v.stock) for v in product.variants] == [(("", "", ""), 8)]
    assert session.scalar(sa.select(sa.func.count()).select_from(ProductOption)) == 0


def test_variant_pages_for_the_owner(app, session, world):
    product = world.product_a
    client = log_in(app.test_client(), world.user_a.email)
    page = client.get(f"/seller/products/{product.id}")
    assert f"/seller/products/{product.id}/variants" in page.get_data(as_text=True)
    url = f"/seller/products/{product.id}/variants"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"action": "options", "option1_id": "Ukuran", "option1_en": "Size"})
    assert response.status_code == 303
    own = session.scalars(sa.select(ProductVariant).where(ProductVariant.product_id == product.id)).one()
    response = client.post(
        f"{url}/{own.id}", data={"value1": "M", "sku": "RTN-M", "price": "", "weight_grams": ""}
    )
    assert response.status_code == 303
    response = client.post(
        url,
        data={
            "action": "add",
            "new-value1": "L",
            "new-price": "95,000",
            "new-stock": "4",
            "new-sku": "RTN-L",
        },
    )
    assert response.status_code == 303
    refused = client.post(url, data={"action": "add", "new-value1": "L", "new-stock": "1"})
    assert refused.status_code == 400
    assert "already has a variant with these values" in refused.get_data(as_text=True)
    # The shop's history names who added the variant (the audit tracker sees options and variants).
    actions = session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.actor_id == world.user_a.id)
    ).all()
    assert {"product_option.create", "product_variant.create", "product_variant.update"} <= set(actions)
    html = client.get(url).get_data(as_text=True)
    assert "RTN-L" in html and "Rp95,000" in html.replace("\xa0", "").replace(" ", "")
    session.expire_all()
    variants = {v.value1: v for v in product.variants}
    # The product is on sale: L's own price waits for a curator (L sells at the product's price).
    assert (variants["L"].price_minor, variants["L"].stock, variants["M"].sku) == (None, 4, "RTN-M")
    assert services.pending_variant_prices(session, product) == {variants["L"].id: 95_000}
    assert "waiting for review" in html
    assert product.stock == 12
    preview = client.get(f"/seller/products/{product.id}/preview").get_data(as_text=True)
    assert "<h2>Size</h2>" in preview and "<strong>L</strong>" in preview
    stock_page = client.get(f"/seller/products/{product.id}/stock?variant={variants['L'].id}")
    assert "The forms below change the stock of: L" in stock_page.get_data(as_text=True)
    response = client.post(
        f"/seller/products/{product.id}/stock?variant={variants['L'].id}",
        data={"action": "adjust", "adjust-delta": "-4", "adjust-reason": "terjual di pasar"},
    )
    assert response.status_code == 303
    session.expire_all()
    assert (variants["L"].stock, product.stock) == (0, 8)
    low = client.get("/seller/stock/low").get_data(as_text=True)
    assert "Keranjang rotan</strong></a> – L" in low
    response = client.post(f"{url}/{variants['L'].id}/delete")
    assert response.status_code == 303
    session.expire_all()
    assert [v.value1 for v in product.variants] == ["M"]


def test_another_shop_cannot_touch_the_variants(app, session, world):
    product = world.product_a
    _sizes(session, product, ("M", None), ("L", 0))
    session.commit()
    variant = services.list_variants(session, product)[1]
    before = snapshot(session)
    variants_before = session.execute(sa.select(ProductVariant.id, ProductVariant.value1)).all()
    client = log_in(app.test_client(), world.user_b.email)
    url = f"/seller/products/{product.id}/variants"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"action": "options", "option1_id": "Warna"}).status_code == 404
    assert client.post(url, data={"action": "add", "new-value1": "S", "new-stock": "3"}).status_code == 404
    assert client.post(f"{url}/{variant.id}", data={"value1": "XXL"}).status_code == 404
    assert client.post(f"{url}/{variant.id}/delete").status_code == 404
    # Their own product's URL with another product's variant id is not found either.
    assert client.get(f"/seller/products/{world.product_b.id}/variants/{variant.id}").status_code == 404
    assert snapshot(session) == before
    assert session.execute(sa.select(ProductVariant.id, ProductVariant.value1)).all() == variants_before


def test_a_live_products_variant_price_waits_for_a_curator(app, session, world):
    product = world.product_a  # on sale
    sizes = _sizes(session, product, ("M", None), ("L", 2))
    outcome = services.update_variant(
        session, product=product, variant=sizes["L"], actor_id=world.user_a.id, now=utcnow(),
        data=services.VariantInput(values=("L",), price_minor=99_000),
    )  # fmt: skip
    session.commit()
    assert outcome == "review" and sizes["L"].price_minor is None  # buyers still pay Rp 85.000
    curator = logged_in_as_email(app.test_client(), world.curator.email, lang="en")
    page = curator.get(f"/curator/products/{product.id}").get_data(as_text=True)
    assert "Price – L" in page and "Rp99,000" in page.replace("\xa0", "").replace(" ", "")
    # The sizes buyers choose from, each with its stock, beside the fields under review.
    assert 'id="variants-h"' in page and '<th scope="row">M</th>' in page and '<th scope="row">L</th>' in page
    revision = find_pending_revision(session, product)
    decide_revision(session, revision=revision, approve=True, curator=world.curator, note="", now=utcnow())
    session.commit()
    session.expire_all()
    assert sizes["L"].price_minor == 99_000 and services.pending_variant_prices(session, product) == {}
    # Changing it back to the live price proposes nothing.
    assert services.update_variant(
        session, product=product, variant=sizes["L"], actor_id=None, now=utcnow(),
        data=services.VariantInput(values=("L",), price_minor=99_000),
    ) == "saved"  # fmt: skip
    assert find_pending_revision(session, product) is None
