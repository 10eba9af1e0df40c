"""The seller area's menu (marketplace/dashboard/menu.py): grouped by task, with what waits, on every page."""

from __future__ import annotations

import re

from tests.facilitator.conftest import link_facilitator
from tests.factories import make_product, make_user
from tests.seller.conftest import log_in


def _header(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True).split("</header>")[0]


def test_the_menu_groups_the_pages_and_counts_what_waits(app, session, world):
    make_product(session, seller=world.seller_a, cluster=world.cluster, stock=1)  # at its threshold (3)
    session.commit()
    owner = log_in(app.test_client(), world.user_a.email)
    for path in ("/seller/", "/seller/products", f"/seller/orders/{world.fulfilment_a.id}", "/seller/sales"):
        header = _header(owner, path)
        # One paid parcel to ship, one product running low: 2 on the summary, 1 beside each entry.
        assert re.search(r'class="badge area-total">2 waiting</span>', header), path
        assert 'Orders to ship <span class="badge">1</span>' in header
        assert 'Low stock <span class="badge">1</span>' in header
        groups = re.findall(r'class="area-group-name"[^>]*>([^<]+)<', header)
        assert groups == ["Shop", "Products", "Orders and money"]
        # The owner of one shop changes the payout account from the menu.
        assert f'href="/seller/shops/{world.seller_a.id}/payout-account"' in header
    header = _header(owner, f"/seller/orders/{world.fulfilment_a.id}")
    assert re.findall(r'href="([^"]+)" aria-current="(\w+)"', header) == [("/seller/orders", "true")]
    header = _header(owner, "/seller/orders")
    assert re.findall(r'href="([^"]+)" aria-current="(\w+)"', header) == [("/seller/orders", "page")]


def test_a_facilitator_sees_the_shop_menu_without_the_bank_account(app, session, world):
    helper = make_user(session, email="pendamping@example.test")
    link_facilitator(session, seller=world.seller_a, user=helper)
    session.commit()
    header = _header(log_in(app.test_client(), helper.email), "/seller/products")
    assert 'href="/seller/orders"' in header and 'Orders to ship <span class="badge">1</span>' in header
    assert "payout-account" not in header
