"""Authorization matrix with facilitators: every seller route, as a facilitator of shop A and as a
facilitator whose access was revoked, next to owner A, owner B, a buyer and an anonymous visitor.

A's things: the owner and A's facilitator reach them; everyone else gets 404 (or the login page)
and the database is unchanged.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.catalogue.models import Product
from marketplace.seller.models import SellerFacilitator
from tests.facilitator.conftest import log_in, snapshot
from tests.seller.test_access import AREA_ROUTES, OBJECT_ROUTES, _request


def _facilitator_snapshot(session) -> dict:
    state = snapshot(session)
    state["facilitators"] = [
        tuple(r)
        for r in session.execute(
            sa.select(SellerFacilitator.id, SellerFacilitator.revoked_at).order_by(SellerFacilitator.id)
        ).all()
    ]
    state["audit"] = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    return state


def _assert_login(response):
    assert response.status_code in (302, 303), response.status_code
    assert "/account/login" in response.headers["Location"]


def _refused_clients(app, world, facilitators):
    return {
        "buyer": log_in(app.test_client(), world.buyer.email),
        "owner B": log_in(app.test_client(), world.user_b.email),
        "revoked facilitator": log_in(app.test_client(), facilitators.revoked.email),
    }


@pytest.mark.parametrize("name", list(OBJECT_ROUTES))
def test_a_facilitator_reaches_the_shops_things_and_nobody_else_does(
    app, session, world, facilitators, ids, name
):
    route = OBJECT_ROUTES[name]
    before = _facilitator_snapshot(session)
    _assert_login(_request(app.test_client(), route, ids))
    for who, client in _refused_clients(app, world, facilitators).items():
        response = _request(client, route, ids)
        assert response.status_code == 404, (name, who, response.status_code)
        assert "Keranjang rotan" not in response.get_data(as_text=True)
    assert _facilitator_snapshot(session) == before

    facilitator = log_in(app.test_client(), facilitators.active.email)
    response = _request(facilitator, route, ids)
    assert response.status_code in (200, 303), (name, "facilitator", response.status_code)


@pytest.mark.parametrize("name", list(AREA_ROUTES))
def test_the_facilitators_lists_show_the_shop_and_a_revoked_one_has_none(
    app, session, world, facilitators, ids, name
):
    route = AREA_ROUTES[name]
    before = _facilitator_snapshot(session)
    revoked = log_in(app.test_client(), facilitators.revoked.email)
    assert _request(revoked, route, ids).status_code == 404
    assert _facilitator_snapshot(session) == before

    facilitator = log_in(app.test_client(), facilitators.active.email)
    response = _request(facilitator, route, ids)
    assert response.status_code in (200, 303), response.status_code
    if name == "products":
        assert "Keranjang rotan" in response.get_data(as_text=True)


def test_a_facilitator_adds_a_product_to_the_shop_they_help(app, session, world, facilitators, ids):
    facilitator = log_in(app.test_client(), facilitators.active.email)
    response = _request(facilitator, AREA_ROUTES["new_post"], ids)
    assert response.status_code == 303
    session.expire_all()
    product = session.scalars(sa.select(Product).order_by(Product.id.desc())).first()
    assert product.seller_id == world.seller_a.id
    assert product.title_id == "Keranjang rotan besar"


def test_the_dashboard_lists_the_shops_a_facilitator_helps(app, world, facilitators):
    facilitator = log_in(app.test_client(), facilitators.active.email)
    page = facilitator.get("/seller/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Rotan Ani" in html and "Batik Budi" not in html
    # A revoked facilitator with no shop of their own is sent to apply, like any buyer.
    revoked = log_in(app.test_client(), facilitators.revoked.email)
    assert revoked.get("/seller/").headers["Location"].endswith("/seller/apply")


def test_revoking_takes_effect_on_the_next_request(app, session, world, facilitators, ids):
    facilitator = log_in(app.test_client(), facilitators.active.email)
    assert facilitator.get(f"/seller/products/{ids['pa']}").status_code == 200
    owner = log_in(app.test_client(), world.user_a.email)
    response = owner.post(f"/seller/facilitators/{facilitators.link.id}/revoke")
    assert response.status_code == 303
    assert facilitator.get(f"/seller/products/{ids['pa']}").status_code == 404
    assert facilitator.get("/seller/products").status_code == 404
    session.expire_all()
    link = session.get(SellerFacilitator, facilitators.link.id)
    assert link.revoked_at is not None and link.revoked_by_id == world.user_a.id
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "facilitator.revoke")).one()
    assert entry.actor_id == world.user_a.id and entry.seller_id == world.seller_a.id


# The facilitator pages themselves -----------------------------------------------------------


def test_facilitator_pages_matrix(app, session, world, facilitators):
    grant_url = f"/seller/facilitators/shops/{world.seller_a.id}"
    revoke_url = f"/seller/facilitators/{facilitators.link.id}/revoke"
    grant_data = {f"s{world.seller_a.id}-email": "buyer@example.test"}
    before = _facilitator_snapshot(session)

    anonymous = app.test_client()
    for url in ("/seller/facilitators", "/seller/history"):
        _assert_login(anonymous.get(url))
    _assert_login(anonymous.post(grant_url, data=grant_data))
    _assert_login(anonymous.post(revoke_url))

    refused = _refused_clients(app, world, facilitators)
    for who, client in refused.items():
        assert client.post(grant_url, data=grant_data).status_code == 404, who
        assert client.post(revoke_url).status_code == 404, who
    for who in ("buyer", "revoked facilitator"):
        assert refused[who].get("/seller/facilitators").status_code == 404, who
        assert refused[who].get("/seller/history").status_code == 404, who
    page = refused["owner B"].get("/seller/facilitators").get_data(as_text=True)
    assert "pendamping@example.test" not in page and "Rotan Ani" not in page

    # A facilitator sees the shop they help but cannot pass access on or remove it.
    facilitator = log_in(app.test_client(), facilitators.active.email)
    page = facilitator.get("/seller/facilitators")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Rotan Ani" in html and grant_url not in html
    response = facilitator.post(grant_url, data=grant_data)
    assert response.status_code == 403
    assert "Only the shop&#39;s owner can choose its facilitators." in response.get_data(as_text=True)
    assert facilitator.post(revoke_url).status_code == 403
    assert _facilitator_snapshot(session) == before

    owner = log_in(app.test_client(), world.user_a.email)
    html = owner.get("/seller/facilitators").get_data(as_text=True)
    assert "pendamping@example.test" in html and "mantan@example.test" not in html


def test_with_several_shops_the_product_lands_in_the_chosen_one(app, session, world, facilitators, ids):
    from tests.factories import make_seller

    own = make_seller(session, user_id=facilitators.active.id, village=world.village, name="Toko Pendamping")
    session.commit()
    client = log_in(app.test_client(), facilitators.active.email)
    html = client.get("/seller/products").get_data(as_text=True)
    assert (
        f"/seller/products/new?shop={world.seller_a.id}" in html
        and f"/seller/products/new?shop={own.id}" in html
    )
    assert "Rotan Ani" in html  # lists mixing shops name the shop
    data = AREA_ROUTES["new_post"][2](ids)
    assert client.post(f"/seller/products/new?shop={own.id}", data=data).status_code == 303
    assert client.post(f"/seller/products/new?shop={world.seller_a.id}", data=data).status_code == 303
    # Someone else's shop is refused, never swapped for one of the account's.
    assert client.post(f"/seller/products/new?shop={world.seller_b.id}", data=data).status_code == 404
    session.expire_all()
    shops = session.scalars(
        sa.select(Product.seller_id).where(Product.title_id == "Keranjang rotan besar").order_by(Product.id)
    ).all()
    assert shops == [own.id, world.seller_a.id]
