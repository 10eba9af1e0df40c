"""One review invitation per order: every shop's items in one email, never twice for a parcel."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from marketplace.email.models import OutboundEmail
from marketplace.orders import services as orders
from marketplace.orders.fulfilment import mark_fulfilment_delivered, mark_fulfilment_shipped
from marketplace.reviews.invitations import INVITE_MAX_WAIT_DAYS, invite_reviews
from marketplace.reviews.models import ReviewInvitation
from marketplace.shipping.couriers import ensure_default_couriers
from marketplace.types import utcnow
from tests.factories import make_product, make_user
from tests.orders.helpers import make_cart, place
from tests.payouts.helpers import make_shop
from tests.reviews.helpers import write_review


def _two_shop_order(session, *, now, locale="id"):
    """(buyer, order, {shop name: parcel}): an account's paid courier order from two shops,
    Rotan Ani (a basket and a tray) and Batik Budi (a batik), both parcels shipped at `now`."""
    ensure_default_couriers(session)
    buyer = make_user(session, name="Siti", locale=locale)
    rotan, basket = make_shop(session, price=85_000, name="Rotan Ani")
    tray = make_product(
        session, seller=rotan, title_id="Nampan rotan", title_en="Rattan tray", price_minor=60_000
    )
    batik, cloth = make_shop(session, price=450_000, name="Batik Budi")
    basket.title_id, basket.title_en = "Keranjang rotan", "Rattan basket"
    cloth.title_id, cloth.title_en = "Batik tulis Gajah Oling", "Gajah Oling hand-drawn batik"
    session.flush()
    cart = make_cart(session, {basket: 1, tray: 2, cloth: 1}, user=buyer)
    order = place(session, cart, buyer=buyer, email=buyer.email, lang=locale, now=now)
    assert orders.mark_order_paid(session, order, actor_label="test", now=now)
    parcels = {}
    for parcel in order.fulfilments:
        assert mark_fulfilment_shipped(
            session, parcel, courier="JNE", courier_code="jne", tracking_number=f"JNE{parcel.id:06d}",
            actor_label="seller", now=now,
        )  # fmt: skip
        parcels[parcel.lines[0].seller_name] = parcel
    session.commit()
    return buyer, order, parcels


def _deliver(session, parcel, when):
    assert mark_fulfilment_delivered(session, parcel, actor_label="buyer", now=when)
    session.commit()


def _invitations(session, buyer) -> list[OutboundEmail]:
    session.expire_all()
    return list(
        session.scalars(
            sa.select(OutboundEmail)
            .where(OutboundEmail.to_address == buyer.email, OutboundEmail.template == "review_invitation")
            .order_by(OutboundEmail.id)
        )
    )


def _run(session, now) -> int:
    sent = invite_reviews(session, now=now)
    session.commit()
    return sent


def test_an_order_from_two_shops_sends_one_invitation_listing_both(app, session):
    now = utcnow()
    buyer, order, parcels = _two_shop_order(session, now=now - timedelta(days=8))
    _deliver(session, parcels["Rotan Ani"], now - timedelta(days=6))
    _deliver(session, parcels["Batik Budi"], now - timedelta(days=4))
    assert _run(session, now) == 1
    assert _run(session, now) == 0
    assert _run(session, now + timedelta(days=20)) == 0
    (email,) = _invitations(session, buyer)
    assert email.subject == f"Bagaimana pesanan {order.number} Anda? Beri nilai barang yang Anda beli"
    text = email.body_text
    assert "Paket Anda dari 2 toko sudah tiba." in text
    assert text.index("Dari Rotan Ani:") < text.index("- Keranjang rotan") < text.index("- Nampan rotan")
    assert (
        text.index("- Nampan rotan")
        < text.index("Dari Batik Budi:")
        < text.index("- Batik tulis Gajah Oling")
    )
    assert f"/orders/{order.number}" in text and "masih dalam perjalanan" not in text
    assert "Dari Rotan Ani:" in email.body_html and "<li>Batik tulis Gajah Oling</li>" in email.body_html
    invited = session.scalars(sa.select(ReviewInvitation.fulfilment_id)).all()
    assert sorted(invited) == sorted(p.id for p in parcels.values())


def test_the_order_waits_for_its_last_parcel_then_invites_once_in_english(app, session):
    now = utcnow()
    buyer, order, parcels = _two_shop_order(session, now=now - timedelta(days=8), locale="en")
    _deliver(session, parcels["Rotan Ani"], now - timedelta(days=5))
    _deliver(session, parcels["Batik Budi"], now - timedelta(days=1))
    assert _run(session, now) == 0  # the batik arrived yesterday: both wait for it to be unpacked
    assert _run(session, now + timedelta(days=2)) == 1
    (email,) = _invitations(session, buyer)
    assert email.subject == f"How was your order {order.number}? Rate what you bought"
    assert "Your parcels from 2 shops arrived." in email.body_text
    assert "From Rotan Ani:" in email.body_text and "- Gajah Oling hand-drawn batik" in email.body_text


def test_a_parcel_still_on_its_way_holds_the_others_back_only_so_long(app, session):
    now = utcnow()
    buyer, order, parcels = _two_shop_order(session, now=now - timedelta(days=8))
    _deliver(session, parcels["Rotan Ani"], now - timedelta(days=4))
    assert _run(session, now) == 0  # the batik is still on its way
    later = now + timedelta(days=INVITE_MAX_WAIT_DAYS - 4)
    assert _run(session, later) == 1
    (first,) = _invitations(session, buyer)
    assert "Paket Anda dari Rotan Ani sudah tiba." in first.body_text
    assert (
        "Batik tulis" not in first.body_text and "Sisa pesanan Anda masih dalam perjalanan" in first.body_text
    )
    # The late parcel arrives: its own email some days later, the first parcel never again.
    _deliver(session, parcels["Batik Budi"], later)
    assert _run(session, later + timedelta(days=1)) == 0
    assert _run(session, later + timedelta(days=3)) == 1
    assert _run(session, later + timedelta(days=4)) == 0
    first, second = _invitations(session, buyer)
    assert "Paket Anda dari Batik Budi sudah tiba." in second.body_text
    assert "Keranjang rotan" not in second.body_text and "perjalanan" not in second.body_text
    assert session.scalar(sa.select(sa.func.count()).select_from(ReviewInvitation)) == 2


def test_reviewed_lines_are_left_out_and_a_fully_reviewed_order_gets_no_email(app, session):
    now = utcnow()
    buyer, order, parcels = _two_shop_order(session, now=now - timedelta(days=8))
    _deliver(session, parcels["Rotan Ani"], now - timedelta(days=5))
    _deliver(session, parcels["Batik Budi"], now - timedelta(days=5))
    batik_line = parcels["Batik Budi"].lines[0]
    write_review(app, session, batik_line, buyer)
    assert _run(session, now) == 1
    (email,) = _invitations(session, buyer)
    assert "Paket Anda dari Rotan Ani sudah tiba." in email.body_text and "Batik" not in email.body_text

    other_buyer, _order, other = _two_shop_order(session, now=now - timedelta(days=8))
    for parcel in other.values():
        _deliver(session, parcel, now - timedelta(days=5))
        for line in parcel.lines:
            write_review(app, session, line, other_buyer)
    assert _run(session, now) == 0
    assert _invitations(session, other_buyer) == []
    assert session.scalar(sa.select(sa.func.count()).select_from(ReviewInvitation)) == 4


def test_invitations_run_a_fixed_number_of_queries(app, session, count_queries):
    now = utcnow()
    for _ in range(2):
        _buyer, _order, parcels = _two_shop_order(session, now=now - timedelta(days=8))
        for parcel in parcels.values():
            _deliver(session, parcel, now - timedelta(days=5))
    with count_queries() as two:
        assert invite_reviews(session, now=now) == 2
    session.rollback()
    for _ in range(3):
        _buyer, _order, parcels = _two_shop_order(session, now=now - timedelta(days=8))
        for parcel in parcels.values():
            _deliver(session, parcel, now - timedelta(days=5))
    with count_queries() as five:
        assert invite_reviews(session, now=now) == 5
    # Reads are a fixed number, whatever the number of orders (writes: each order's rows and email).
    reads = [sum(s.lstrip().upper().startswith("SELECT") for s in c.statements) for c in (two, five)]
    assert reads[0] == reads[1], (two.statements, five.statements)
