"""A product with sizes, from the product page's picker through cart and checkout to the order's
snapshot, the stock ledger per variant, the packing slip and the customs description."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.cart.models import CartLine
from marketplace.catalogue.models import ProductOption, ProductVariant
from marketplace.orders import services as orders
from marketplace.orders.models import Order
from marketplace.stock.models import StockMovement, StockMovementKind
from marketplace.types import utcnow
from tests.factories import make_seller, make_user
from tests.login import logged_in_as_email
from tests.orders.helpers import make_cart, place
from tests.orders.test_views import checkout, setup_shop


def shirt_with_sizes(session):
    """Batik shirt: M (2 left), L (sold out), XL (3 left, Rp 275.000, 320 g, its own SKU)."""
    owner = make_user(session, email="sekar@example.test")
    product = setup_shop(
        session,
        seller=make_seller(session, user_id=owner.id, name="Sanggar Sekar"),
        title_id="Kemeja batik Gajah Oling",
        title_en="Gajah Oling batik shirt",
        price_minor=250_000,
        weight_grams=300,
        stock=2,
    )
    session.add(ProductOption(product_id=product.id, position=1, name_id="Ukuran", name_en="Size"))
    medium = product.variants[0]
    medium.value1, medium.sku = "M", "GO-M"
    session.add_all(
        [
            ProductVariant(product_id=product.id, position=1, value1="L", sku="GO-L", stock=0),
            ProductVariant(
                product_id=product.id, position=2, value1="XL", sku="GO-XL", stock=3, price_minor=275_000,
                weight_grams=320,
            ),
        ]
    )  # fmt: skip
    product.stock = 5  # the total of the variants, as the stock services keep it
    session.commit()
    return owner, product, {v.value1: v for v in product.variants}


def test_the_buyer_picks_a_size_and_the_order_keeps_it(app, client, session):
    owner, product, sizes = shirt_with_sizes(session)
    # The picker: every size with its price and stock; the sold-out one shown but not selectable.
    page = client.get(f"/products/{product.id}-{product.slug}?lang=en").get_data(as_text=True)
    assert "js/variant-picker" in page and "<legend>Size</legend>" in page
    assert f'id="variant-{sizes["L"].id}" value="{sizes["L"].id}" disabled' in page
    assert f'id="variant-{sizes["M"].id}" value="{sizes["M"].id}" checked' in page
    assert "Rp275,000" in page.replace("\xa0", "").replace(" ", "") and "Sold out" in page

    # Without a size, or a sold-out size, or another product's variant: nothing goes in the cart.
    for data in ({}, {"variant_id": sizes["L"].id}, {"variant_id": "abc"}):
        client.post("/cart/add", data={"product_id": product.id, "quantity": "1", **data})
    assert client.get("/cart").get_data(as_text=True).count('name="variant_id"') == 0

    client.post("/cart/add", data={"product_id": product.id, "quantity": "5", "variant_id": sizes["XL"].id})
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1", "variant_id": sizes["M"].id})
    cart = client.get("/cart?lang=en").get_data(as_text=True)
    assert "Size: XL" in cart and "Size: M" in cart
    assert 'value="3"' in cart  # XL capped to its own stock, not the product's 5

    response, _ = checkout(client)
    assert response.status_code == 303, response.get_data(as_text=True)
    order = session.scalars(sa.select(Order)).one()
    lines = sorted(order.lines, key=lambda line: line.sku)
    assert [
        (ln.sku, ln.variant_label_id, ln.variant_label_en, ln.quantity, ln.unit_price_idr, ln.weight_grams)
        for ln in lines
    ] == [
        ("GO-M", "Ukuran: M", "Size: M", 1, 250_000, 300),
        ("GO-XL", "Ukuran: XL", "Size: XL", 3, 275_000, 960),
    ]
    assert lines[1].customs_description == "Gajah Oling batik shirt, Size: XL"
    assert order.subtotal_minor == 250_000 + 3 * 275_000
    session.expire_all()
    assert [(v.value1, v.stock) for v in product.variants] == [("M", 1), ("L", 0), ("XL", 0)]
    assert product.stock == 1
    reserved = session.execute(
        sa.select(StockMovement.variant_id, StockMovement.quantity_delta)
        .where(StockMovement.order_id == order.id, StockMovement.kind == StockMovementKind.RESERVE)
        .order_by(StockMovement.variant_id)
    ).all()
    assert reserved == [(sizes["M"].id, -1), (sizes["XL"].id, -3)]

    orders.mark_order_paid(session, order, actor_label="test", now=utcnow())
    session.commit()
    seller_client = logged_in_as_email(app.test_client(), owner.email, lang="en")
    slip = seller_client.get(f"/seller/orders/{order.fulfilments[0].id}/slip").get_data(as_text=True)
    assert "Gajah Oling batik shirt (Size: XL)" in slip and "SKU GO-XL" in slip
    guest_link = response.headers["Location"]  # the guest's order page, with its token
    buyer_page = client.get(guest_link + "&lang=id").get_data(as_text=True)
    assert "Kemeja batik Gajah Oling (Ukuran: XL)" in buyer_page
    # Payment writes one SALE row per variant.
    sales = session.execute(
        sa.select(StockMovement.variant_id, StockMovement.quantity_delta).where(
            StockMovement.order_id == order.id, StockMovement.kind == StockMovementKind.SALE
        )
    ).all()
    assert sorted(sales) == [(sizes["M"].id, 0), (sizes["XL"].id, 0)]


def test_a_cancelled_order_gives_each_variant_its_units_back(session):
    _owner, product, sizes = shirt_with_sizes(session)
    cart = make_cart(session, {})
    session.add_all(
        [
            CartLine(cart_id=cart.id, product_id=product.id, variant_id=sizes["M"].id, quantity=2),
            CartLine(cart_id=cart.id, product_id=product.id, variant_id=sizes["XL"].id, quantity=1),
        ]
    )
    order = place(session, cart)
    session.commit()
    session.expire_all()
    assert [(v.value1, v.stock) for v in product.variants] == [("M", 0), ("L", 0), ("XL", 2)]
    orders.cancel_unpaid_order(session, order, reason="test", actor_label="test", now=utcnow())
    session.commit()
    session.expire_all()
    assert [(v.value1, v.stock) for v in product.variants] == [("M", 2), ("L", 0), ("XL", 3)]
    assert product.stock == 5
    ledger = session.scalar(
        sa.select(sa.func.sum(StockMovement.quantity_delta)).where(StockMovement.variant_id == sizes["XL"].id)
    )
    assert ledger == 0  # the order's reservation and release (the fixture wrote XL's stock directly)
