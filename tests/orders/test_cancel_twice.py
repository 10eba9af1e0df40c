"""Cancelling again what another tab already cancelled: the buyer is told it is already cancelled
(not that it "can no longer be"), on the order page with its current state, in both languages."""

from __future__ import annotations

import pytest

from tests.factories import make_product, make_user
from tests.login import logged_in_as
from tests.orders.helpers import make_cart, place
from tests.orders.test_cancel_views import paid_order


@pytest.mark.parametrize(
    ("lang", "said"), [("en", "This order is already cancelled."), ("id", "Pesanan ini sudah dibatalkan.")]
)
def test_an_unpaid_order_cancelled_in_another_tab(client, session, lang, said):
    buyer = make_user(session)
    order = place(session, make_cart(session, {make_product(session, stock=5): 1}), buyer=buyer)
    session.commit()
    logged_in_as(client, buyer, lang=lang)
    url = f"/orders/{order.number}/cancel?lang={lang}"
    assert client.post(url, data={"part": "all"}).status_code == 303
    again = client.post(url, data={"part": "all"}, follow_redirects=True)
    page = again.get_data(as_text=True)
    assert said in page and again.request.path == f"/orders/{order.number}"
    assert f'<p class="flash flash-warning">{said}</p>' in page  # what the buyer wanted: no error
    assert "can no longer be cancelled" not in page and "tidak dapat dibatalkan lagi" not in page
    # The confirm page, reloaded in the other tab, says the same.
    assert said in client.get(url + "&part=all", follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "said"),
    [("en", "These items are already cancelled."), ("id", "Barang-barang ini sudah dibatalkan.")],
)
def test_a_paid_part_cancelled_in_another_tab(client, session, lang, said):
    buyer = make_user(session)
    _owner, _product, order = paid_order(session, buyer=buyer)
    logged_in_as(client, buyer, lang=lang)
    part = str(order.fulfilments[0].id)
    form = {"part": part, "bank_name": "BRI", "account_number": "0123456789", "account_holder": "Ani"}
    url = f"/orders/{order.number}/cancel?lang={lang}"
    assert client.post(url, data=form).status_code == 303
    again = client.post(url, data=form, follow_redirects=True).get_data(as_text=True)
    assert said in again, again[again.find("message") :][:300]
    assert f'<p class="flash flash-warning">{said}</p>' in again
    assert "has already shipped" not in again and "sudah mengirim" not in again
