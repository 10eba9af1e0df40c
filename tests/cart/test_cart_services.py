"""Cart services: quantities, caps, availability flags, seller groups and the login merge."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.cart import services
from marketplace.cart.models import Cart, CartLine
from marketplace.catalogue.models import ProductStatus
from marketplace.errors import ValidationError
from tests.factories import make_product, make_seller, make_user


def guest_cart(session):
    return services.get_or_create_cart(session, token=services.new_cart_token())


def quantities(session, cart):
    rows = session.execute(
        sa.select(CartLine.product_id, CartLine.quantity).where(CartLine.cart_id == cart.id)
    )
    return dict(rows.all())


def test_add_twice_adds_up_and_caps_at_stock(session):
    product = make_product(session, stock=4)
    cart = guest_cart(session)
    assert services.add_to_cart(session, cart=cart, product_id=product.id, quantity="3").capped is False
    change = services.add_to_cart(session, cart=cart, product_id=str(product.id), quantity="3")
    assert change.capped and change.quantity == 4
    assert quantities(session, cart) == {product.id: 4}


@pytest.mark.parametrize("quantity", ["0", "-1", "1000000000", "ten", "", "2.5"])
def test_bad_quantities_are_refused(session, quantity):
    product = make_product(session)
    cart = guest_cart(session)
    with pytest.raises(ValidationError):
        services.add_to_cart(session, cart=cart, product_id=product.id, quantity=quantity)
    services.add_to_cart(session, cart=cart, product_id=product.id, quantity="1")
    with pytest.raises(ValidationError):
        services.set_quantity(session, cart=cart, product_id=product.id, quantity=quantity)
    assert quantities(session, cart) == {product.id: 1}


@pytest.mark.parametrize("product_id", ["999999", "abc", "-5", ""])
def test_unknown_product_is_refused(session, product_id):
    with pytest.raises(ValidationError, match="does not exist"):
        services.add_to_cart(session, cart=guest_cart(session), product_id=product_id, quantity="1")


def test_inactive_or_sold_out_products_cannot_be_added(session):
    draft = make_product(session, status=ProductStatus.DRAFT)
    sold_out = make_product(session, stock=0)
    cart = guest_cart(session)
    with pytest.raises(ValidationError, match="not available"):
        services.add_to_cart(session, cart=cart, product_id=draft.id, quantity="1")
    with pytest.raises(ValidationError, match="sold out"):
        services.add_to_cart(session, cart=cart, product_id=sold_out.id, quantity="1")


def test_set_quantity_caps_and_remove(session):
    product = make_product(session, stock=3)
    cart = guest_cart(session)
    services.add_to_cart(session, cart=cart, product_id=product.id, quantity="1")
    assert services.set_quantity(session, cart=cart, product_id=product.id, quantity="9").quantity == 3
    assert services.remove_from_cart(session, cart=cart, product_id=product.id)
    assert not services.remove_from_cart(session, cart=cart, product_id=product.id)
    assert quantities(session, cart) == {}


def test_summary_groups_by_seller_and_flags_problems(session):
    seller_a, seller_b = make_seller(session), make_seller(session)
    a1 = make_product(session, seller=seller_a, price_minor=10_000, stock=5)
    a2 = make_product(session, seller=seller_a, price_minor=20_000, stock=5)
    b1 = make_product(session, seller=seller_b, price_minor=30_000, stock=5)
    cart = guest_cart(session)
    for product in (a1, b1, a2):
        services.add_to_cart(session, cart=cart, product_id=product.id, quantity="2")
    summary = services.summarize_cart(session, cart)
    assert [g.seller.id for g in summary.groups] == [seller_a.id, seller_b.id]
    assert summary.subtotal_minor == 2 * (10_000 + 20_000 + 30_000)
    assert summary.can_check_out

    a2.status = ProductStatus.ARCHIVED
    b1.stock = 1
    session.flush()
    summary = services.summarize_cart(session, cart)
    assert len(summary.problems) == 2 and not summary.can_check_out
    assert summary.subtotal_minor == 2 * 10_000 + 2 * 30_000  # the archived line no longer counts


def test_merge_guest_cart_into_account(session):
    user = make_user(session)
    shared = make_product(session, stock=5)
    only_guest = make_product(session, stock=5)
    mine = services.get_or_create_cart(session, user=user)
    services.add_to_cart(session, cart=mine, product_id=shared.id, quantity="2")
    token = services.new_cart_token()
    guest = services.get_or_create_cart(session, token=token)
    services.add_to_cart(session, cart=guest, product_id=shared.id, quantity="4")
    services.add_to_cart(session, cart=guest, product_id=only_guest.id, quantity="1")

    merged = services.merge_guest_cart(session, guest_token=token, user=user)
    assert merged.id == mine.id
    assert quantities(session, mine) == {shared.id: 5, only_guest.id: 1}  # 2 + 4 capped at stock 5
    assert session.scalars(sa.select(Cart).where(Cart.token == token)).first() is None
    assert services.merge_guest_cart(session, guest_token=token, user=user) is None


def test_guest_cart_becomes_the_accounts_cart(session):
    user = make_user(session)
    product = make_product(session)
    token = services.new_cart_token()
    guest = services.get_or_create_cart(session, token=token)
    services.add_to_cart(session, cart=guest, product_id=product.id, quantity="1")
    merged = services.merge_guest_cart(session, guest_token=token, user=user)
    assert merged.id == guest.id and merged.user_id == user.id and merged.token is None
    assert services.find_cart(session, user=user).id == guest.id
