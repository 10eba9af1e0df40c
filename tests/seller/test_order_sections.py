"""The seller's orders page groups parcels by step: what to ship first, and says when nothing is."""

from __future__ import annotations

import re

from marketplace.orders.models import FulfilmentStatus
from tests.seller.conftest import log_in


def _headings(html: str) -> list[str]:
    return re.findall(r'<h2 id="orders-[a-z]+">([^<]+)</h2>', html)


def test_parcels_are_grouped_by_step_with_to_ship_first(app, session, world):
    client = log_in(app.test_client(), world.user_a.email, lang="en")
    html = client.get("/seller/orders").get_data(as_text=True)
    assert "<h1>Orders</h1>" in html
    assert _headings(html) == ["To ship (1)"]
    assert world.order.number in html

    world.fulfilment_a.status = FulfilmentStatus.DELIVERED
    session.commit()
    html = client.get("/seller/orders?lang=id").get_data(as_text=True)
    # Nothing to ship is said where the seller looks first; the delivered parcel is under "Done".
    assert _headings(html) == ["Perlu dikirim (0)", "Selesai (1)"]
    assert "Tidak ada yang perlu dikirim saat ini." in html
