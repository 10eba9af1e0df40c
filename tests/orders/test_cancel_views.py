"""Cancel pages end to end through the test client: buyer (account and guest link), seller, curators."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from marketplace.email.models import OutboundEmail
from marketplace.jobs.tasks import find_task
from marketplace.orders import services
from marketplace.orders.lateness import list_late_parts, on_time_counts, remind_late_sellers
from marketplace.orders.models import Fulfilment, FulfilmentStatus, LateParcelReminder, Order, OrderStatus
from marketplace.refunds.models import BankRefundRequest, Refund
from marketplace.types import utcnow
from tests.factories import make_product, make_seller, make_user
from tests.login import logged_in_as
from tests.orders.helpers import make_cart, place


def paid_order(session, *, buyer=None, quantity=2, paid_days_ago=0):
    owner = make_user(session)
    product = make_product(session, seller=make_seller(session, user_id=owner.id), stock=5)
    order = place(session, make_cart(session, {product: quantity}), buyer=buyer)
    services.mark_order_paid(
        session, order, actor_label="curator", now=utcnow() - timedelta(days=paid_days_ago)
    )
    session.commit()
    return owner, product, order


def test_buyer_cancels_a_paid_bank_order_with_account_details(client, session):
    buyer = make_user(session, email="ani@example.test")
    _owner, _product, order = paid_order(session, buyer=buyer)
    logged_in_as(client, buyer, lang="en")
    page = client.get(f"/orders/{order.number}")
    assert page.status_code == 200
    link = re.search(r'href="(/orders/[^"]+/cancel\?part=\d+)"', page.get_data(as_text=True)).group(1)
    confirm = client.get(link)
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and 'name="account_number"' in html
    form = {
        "part": str(order.fulfilments[0].id),
        "bank_name": "BRI",
        "account_number": "12",
        "account_holder": "Ani",
    }
    refused = client.post(f"/orders/{order.number}/cancel", data=form)
    assert refused.status_code == 400 and "account number" in refused.get_data(as_text=True)
    form["account_number"] = "0123456789"
    done = client.post(f"/orders/{order.number}/cancel", data=form)
    assert done.status_code == 303
    session.expire_all()
    assert session.get(Order, order.id).fulfilments[0].status == FulfilmentStatus.CANCELLED
    request = session.scalars(sa.select(BankRefundRequest)).one()
    assert request.account_number == "0123456789"
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Cancelled by you" in page and "/cancel?" not in page
    # What was cancelled, in words (a dict's `items` key once printed the dict's method).
    title = order.lines[0].title_in("en")
    assert f"{order.lines[0].quantity} × {title}" in page and "built-in method" not in page
    assert "cancelled by the buyer" not in page  # no reason typed: "Cancelled by you" says it

    curator = make_user(session, email="desk@example.test", is_curator=True)
    session.commit()
    logged_in_as(client, curator, lang="en")
    queue = client.get("/curator/refunds").get_data(as_text=True)
    assert "0123456789" in queue and order.number in queue
    assert (
        client.post(f"/curator/refunds/cancelled/{request.id}", data={"bank_reference": "TRF-1"}).status_code
        == 303
    )
    session.expire_all()
    assert session.scalars(sa.select(Refund)).one().bank_reference == "TRF-1"
    assert "0123456789" not in client.get("/curator/refunds").get_data(as_text=True)


def test_guest_cancels_an_unpaid_order_through_the_signed_link(app, client, session):
    product = make_product(session, stock=5)
    order = place(session, make_cart(session, {product: 2}))
    session.commit()
    with app.app_context():
        token = services.guest_order_token(order, secret_key=app.config["SECRET_KEY"])
    assert client.get(f"/orders/{order.number}/cancel?part=all").status_code in (302, 303, 401)  # no token
    page = client.get(f"/orders/{order.number}/cancel?part=all&token={token}")
    assert page.status_code == 200 and 'name="account_number"' not in page.get_data(as_text=True)
    done = client.post(f"/orders/{order.number}/cancel?token={token}", data={"part": "all"})
    assert done.status_code == 303
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.CANCELLED


def test_seller_cancels_units_and_others_cannot(client, session):
    owner, _product, order = paid_order(session)
    stranger = make_user(session, email="stranger@example.test")
    make_seller(session, user_id=stranger.id)
    session.commit()
    part = order.fulfilments[0]
    line = part.lines[0]
    logged_in_as(client, stranger, lang="en")
    assert client.get(f"/seller/orders/{part.id}/cancel").status_code == 404
    assert (
        client.post(
            f"/seller/orders/{part.id}/cancel", data={f"units-{line.id}": "1", "reason": "x"}
        ).status_code
        == 404
    )
    logged_in_as(client, owner, lang="en")
    assert "Cancel them" in client.get(f"/seller/orders/{part.id}").get_data(as_text=True)
    refused = client.post(f"/seller/orders/{part.id}/cancel", data={f"units-{line.id}": "1", "reason": ""})
    assert refused.status_code == 400
    refused = client.post(
        f"/seller/orders/{part.id}/cancel", data={f"units-{line.id}": "1.5", "reason": "Habis"}
    )
    assert refused.status_code == 400
    done = client.post(
        f"/seller/orders/{part.id}/cancel", data={f"units-{line.id}": "1", "reason": "Kain habis"}
    )
    assert done.status_code == 303
    session.expire_all()
    assert session.get(Fulfilment, part.id).lines[0].cancelled_quantity == 1
    page = client.get(f"/seller/orders/{part.id}").get_data(as_text=True)
    assert "Kain habis" in page and f"1 × {line.title_in('en')}" in page and "built-in method" not in page


def test_late_parts_are_listed_reminded_once_and_counted_late(app, client, session):
    owner, _product, late = paid_order(session, paid_days_ago=10)
    _owner2, _product2, fresh = paid_order(session, paid_days_ago=0)
    now = utcnow()
    parts = list_late_parts(session, now=now, grace_days=2)
    assert [p.order.id for p in parts] == [late.id] and parts[0].days_overdue == 6  # due after 3 + 2 days
    assert remind_late_sellers(session, now=now, grace_days=2) == 1
    session.commit()
    assert find_task("orders.remind_late").run(session).startswith("reminded sellers of 0")
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(LateParcelReminder)) == 1
    email = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.template == "late_parcel")).one()
    assert email.to_address == owner.email and late.number in email.body_text
    assert on_time_counts(session, None, now=now, grace_days=2)[late.fulfilments[0].seller_id] == (0, 1)

    logged_in_as(client, owner, lang="en")
    assert late.number in client.get("/seller/").get_data(as_text=True)
    buyer_page = client.get(f"/orders/{late.number}")  # not this buyer's order: hidden
    assert buyer_page.status_code == 404
    curator = make_user(session, email="late-desk@example.test", is_curator=True)
    session.commit()
    logged_in_as(client, curator, lang="en")
    html = client.get("/curator/late").get_data(as_text=True)
    assert late.number in html and fresh.number not in html and "Late parcels" in html


def test_late_parcels_page_by_fifty_with_plain_links(app, client, session, monkeypatch):
    """Pages (issue 16): plain links (no script needed), in both languages; past the end: the last."""
    from marketplace.curation import late_views

    parts = [paid_order(session, paid_days_ago=10 + n)[2] for n in range(3)]
    monkeypatch.setattr(late_views, "PAGE_SIZE", 2)
    curator = make_user(session, email="late-pages@example.test", is_curator=True)
    session.commit()
    logged_in_as(client, curator, lang="en")
    first = client.get("/curator/late").get_data(as_text=True)
    assert parts[2].number in first and parts[1].number in first and parts[0].number not in first
    assert 'href="/curator/late?page=2" rel="next"' in first and "Page 1 of 2" in first
    second = client.get("/curator/late?page=2").get_data(as_text=True)
    assert parts[0].number in second and parts[2].number not in second and 'rel="prev"' in second
    beyond = client.get("/curator/late?page=9").get_data(as_text=True)
    assert parts[0].number in beyond and "Page 2 of 2" in beyond
    logged_in_as(client, curator, lang="id")
    assert "Halaman 1 dari 2" in client.get("/curator/late").get_data(as_text=True)
