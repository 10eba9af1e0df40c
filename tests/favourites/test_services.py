"""Favourites and back-in-stock services: saving, the guest merge, one email when stock returns."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import ProductStatus
from marketplace.email.models import OutboundEmail
from marketplace.errors import NotFound, ValidationError
from marketplace.favourites import alerts, services
from marketplace.favourites.models import Favourite, StockAlert
from marketplace.stock.services import adjust_stock, set_stock
from marketplace.types import utcnow
from tests.factories import make_product, make_user


def _emails(session) -> list[OutboundEmail]:
    return list(session.scalars(sa.select(OutboundEmail).where(OutboundEmail.template == "back_in_stock")))


def test_save_twice_keeps_one_and_only_public_products(session):
    user = make_user(session)
    product = make_product(session)
    draft = make_product(session, status=ProductStatus.DRAFT)
    services.add_favourite(session, user=user, product_id=str(product.id))
    services.add_favourite(session, user=user, product_id=product.id)
    with pytest.raises(NotFound):
        services.add_favourite(session, user=user, product_id=draft.id)
    with pytest.raises(NotFound):
        services.add_favourite(session, user=user, product_id="12x")
    assert services.favourite_product_ids(session, user) == {product.id}
    assert services.remove_favourite(session, user=user, product_id=product.id) is True
    assert services.remove_favourite(session, user=user, product_id=product.id) is False
    assert services.favourite_product_ids(session, user) == frozenset()


def test_guest_cookie_is_parsed_defensively_and_merged_at_login(session):
    user = make_user(session)
    first, second, hidden = make_product(session), make_product(session), make_product(session)
    hidden.status = ProductStatus.ARCHIVED
    services.add_favourite(session, user=user, product_id=first.id)
    cookie = f"{second.id}.{first.id}.x.{second.id}.-4.99999999999999999999.{hidden.id}"
    ids = services.parse_id_cookie(cookie, services.MAX_GUEST_FAVOURITES)
    assert ids == [second.id, first.id, hidden.id]
    assert services.merge_guest_favourites(session, user=user, ids=ids) == 1  # second only
    assert services.favourite_product_ids(session, user) == {first.id, second.id}
    assert [p.id for p in services.list_favourites(session, user=user)][0] == second.id


def test_back_in_stock_emails_once_in_the_buyers_language_when_stock_returns(session):
    product = make_product(session, stock=0, title_id="Kopi Lanang", title_en="Peaberry coffee")
    buyer = make_user(session, locale="en")
    now = utcnow()
    alerts.subscribe_back_in_stock(session, product_id=product.id, user=buyer, lang="id", now=now)
    alerts.subscribe_back_in_stock(
        session, product_id=product.id, user=buyer, lang="id", now=now
    )  # again: one
    alerts.subscribe_back_in_stock(
        session, product_id=product.id, email=" Tamu@Example.test ", lang="id", now=now
    )
    with pytest.raises(ValidationError):
        alerts.subscribe_back_in_stock(
            session, product_id=product.id, email="not an address", lang="id", now=now
        )
    assert session.scalar(sa.select(sa.func.count(StockAlert.id))) == 2
    assert _emails(session) == []

    adjust_stock(session, product, delta=3, reason="new batch", now=now)
    sent = {email.to_address: email for email in _emails(session)}
    assert set(sent) == {buyer.email, "tamu@example.test"}
    assert "Peaberry coffee" in sent[buyer.email].subject  # the account's language
    assert "Kopi Lanang" in sent["tamu@example.test"].subject  # the page's language for the guest
    assert f"/products/{product.id}-" in sent[buyer.email].body_text
    assert session.scalar(sa.select(sa.func.count(StockAlert.id)).where(StockAlert.sent_at.is_(None))) == 0

    # More stock, or sold out and back again: the spent alerts write nothing more.
    adjust_stock(session, product, delta=2, reason="more", now=now)
    set_stock(session, product, stock=0, reason="counted", now=now)
    set_stock(session, product, stock=4, reason="counted", now=now)
    assert len(_emails(session)) == 2
    with pytest.raises(ValidationError):  # in stock now: order it instead
        alerts.subscribe_back_in_stock(session, product_id=product.id, user=buyer, lang="en", now=now)


def test_no_email_while_the_product_is_not_on_sale_or_stock_goes_down(session):
    product = make_product(session, stock=0)
    buyer = make_user(session)
    now = utcnow()
    alerts.subscribe_back_in_stock(session, product_id=product.id, user=buyer, lang="id", now=now)
    product.status = ProductStatus.ARCHIVED
    session.flush()
    adjust_stock(session, product, delta=2, reason="found some", now=now)
    assert _emails(session) == []
    adjust_stock(session, product, delta=-2, reason="broken", now=now)
    product.status = ProductStatus.ACTIVE
    session.flush()
    adjust_stock(session, product, delta=1, reason="made one", now=now)
    assert [e.to_address for e in _emails(session)] == [buyer.email]
    assert alerts.find_pending_alert_id(session, product_id=product.id, user=buyer) is None


def test_favourite_rows_go_when_the_product_is_deleted(session):
    user = make_user(session)
    product = make_product(session)
    services.add_favourite(session, user=user, product_id=product.id)
    session.delete(product)
    session.flush()
    assert session.scalar(sa.select(sa.func.count(Favourite.id))) == 0


def test_a_sold_out_size_waits_for_its_own_stock_not_the_other_sizes(app, client, session):
    """The shirt sells in M and XL while L is sold out: an alert on L ignores new XL stock, is sent
    once when L comes back, and names the size; the picker links every sold-out size to its form."""
    from tests.login import logged_in_as
    from tests.orders.test_variant_checkout import shirt_with_sizes

    _owner, shirt, sizes = shirt_with_sizes(session)
    buyer = make_user(session, locale="en")
    session.commit()
    page = client.get(f"/products/{shirt.id}-{shirt.slug}?lang=en").get_data(as_text=True)
    notify = f"/products/{shirt.id}/notify?variant={sizes['L'].id}"
    assert f'href="{notify}"' in page and f"variant={sizes['XL'].id}" not in page

    buyer_client = logged_in_as(app.test_client(), buyer)
    form = buyer_client.get(notify + "&lang=en").get_data(as_text=True)
    assert "(Size: L)" in form and f'name="variant_id" value="{sizes["L"].id}"' in form
    response = buyer_client.post(f"/products/{shirt.id}/notify", data={"variant_id": sizes["L"].id})
    assert response.status_code == 303
    again = buyer_client.post(f"/products/{shirt.id}/notify", data={"variant_id": sizes["L"].id})
    assert again.status_code == 303
    (alert,) = session.scalars(sa.select(StockAlert)).all()
    assert alert.variant_id == sizes["L"].id
    # XL has stock: no alert for it; another product's variant: not found.
    refused = buyer_client.post(f"/products/{shirt.id}/notify", data={"variant_id": sizes["XL"].id})
    assert refused.status_code == 400
    other = make_product(session, stock=0)
    session.commit()
    assert (
        buyer_client.post(f"/products/{other.id}/notify", data={"variant_id": sizes["L"].id}).status_code
        == 404
    )

    now = utcnow()
    adjust_stock(session, shirt, delta=4, reason="new batch", now=now, variant=sizes["XL"])
    assert _emails(session) == []
    adjust_stock(session, shirt, delta=2, reason="new batch", now=now, variant=sizes["L"])
    adjust_stock(session, shirt, delta=1, reason="one more", now=now, variant=sizes["L"])
    (email,) = _emails(session)
    assert email.to_address == buyer.email and "(Size: L)" in email.subject
