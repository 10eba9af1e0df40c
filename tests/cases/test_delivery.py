"""Tracking links, "I received it" and the auto-complete job (per zone, skipping open cases)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.email.models import OutboundEmail
from marketplace.errors import ValidationError
from marketplace.jobs.tasks import find_task
from marketplace.orders.fulfilment import auto_complete_fulfilments, claim_fulfilment_for_case
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order, OrderStatus
from marketplace.shipping.couriers import ensure_default_couriers, tracking_url
from marketplace.shipping.models import Courier, ShippingZone
from marketplace.types import utcnow
from tests.cases.helpers import shipped_order
from tests.factories import make_user
from tests.login import logged_in_as


def test_tracking_url_encodes_the_number():
    template = "https://example.test/track?awb={tracking}"
    assert tracking_url(template, " JN 01/23?x&y ") == "https://example.test/track?awb=JN%2001%2F23%3Fx%26y"
    assert tracking_url(template, "") == "" and tracking_url(None, "X1") == ""
    assert tracking_url("https://example.test/no-placeholder", "X1") == ""


def test_default_couriers_are_seeded_once(session):
    assert ensure_default_couriers(session) == 8
    assert ensure_default_couriers(session) == 0
    codes = set(session.scalars(sa.select(Courier.code)))
    assert {"jne", "jnt", "sicepat", "pos", "anteraja", "ems", "dhl", "fedex"} == codes


def test_buyer_page_and_email_link_the_courier_then_receipt(app, session):
    buyer, _owner, order, fulfilment = shipped_order(session)
    email = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.template == "shipped")).one()
    assert "https://www.jne.co.id/tracking-package?awb=JN%2001%2F23%3Fx" in email.body_text

    client = logged_in_as(app.test_client(), buyer, lang="en")
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "awb=JN%2001%2F23%3Fx" in page and "I received it" in page

    stranger = make_user(session)
    session.commit()
    other = logged_in_as(app.test_client(), stranger, lang="en")
    assert other.post(f"/orders/{order.number}/parts/{fulfilment.id}/received").status_code == 404

    response = client.post(f"/orders/{order.number}/parts/{fulfilment.id}/received")
    assert response.status_code == 303
    assert client.post(f"/orders/{order.number}/parts/{fulfilment.id}/received").status_code == 303  # once
    session.expire_all()
    assert session.get(Fulfilment, fulfilment.id).status == FulfilmentStatus.DELIVERED
    assert session.get(Order, order.id).status == OrderStatus.DELIVERED
    assert "I received it" not in client.get(f"/orders/{order.number}").get_data(as_text=True)


def test_seller_picks_a_courier_or_types_another(app, session):
    from marketplace.orders import services as orders
    from tests.orders.helpers import make_cart, place
    from tests.payouts.helpers import make_shop

    ensure_default_couriers(session)
    owner = make_user(session)
    _seller, product = make_shop(session, price=50_000, owner=owner)
    first = place(session, make_cart(session, {product: 1}))
    second = place(session, make_cart(session, {product: 1}))
    for order in (first, second):
        assert orders.mark_order_paid(session, order, actor_label="test", now=utcnow())
    session.commit()
    client = logged_in_as(app.test_client(), owner, lang="en")
    page = client.get(f"/seller/orders/{first.fulfilments[0].id}").get_data(as_text=True)
    assert '<option value="sicepat">SiCepat</option>' in page and "Another courier" in page
    client.post(
        f"/seller/orders/{first.fulfilments[0].id}/ship",
        data={"courier": "sicepat", "tracking_number": "SC12345"},
    )
    client.post(
        f"/seller/orders/{second.fulfilments[0].id}/ship",
        data={"courier": "other", "courier_other": "Kurir Desa", "tracking_number": "KD12345"},
    )
    session.expire_all()
    a, b = session.get(Fulfilment, first.fulfilments[0].id), session.get(Fulfilment, second.fulfilments[0].id)
    assert (a.courier, a.courier_code, str(a.status)) == ("SiCepat", "sicepat", "shipped")
    assert (b.courier, b.courier_code, str(b.status)) == ("Kurir Desa", None, "shipped")


def test_auto_complete_after_the_zones_days_skipping_open_cases(session):
    shipped_at = utcnow() - timedelta(days=20)
    _buyer, _owner, order, fulfilment = shipped_order(session, now=shipped_at)
    _b2, _o2, held_order, held = shipped_order(session, now=shipped_at)
    zone = session.scalars(sa.select(ShippingZone).where(ShippingZone.code == order.shipping_zone)).one()
    assert zone.auto_complete_days == 14
    zone.auto_complete_days = 21
    assert claim_fulfilment_for_case(session, held)
    session.commit()

    assert auto_complete_fulfilments(session, now=shipped_at + timedelta(days=20)) == 0  # 21 days here
    zone.auto_complete_days = 14
    session.commit()
    now = shipped_at + timedelta(days=14, seconds=1)
    assert auto_complete_fulfilments(session, now=now) == 1
    assert auto_complete_fulfilments(session, now=now) == 0  # idempotent
    session.commit()
    session.expire_all()
    assert session.get(Fulfilment, fulfilment.id).status == FulfilmentStatus.DELIVERED
    assert session.get(Order, order.id).status == OrderStatus.DELIVERED
    assert session.get(Fulfilment, held.id).status == FulfilmentStatus.SHIPPED  # open case: held
    assert session.get(Order, held_order.id).status == OrderStatus.SHIPPED


def test_the_job_runner_knows_the_task(session):
    task = find_task("orders.auto_complete")
    assert task is not None and "completed 0" in task.run(session)


def test_a_case_and_the_job_cannot_both_win(session):
    shipped_at = utcnow() - timedelta(days=30)
    _buyer, _owner, _order, fulfilment = shipped_order(session, now=shipped_at)
    assert auto_complete_fulfilments(session, now=utcnow()) == 1
    assert not claim_fulfilment_for_case(session, fulfilment)  # delivered: nothing to report any more


def test_auto_complete_makes_the_sale_available_and_it_is_paid_out(session):
    """Issue 13's path: shipped → the job completes it after the zone's days → available → payout."""
    from marketplace.payouts import availability
    from marketplace.payouts import services as payouts

    shipped_at = utcnow() - timedelta(days=20)
    _buyer, owner, order, fulfilment = shipped_order(session, now=shipped_at)
    seller_id = fulfilment.seller_id
    curator = make_user(session, is_curator=True)
    session.commit()
    assert availability.available_balance(session, seller_id) == 0  # shipped, not delivered: pending
    with pytest.raises(ValidationError):
        payouts.create_payout(
            session, seller_id=seller_id, amount_idr=1, bank_reference="TOO-EARLY", token="p-0",
            actor=curator, now=utcnow(),
        )  # fmt: skip
    session.rollback()

    assert auto_complete_fulfilments(session, now=utcnow()) == 1
    session.commit()
    assert session.get(Fulfilment, fulfilment.id).status == FulfilmentStatus.DELIVERED
    available = availability.available_balance(session, seller_id)
    assert available == availability.balances_of(session, seller_id).total > 0
    payouts.create_payout(
        session, seller_id=seller_id, amount_idr=available, bank_reference="TRF-1", token="p-1",
        actor=curator, now=utcnow(),
    )  # fmt: skip
    session.commit()
    assert availability.balances_of(session, seller_id).total == 0
