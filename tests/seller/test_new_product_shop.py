"""Which shop a new product goes into: a facilitator running several shops adds to the one chosen.

A facilitator (pendamping) ran two artisans' shops from one account; the form forgot the shop
chosen by its link and every product landed silently in the first shop. These tests go through the
pages as the facilitator does: GET the form from the shop's link, POST what the page holds.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.seller.models import SellerFacilitator, SellerStatus
from marketplace.types import utcnow
from tests.factories import make_seller, make_user
from tests.seller.conftest import log_in, snapshot
from tests.seller.test_listings import form as product_form


@dataclass
class Helper:
    user: object
    slamet: object  # an artisan without an account, whose shop the facilitator runs
    pending: object  # a shop the facilitator runs, not approved yet


def _link(session, seller, user, *, revoked=False) -> None:
    now = utcnow()
    session.add(
        SellerFacilitator(
            seller_id=seller.id,
            facilitator_id=user.id,
            granted_by_id=seller.user_id or user.id,
            granted_via="owner",
            granted_at=now,
            revoked_at=now if revoked else None,
        )
    )
    session.flush()


@pytest.fixture
def helper(session, world) -> Helper:
    """A facilitator of shop A (Rotan Ani) and of Pak Slamet's shop; once of shop B, revoked."""
    user = make_user(session, email="pendamping@example.test", name="Pendamping", locale="id")
    slamet = make_seller(session, user_id=None, village=world.village, name="Ukir Kayu Pak Slamet")
    pending = make_seller(
        session, user_id=None, village=world.village, name="Tenun Bu Warsini", status=SellerStatus.PENDING
    )
    for shop in (world.seller_a, slamet, pending):
        _link(session, shop, user)
    _link(session, world.seller_b, user, revoked=True)
    session.commit()
    return Helper(user, slamet, pending)


def _page_form(page: str) -> tuple[str, dict[str, str]]:
    """The new-product form of `page`: its action and its hidden inputs (what the browser posts)."""
    form = re.search(
        r'<form method="post" class="stack" novalidate action="([^"]+)">(.*?)</form>', page, re.S
    )
    assert form, "no product form on the page"
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.group(2)))
    return html.unescape(form.group(1)), {name: html.unescape(value) for name, value in hidden.items()}


def _open(client, shop_id) -> tuple[str, dict[str, str]]:
    """The form the link "Add a product to <shop>" opens."""
    return _page_form(client.get(f"/seller/products/new?shop={shop_id}").get_data(as_text=True))


def _shops_of(session, title: str) -> list[int]:
    session.expire_all()
    return list(
        session.scalars(sa.select(Product.seller_id).where(Product.title_id == title).order_by(Product.id))
    )


