"""After a card refund goes wrong, every page tells the same truth: the buyer's order list says what
the order page says, the order's history says the refund did not reach the card (and what came
after: a retry, a bank transfer), the curator's refund form says what happened to each unit, and
the curators' "money to give back" and the audit log leave out what still waits for Stripe.
Every step through real signed webhooks from the local Stripe server."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.orders import cancellation
from marketplace.orders.models import OrderStatus
from marketplace.payments.models import Payment
from marketplace.refunds.models import Refund, RefundStatus
from marketplace.types import utcnow
from tests.login import logged_in_as
from tests.payouts.helpers import log_in
from tests.refunds.helpers import (
    deliver_refund_webhook,
    fail_refund,
    pay_by_card,
    refund_units,
    reload_order,
    stock,
)

ON_ITS_WAY = "Cancelled: your refund is on its way"
FAILED_EN = "Cancelled: the refund did not reach your card; the district office will contact you"
FAILED_ID = "Dibatalkan: pengembalian dana tidak sampai ke kartu Anda; kantor kecamatan akan menghubungi Anda"
PAID_FAILED_EN = "Paid: the refund did not reach your card; the district office will contact you"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _list_state(app, buyer, lang: str = "en") -> str:
    """The one row's state on the buyer's /orders (its bold words)."""
    html = logged_in_as(app.test_client(), buyer, lang=lang).get("/orders").get_data(as_text=True)
    (state,) = re.findall(r'<p class="order-state">.*?<strong>([^<]*)</strong></p>', html, re.S)
    return state


def _page(app, buyer, order, lang: str = "en") -> str:
    return (
        logged_in_as(app.test_client(), buyer, lang=lang)
        .get(f"/orders/{order.number}")
        .get_data(as_text=True)
    )


def _page_state(page: str) -> str:
    return re.search(r'<p class="order-status">.*?<strong>(.*?)</strong>', page, re.S).group(1)


def _history(page: str) -> list[str]:
    block = re.search(r'<ol class="history">(.*?)</ol>', page, re.S).group(1)
    return [_text(item).split(": ", 1)[1] for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


def _agree(app, buyer, order, lang: str = "en") -> str:
    """The list's state, asserted equal to the order page's."""
    state = _list_state(app, buyer, lang)
    assert state == _page_state(_page(app, buyer, order, lang))
    return state


def test_the_order_list_says_what_the_page_says_of_a_cancelled_order_whose_refund_failed(
    app, client, session, stripe_server, place_stripe_order, buyer, desk
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5, buyer=buyer)
    payment = pay_by_card(client, session, stripe_server, order)
    cancellation.cancel_by_buyer(
        session, reload_order(session, order.id), fulfilment_ids=None, actor_id=buyer.id, actor_label="buyer",
        now=utcnow(),
    )  # fmt: skip
    session.commit()
    refund = session.scalars(sa.select(Refund)).one()
    assert _agree(app, buyer, order) == ON_ITS_WAY  # was "Paid, being prepared"

    assert deliver_refund_webhook(client, stripe_server, payment) == "refunded"
    assert _agree(app, buyer, order) == "Cancelled and refunded"

    fail_refund(client, stripe_server, refund.stripe_refund_id)
    assert reload_order(session, order.id).status == OrderStatus.PAID
    assert _agree(app, buyer, order) == FAILED_EN
    assert _agree(app, buyer, order, "id") == FAILED_ID
    html = logged_in_as(app.test_client(), buyer, lang="en").get("/orders").get_data(as_text=True)
    assert "order-row-closed" in html and "being prepared" not in html

    # The office tries the card again: on its way, then refunded, on both pages.
    refund_units(session, order.id, desk, "tok-again", units={}, full=True)
    assert _agree(app, buyer, order) == ON_ITS_WAY
    assert deliver_refund_webhook(client, stripe_server, payment) == "refunded"
    assert _agree(app, buyer, order) == "Cancelled and refunded"


def test_the_list_of_orders_asks_once_for_every_failed_refund(
    app, client, session, stripe_server, place_stripe_order, buyer, desk, count_queries
):
    """One statement for the page, however many orders had a card refund fail."""

    def order_with_failed_refund(token: str):
        order = place_stripe_order(price=50_000, quantity=2, stock=5, buyer=buyer)
        pay_by_card(client, session, stripe_server, order)
        refund = refund_units(session, order.id, desk, token, units={0: 1})
        fail_refund(client, stripe_server, refund.stripe_refund_id)
        return order

    order_with_failed_refund("tok-1")
    reader = logged_in_as(app.test_client(), buyer, lang="en")

    def count() -> int:
        reader.get("/orders")
        with count_queries(reader=True) as counter:
            html = reader.get("/orders").get_data(as_text=True)
        assert html.count(PAID_FAILED_EN) == len(re.findall(r'<li class="order-row', html))
        return counter.count

    one = count()
    order_with_failed_refund("tok-2")
    order_with_failed_refund("tok-3")
    assert count() == one
    assert one <= 12, one  # tests/orders/test_order_list.py's cap


def test_the_history_says_a_partial_refund_failed_then_what_came_after(
    app, client, session, stripe_server, place_stripe_order, buyer, desk
):
    order = place_stripe_order(price=25_000, quantity=4, stock=5, buyer=buyer)
    payment = pay_by_card(client, session, stripe_server, order)
    # Stripe reports the refund done (the "Partly refunded" line), then it fails.
    first = refund_units(session, order.id, desk, "tok-1", units={0: 1})
    assert deliver_refund_webhook(client, stripe_server, payment) == "partially refunded"
    assert _history(_page(app, buyer, order))[-1] == "Partly refunded (by the card payment)"
    fail_refund(client, stripe_server, first.stripe_refund_id)
    page = _page(app, buyer, order)
    assert _history(page)[-2:] == [
        "Partly refunded (by the card payment)",
        "The refund did not reach your card",
    ]
    assert _page_state(page) == PAID_FAILED_EN == _list_state(app, buyer)
    indonesian = _page(app, buyer, order, "id")
    assert _history(indonesian)[-1] == "Pengembalian dana tidak sampai ke kartu Anda"

    # The office pays that unit back by bank: the history goes on from there, the status is paid.
    refund_units(session, order.id, desk, "tok-bank", units={0: 1}, by_bank=True, bank_reference="BCA 0042")
    page = _page(app, buyer, order)
    assert _history(page)[-2:] == [
        "The refund did not reach your card",
        "Partly refunded (by the district office)",
    ]
    assert _page_state(page) == "Paid" == _list_state(app, buyer).split(",")[0]

    # A card refund asked and failed before Stripe made it: one line, no "Partly refunded" first.
    second = refund_units(session, order.id, desk, "tok-2", units={0: 1})
    fail_refund(client, stripe_server, second.stripe_refund_id)
    history = _history(_page(app, buyer, order))
    assert history[-2:] == ["Partly refunded (by the district office)", "The refund did not reach your card"]
    assert history.count("The refund did not reach your card") == 2
    # Retried by card, which succeeds.
    refund_units(session, order.id, desk, "tok-3", units={0: 1})
    assert deliver_refund_webhook(client, stripe_server, payment) == "partially refunded"
    page = _page(app, buyer, order)
    assert _history(page)[-2:] == [
        "The refund did not reach your card",
        "Partly refunded (by the card payment)",
    ]
    assert "did not reach" not in _page_state(page)
    assert reload_order(session, order.id).status == OrderStatus.PAID
    assert _history(page).count("Paid (by the card payment)") == 1


def test_the_refund_form_says_what_happened_to_each_unit(
    app, client, session, stripe_server, place_stripe_order, desk
):
    """Two units, not shipped: one refunded by card goes back on sale, the refund fails, the unit is
    paid back by bank. It went back on sale once, and the form says so: never "2 (1 back)"."""
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    product_id = order.lines[0].product_id
    pay_by_card(client, session, stripe_server, order)
    on_sale = stock(session, product_id)
    card = refund_units(session, order.id, desk, "tok-card", units={0: 1})
    assert stock(session, product_id) == on_sale + 1
    fail_refund(client, stripe_server, card.stripe_refund_id)
    curator = log_in(app, "desk@example.test")

    def refunded_cell() -> str:
        html = curator.get(f"/curator/orders/{order.number}/refund").get_data(as_text=True)
        return _text(re.search(r"<td class=\"num\" data-label=\"Refunded\">(.*?)</td>", html, re.S).group(1))

    assert refunded_cell() == "0 (1 back on sale, 1 failed at Stripe)"
    refund_units(session, order.id, desk, "tok-bank", units={0: 1}, by_bank=True, bank_reference="BCA 0042")
    assert stock(session, product_id) == on_sale + 1  # the same unit: not on sale a second time
    assert refunded_cell() == "1 (1 back on sale)"
    html = curator.get(f"/curator/orders/{order.number}/refund?lang=id").get_data(as_text=True)
    assert "1 (1 kembali dijual)" in _text(html)
    # The other unit: refunded, and it goes back on sale too (the order is refunded then).
    refund_units(session, order.id, desk, "tok-bank-2", units={0: 1}, by_bank=True, bank_reference="BCA 0043")
    assert stock(session, product_id) == on_sale + 2
    assert reload_order(session, order.id).status == OrderStatus.REFUNDED


def test_money_to_give_back_and_the_audit_leave_out_what_waits_for_stripe(
    app, client, session, stripe_server, place_stripe_order, desk
):
    order = place_stripe_order(price=25_000, quantity=4, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    refund_units(session, order.id, desk, "tok-1", units={0: 1})  # waiting for Stripe
    refund_units(session, order.id, desk, "tok-2", units={0: 1})
    befores = session.scalars(
        sa.select(AuditEntry.before).where(AuditEntry.action == "refund.create").order_by(AuditEntry.id)
    ).all()
    assert befores == [
        {"refunded_minor": 0, "waiting_minor": 0},
        {"refunded_minor": 0, "waiting_minor": 25_000},  # not 25,000 refunded: it was only asked
    ]

    # The same payment flagged to give back (as a second payment would be): what is really owed.
    session.execute(sa.update(Payment).where(Payment.id == payment.id).values(needs_refund=True))
    session.commit()
    curator = log_in(app, "desk@example.test")

    def to_give_back() -> str:
        html = curator.get("/curator/refunds").get_data(as_text=True)
        section = html.split('id="due-title"')[1].split("</section>")[0]
        (cell,) = re.findall(r'data-label="To give back">(.*?)</td>', section, re.S)
        return _text(cell)

    assert to_give_back() == "Rp 50,000 Rp 50,000 waiting for Stripe"  # not Rp 100,000
    assert deliver_refund_webhook(client, stripe_server, payment) == "partially refunded"
    assert to_give_back() == "Rp 50,000"
    assert session.scalars(sa.select(Refund.status)).all() == [RefundStatus.SUCCEEDED] * 2
