"""Refunds everyone sees (issue 13): a partial refund reaches the seller's parcel, packing slip,
email and sales ledger and the buyer's order page; stock comes back only for units that were not
shipped or that came back, never twice; the refund form shows its amount before it is submitted."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.email.models import OutboundEmail
from marketplace.orders import services as orders
from marketplace.orders.queries import guest_order_token
from marketplace.refunds.models import Refund, RefundLine
from marketplace.refunds.services import create_refund
from marketplace.seller.models import SellerFacilitator
from marketplace.stock.models import StockMovement, StockMovementKind
from marketplace.stock.services import unreturned_units
from marketplace.types import utcnow
from tests.factories import make_user
from tests.payouts.helpers import log_in, make_shop, paid_order
from tests.refunds.helpers import ask, stock


@pytest.fixture
def desk(session):
    user = make_user(session, email="desk@example.test", is_curator=True)
    session.commit()
    return user


def _refresh(session, order):
    session.expire_all()
    return session.get(type(order), order.id)


def _returned(session, order_id) -> list[int]:
    return list(
        session.scalars(
            sa.select(StockMovement.quantity_delta).where(
                StockMovement.order_id == order_id, StockMovement.kind == StockMovementKind.RETURN
            )
        )
    )


def test_one_of_two_shirts_refunded_shows_everywhere_and_returns_to_stock_once(app, session, desk):
    owner = make_user(session, email="ani@example.test", name="Ani", locale="id")
    helper = make_user(session, email="pendamping@example.test", name="Pendamping", locale="en")
    seller, shirt = make_shop(session, price=275_000, stock=5, owner=owner)
    session.add(SellerFacilitator(seller_id=seller.id, facilitator_id=helper.id, granted_via="owner"))
    shirt.title_en = "Batik shirt"
    order = paid_order(session, {shirt: 2})
    line = order.lines[0]
    assert stock(session, shirt.id) == 3

    refund, created = create_refund(
        session,
        _refresh(session, order),
        ask("seen-1", reason="Size sold out", quantities={line.id: 1}, bank_reference="BCA 1"),
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    assert created and refund.amount_minor == 275_000
    # Not shipped: the refunded unit goes back on sale (the seller is told not to ship it), once.
    assert stock(session, shirt.id) == 4
    assert session.scalars(sa.select(RefundLine.restocked)).all() == [1]
    order = _refresh(session, order)
    assert unreturned_units(session, order) == {line.id: 1}

    fulfilment_id = order.fulfilments[0].id
    shop = log_in(app, "ani@example.test")
    page = shop.get(f"/seller/orders/{fulfilment_id}").get_data(as_text=True)
    assert "<del>" in page and "Do not ship 1 unit" in page
    assert "275,000" in page and "550,000" not in page  # what is left to ship
    assert "Total weight: 500 g" in page  # 2 × 500 g bought, 1 left
    assert "Size sold out" in page
    slip = shop.get(f"/seller/orders/{fulfilment_id}/slip").get_data(as_text=True)
    assert "<del>" in slip and "Do not ship 1 unit" in slip and "500 g" in slip
    listing = shop.get("/seller/orders").get_data(as_text=True)
    assert "1 unit" in listing

    # The refund emails (the shop was also told of the payment: no order between them to rely on).
    refund_mails = sa.select(OutboundEmail).where(OutboundEmail.template == "seller_refund")
    mails = {m.to_address: m for m in session.scalars(refund_mails)}
    to_owner = mails["ani@example.test"]
    to_helper = mails["pendamping@example.test"]
    assert to_owner.lang == "id" and "Jangan kirim 1 unit" in to_owner.body_text, to_owner.body_text
    assert "Do not ship 1 refunded unit" in to_helper.body_text
    assert "1 × Batik shirt" in to_helper.body_text  # left to ship, in the reader's language
    assert f"/seller/orders/{fulfilment_id}" in to_helper.body_text

    buyer_page = app.test_client().get(
        f"/orders/{order.number}?token={guest_order_token(order, secret_key=app.config['SECRET_KEY'])}"
        "&lang=en"
    )
    text = buyer_page.get_data(as_text=True)
    assert buyer_page.status_code == 200
    assert "Refunds" in text and "1 × Batik shirt (Rp\xa0275,000)" in text and "Size sold out" in text

    sales = shop.get("/seller/sales").get_data(as_text=True)
    assert "1 × Batik shirt" in sales and f"/seller/orders/{fulfilment_id}" in sales

    # The rest refunded: nothing comes back twice, and the parcel says not to send it.
    create_refund(
        session, _refresh(session, order), ask("seen-2", full=True, bank_reference="BCA 2"),
        actor=desk, now=utcnow(),
    )  # fmt: skip
    session.commit()
    assert stock(session, shirt.id) == 5
    assert sorted(_returned(session, order.id)) == [1, 1]


def test_shipped_units_come_back_only_when_the_curator_says_so(app, session, desk):
    _seller, product = make_shop(session, price=20_000, stock=10)
    order = paid_order(session, {product: 3})
    orders.mark_fulfilment_shipped(
        session, order.fulfilments[0], courier="JNE", tracking_number="", actor_label="t", now=utcnow()
    )
    session.commit()
    order = _refresh(session, order)
    line_id, fulfilment_id = order.lines[0].id, order.fulfilments[0].id
    create_refund(
        session, order, ask("s-1", quantities={line_id: 1}, bank_reference="R1"), actor=desk, now=utcnow()
    )
    session.commit()
    assert stock(session, product.id) == 7  # refunded, the buyer kept it
    create_refund(
        session,
        _refresh(session, order),
        ask("s-2", quantities={line_id: 2}, came_back={fulfilment_id}, bank_reference="R2"),
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    assert stock(session, product.id) == 9
    assert _returned(session, order.id) == [2]
    # The form: the checkbox is offered for the shipped parcel.
    curator = log_in(app, "desk@example.test")
    page = curator.get(f"/curator/orders/{order.number}/refund").get_data(as_text=True)
    assert f'name="came-back-{fulfilment_id}"' in page


def test_refund_form_shows_the_amount_before_it_is_submitted(app, session, desk):
    _seller, product = make_shop(session, price=25_000, stock=10)
    order = paid_order(session, {product: 3})
    line_id = order.lines[0].id
    curator = log_in(app, "desk@example.test")
    url = f"/curator/orders/{order.number}/refund"
    page = curator.get(url).get_data(as_text=True)
    assert (
        "Preview amount" in page
        and re.search(r"js/refund-preview(\.[0-9a-f]{12})?\.js", page)
        and "<script>" not in page
    )
    form = {"token": "tok-1", "reason": "Rusak", "bank_reference": "TRF", f"units-{line_id}": "2"}

    # Without JavaScript: the preview re-renders the form with the amount and a confirm button.
    shown = curator.post(url, data={**form, "preview": "1"})
    text = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "This refund gives back Rp\xa050,000." in text and "Refund Rp\xa050,000" in text
    assert 'name="expected_minor" type="hidden" value="50000"' in text
    # With JavaScript: the same amount as JSON, live.
    live = curator.post(f"{url}/preview", data=form)
    assert live.status_code == 200 and live.json["amount"] == "Rp\xa050,000" and live.json["ok"]
    bad = curator.post(f"{url}/preview", data={**form, f"units-{line_id}": "9"})
    assert bad.status_code == 400 and not bad.json["ok"] and "can still be refunded" in bad.json["message"]
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 0  # previews write nothing

    # Confirming an amount that is no longer the one shown is refused; the shown one goes through.
    changed = curator.post(url, data={**form, f"units-{line_id}": "3", "expected_minor": "50000"})
    assert changed.status_code == 400 and "The amount changed" in changed.get_data(as_text=True)
    assert curator.post(url, data={**form, "expected_minor": "50000"}).status_code == 303
    session.expire_all()
    assert session.scalars(sa.select(Refund.amount_minor)).all() == [50_000]