def test_a_facilitator_adds_a_product_to_each_shop_from_its_link(app, session, world, helper):
    client = log_in(app.test_client(), helper.user.email)
    for shop in (helper.slamet, world.seller_a):
        page = client.get(f"/seller/products/new?shop={shop.id}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert f"Add a product to {shop.name}" in text
        assert f"This product goes into the shop {shop.name}." in text
        assert '<select id="shop"' not in text  # chosen: no select
        action, hidden = _page_form(text)
        assert action == f"/seller/products/new?shop={shop.id}" and hidden["shop"] == str(shop.id)
        title = f"Produk untuk {shop.name}"
        response = client.post(action, data=product_form(world.cluster, title_id=title) | hidden)
        assert response.status_code == 303
        assert _shops_of(session, title) == [shop.id]
        # The product page says whose it is.
        assert f"<strong>{shop.name}</strong>" in client.get(response.location).get_data(as_text=True)


def test_two_tabs_on_different_shops_each_add_to_their_own(app, session, world, helper):
    client = log_in(app.test_client(), helper.user.email)
    tab_slamet, tab_ani = _open(client, helper.slamet.id), _open(client, world.seller_a.id)
    for (action, hidden), title in ((tab_slamet, "Topeng kayu"), (tab_ani, "Keranjang rotan kecil")):
        response = client.post(action, data=product_form(world.cluster, title_id=title) | hidden)
        assert response.status_code == 303
    assert _shops_of(session, "Topeng kayu") == [helper.slamet.id]
    assert _shops_of(session, "Keranjang rotan kecil") == [world.seller_a.id]


def test_the_shop_survives_a_form_error(app, session, world, helper):
    client = log_in(app.test_client(), helper.user.email)
    action, hidden = _open(client, helper.slamet.id)
    before = snapshot(session)
    data = product_form(world.cluster, title_id="Topeng kayu", price="-5") | hidden
    refused = client.post(action, data=data)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Enter an amount above Rp 0, without a minus sign." in text
    assert f"Add a product to {helper.slamet.name}" in text
    assert snapshot(session) == before
    # The re-rendered form still names Pak Slamet's shop: corrected, it lands there.
    action, hidden = _page_form(text)
    assert hidden["shop"] == str(helper.slamet.id)
    response = client.post(action, data=product_form(world.cluster, title_id="Topeng kayu") | hidden)
    assert response.status_code == 303
    assert _shops_of(session, "Topeng kayu") == [helper.slamet.id]


def test_with_no_shop_chosen_the_form_asks_among_the_accounts_shops(app, session, world, helper):
    client = log_in(app.test_client(), helper.user.email)
    page = client.get("/seller/products/new")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    select = re.search(r'<select[^>]*name="shop"[^>]*>(.*?)</select>', text, re.S)
    assert select and "Which shop is it for?" in text
    options = re.findall(r'<option[^>]*value="(\d*)"', select.group(1))
    assert options == ["", str(world.seller_a.id), str(helper.slamet.id)]  # approved, theirs only
    assert world.seller_b.name not in select.group(1) and helper.pending.name not in select.group(1)

    # Saved without choosing (an old form posting no shop, too): asked again, nothing created.
    before = snapshot(session)
    for data in (product_form(world.cluster, shop=""), product_form(world.cluster)):
        refused = client.post("/seller/products/new", data=data)
        assert refused.status_code == 400
        assert "Choose which shop this product is for." in refused.get_data(as_text=True)
    assert snapshot(session) == before

    response = client.post(
        "/seller/products/new",
        data=product_form(world.cluster, title_id="Topeng", shop=str(helper.slamet.id)),
    )
    assert response.status_code == 303
    assert _shops_of(session, "Topeng") == [helper.slamet.id]


def test_a_shop_the_account_does_not_run_is_refused(app, session, world, helper):
    client = log_in(app.test_client(), helper.user.email)
    before = snapshot(session)
    # Shop B: someone else's (this account's access was revoked); then no shop at all, or no id.
    for shop in (str(world.seller_b.id), "999999", "abc", "-1"):
        assert client.get(f"/seller/products/new?shop={shop}").status_code == 404, shop
        response = client.post(f"/seller/products/new?shop={shop}", data=product_form(world.cluster))
        assert response.status_code == 404, shop
        data = product_form(world.cluster, shop=shop)
        assert client.post(f"/seller/products/new?shop={world.seller_a.id}", data=data).status_code == 404
    # One of its shops, not approved yet.
    assert client.get(f"/seller/products/new?shop={helper.pending.id}").status_code == 409
    data = product_form(world.cluster, shop=str(helper.pending.id))
    assert client.post("/seller/products/new", data=data).status_code == 409
    assert snapshot(session) == before


def test_a_single_shop_seller_is_unaffected(app, session, world, helper):
    client = log_in(app.test_client(), world.user_a.email)
    text = client.get("/seller/products/new").get_data(as_text=True)
    assert "<h1>Add a product</h1>" in text and "goes into the shop" not in text
    assert '<select id="shop"' not in text
    action, hidden = _page_form(text)
    assert action == "/seller/products/new"
    response = client.post(action, data=product_form(world.cluster, title_id="Tas pandan") | hidden)
    assert response.status_code == 303
    # And with no shop field at all, as before.
    assert client.post(action, data=product_form(world.cluster, title_id="Tas pandan")).status_code == 303
    assert _shops_of(session, "Tas pandan") == [world.seller_a.id, world.seller_a.id]
    # Another owner's shop, named in the link or the form: 404.
    assert client.get(f"/seller/products/new?shop={world.seller_b.id}").status_code == 404
    data = product_form(world.cluster, shop=str(world.seller_b.id))
    assert client.post(action, data=data).status_code == 404
    assert "Add a product to" not in client.get("/seller/").get_data(as_text=True)


def test_the_dashboard_and_product_list_link_each_shop(app, session, world, helper):
    client = log_in(app.test_client(), helper.user.email)
    for path in ("/seller/", "/seller/products"):
        text = client.get(path).get_data(as_text=True)
        for shop in (world.seller_a, helper.slamet):
            assert f'href="/seller/products/new?shop={shop.id}"' in text, path
            assert f"Add a product to {shop.name}" in text, path
        assert 'href="/seller/products/new"' not in text, path
        assert f'?shop={helper.pending.id}"' not in text and f'?shop={world.seller_b.id}"' not in text


def test_the_shop_is_named_in_indonesian(app, session, world, helper):
    client = log_in(app.test_client(), helper.user.email, lang="id")
    text = client.get(f"/seller/products/new?shop={helper.slamet.id}").get_data(as_text=True)
    assert "Tambah produk ke Ukir Kayu Pak Slamet" in text
    assert "Produk ini masuk ke toko Ukir Kayu Pak Slamet." in text and "Pilih toko lain" in text
    asked = client.post("/seller/products/new", data=product_form(world.cluster))
    assert asked.status_code == 400
    text = asked.get_data(as_text=True)
    assert "Untuk toko yang mana?" in text and "Pilih toko untuk produk ini." in text
