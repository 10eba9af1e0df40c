"""The same product's edit page open in two tabs (or the artisan's and the facilitator's phones):
a save from the page opened before the other save does not silently write its older values back."""

from __future__ import annotations

import re

from tests.seller.conftest import log_in
from tests.seller.test_listings import form


def _seen(html: str) -> str:
    return re.search(r'name="seen" type="hidden" value="([0-9a-f]+)"', html).group(1)


def test_a_save_from_an_older_tab_is_stopped_with_the_entries_kept(app, session, world, draft):
    client = log_in(app.test_client(), world.user_a.email, lang="id")
    url = f"/seller/products/{draft.id}"
    tab_a = _seen(client.get(url).get_data(as_text=True))
    tab_b = _seen(client.get(url).get_data(as_text=True))
    assert tab_a == tab_b

    # Tab A raises the price; tab B, still showing the old price, changes the weight.
    assert client.post(url, data=form(world.cluster, price="150000", seen=tab_a)).status_code == 303
    page = client.post(url, data=form(world.cluster, price="125000", weight_grams="650", seen=tab_b))
    html = page.get_data(as_text=True)
    assert page.status_code == 409
    assert "Produk ini sudah diubah di jendela lain" in html
    assert 'value="650"' in html  # what tab B typed is still there
    session.expire_all()
    assert (draft.price_minor, draft.weight_grams) == (150_000, 400)

    # Saving again on purpose (the page now carries the newer values' mark) applies tab B's entries.
    page = client.post(url, data=form(world.cluster, price="150000", weight_grams="650", seen=_seen(html)))
    assert page.status_code == 303
    session.expire_all()
    assert (draft.price_minor, draft.weight_grams) == (150_000, 650)


def test_a_stock_change_or_a_photo_in_another_tab_does_not_stop_a_save(app, session, world, draft):
    client = log_in(app.test_client(), world.user_a.email)
    url = f"/seller/products/{draft.id}"
    seen = _seen(client.get(url).get_data(as_text=True))
    stock = client.post(
        f"{url}/stock", data={"action": "adjust", "adjust-delta": "2", "adjust-reason": "batch baru"}
    )
    assert stock.status_code == 303
    assert client.post(url, data=form(world.cluster, weight_grams="650", seen=seen)).status_code == 303
    session.expire_all()
    assert draft.weight_grams == 650
