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


def test_a_paid_parcel_says_by_when_to_send_it_and_when_it_is_late(app, session, world):
    """The day buyers read "The shop sends it by …" (its processing days after payment) stands
    beside the parcel on the list and its page; past it, the seller reads that it is late."""
    from datetime import timedelta

    from marketplace.timezones import buyer_day

    client = log_in(app.test_client(), world.user_a.email, lang="en")
    paid_at = world.order.paid_at
    due = paid_at + timedelta(days=world.seller_a.processing_days)
    send_by = f"Send by {buyer_day(due, 'en')}"
    assert send_by in client.get("/seller/orders").get_data(as_text=True)
    assert send_by in client.get(f"/seller/orders/{world.fulfilment_a.id}").get_data(as_text=True)

    world.order.paid_at = paid_at - timedelta(days=world.seller_a.processing_days + 1)
    session.commit()
    late_day = buyer_day(world.order.paid_at + timedelta(days=world.seller_a.processing_days), "id")
    html = client.get("/seller/orders?lang=id").get_data(as_text=True)
    assert f"Terlambat: seharusnya dikirim {late_day}. Kirim hari ini." in html

    world.fulfilment_a.status = FulfilmentStatus.SHIPPED
    session.commit()
    assert "Kirim paling lambat" not in client.get("/seller/orders").get_data(as_text=True)
