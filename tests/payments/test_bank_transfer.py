"""Bank transfer, the buyer's side: the panel with copyable details and the deadline, "I have
transferred" with a private receipt photo (guests too, once per order), and the curators' queue
that puts such orders first."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import sqlalchemy as sa
from PIL import Image

from marketplace.media import get_storage
from marketplace.orders import services as orders
from marketplace.orders.lifecycle import expire_unpaid_orders
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.models import TransferClaim
from marketplace.payments.transfers import CLAIM_REVIEW_WINDOW, RECEIPT_PREFIX
from marketplace.types import utcnow
from tests.factories import make_user
from tests.login import logged_in_as
from tests.orders.helpers import make_cart, place
from tests.payouts.helpers import log_in, make_shop


def _photo(colour: str = "red", size=(480, 640)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def _guest_order(app, session, *, price: int = 85_000) -> tuple[Order, str]:
    _seller, product = make_shop(session, price=price)
    order = place(session, make_cart(session, {product: 2}))
    session.commit()
    return order, orders.guest_order_token(order, secret_key=app.config["SECRET_KEY"])


def _claim(client, order: Order, token: str | None = None, **fields):
    data = {"sender_name": "", "sender_bank": "", **fields}
    if token:
        data["token"] = token
    return client.post(f"/payments/transfer/{order.number}", data=data, content_type="multipart/form-data")


def _claims(session) -> list[TransferClaim]:
    session.expire_all()
    return list(session.scalars(sa.select(TransferClaim)))


def test_order_page_shows_copyable_details_and_the_deadline(app, session):
    order, token = _guest_order(app, session)
    client = app.test_client()
    client.set_cookie("lang", "en")
    page = client.get(f"/orders/{order.number}?token={token}").get_data(as_text=True)

    assert f'data-copy="{order.total_minor}"' in page  # digits only, what a banking app takes
    assert "Exact amount" in page
    assert 'data-copy="000001000000000"' in page  # the account number without dashes
    assert "(in 23 hours)" in page  # the 24-hour window, never rounded up
    assert "WIB" in page  # the deadline in Asia/Jakarta
    assert (
        re.search(r"/static/(dist/)?js/copy(\.[0-9a-f]{12})?\.js", page)
        and '<button type="button"' not in page
    )  # buttons come from JS
    assert 'enctype="multipart/form-data"' in page and "I have transferred" in page
    assert f'name="token" type="hidden" value="{token}"' in page

    client.set_cookie("lang", "id")
    assert "(dalam 23 jam)" in client.get(f"/orders/{order.number}?token={token}").get_data(as_text=True)


def test_guest_says_transferred_once_with_a_private_receipt(app, session):
    order, token = _guest_order(app, session)
    guest = app.test_client()
    guest.set_cookie("lang", "en")

    response = _claim(
        guest, order, token, sender_name="Siti  Rahayu", receipt=(io.BytesIO(_photo()), "r.jpg")
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/orders/{order.number}?token={token}")
    [claim] = _claims(session)
    assert claim.sender_name == "Siti Rahayu" and claim.receipt_key.startswith(RECEIPT_PREFIX)
    first_key = claim.receipt_key
    storage = get_storage(app)
    assert storage.exists(first_key)

    receipt = guest.get(f"/payments/transfer/{order.number}/receipt?token={token}")
    assert receipt.status_code == 200 and receipt.mimetype == "image/webp"
    assert receipt.headers["Cache-Control"] == "private, no-store"
    assert Image.open(io.BytesIO(receipt.data)).format == "WEBP"  # re-encoded, not what was sent
    assert app.test_client().get(f"/payments/transfer/{order.number}/receipt").status_code in (302, 404)
    assert guest.get(f"/media/{first_key}").status_code == 404  # never public

    page = guest.get(f"/orders/{order.number}?token={token}").get_data(as_text=True)
    assert "You told us on" in page and "View your receipt" in page

    # A second submit updates the same claim; the photo stays until a new one replaces it.
    assert _claim(guest, order, token, sender_name="Siti", sender_bank="BRI").status_code == 303
    [claim] = _claims(session)
    assert (claim.sender_name, claim.sender_bank, claim.receipt_key) == ("Siti", "BRI", first_key)
    assert _claim(guest, order, token, receipt=(io.BytesIO(_photo("blue")), "r2.png")).status_code == 303
    [claim] = _claims(session)
    assert claim.receipt_key != first_key and not storage.exists(first_key)


def test_a_bad_receipt_or_a_paid_order_is_refused_with_a_message(app, session):
    buyer = make_user(session, email="pembeli@example.test")
    _seller, product = make_shop(session, price=50_000)
    order = place(session, make_cart(session, {product: 1}), buyer=buyer)
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")

    response = _claim(client, order, receipt=(io.BytesIO(b"<svg onload=alert(1)>"), "x.jpg"))
    assert response.status_code == 400
    assert "upload" in response.get_data(as_text=True).lower()
    assert _claims(session) == []
    other = make_user(session)
    session.commit()
    stranger = logged_in_as(app.test_client(), other, lang="en")
    assert _claim(stranger, order).status_code == 404

    orders.mark_order_paid(session, order, actor_label="test", now=utcnow())
    session.commit()
    # Paid meanwhile (a stale tab): told so once, on the order page (test_transfer_claim_stale.py).
    response = _claim(client, order, sender_name="Siti")
    assert response.status_code == 303 and response.location.endswith(f"/orders/{order.number}")
    assert _claims(session) == []


def test_claimed_orders_top_the_curators_queue_with_badge_and_receipt(app, session):
    make_user(session, email="curator@example.test", is_curator=True)
    first, _ = _guest_order(app, session, price=40_000)  # earlier deadline
    second, token = _guest_order(app, session, price=50_000)
    desk = log_in(app, "curator@example.test")
    page = desk.get("/curator/transfers").get_data(as_text=True)
    assert page.index(first.number) < page.index(second.number)
    assert "buyer says paid" not in page

    guest = app.test_client()
    assert (
        _claim(guest, second, token, sender_bank="BCA", receipt=(io.BytesIO(_photo()), "r.jpg")).status_code
        == 303
    )
    page = desk.get("/curator/transfers").get_data(as_text=True)
    assert page.index(second.number) < page.index(first.number)
    assert "buyer says paid" in page and "BCA" in page
    links = re.findall(r'href="(/curator/transfers/[^"]+/receipt)"', page)
    assert links == [f"/curator/transfers/{second.number}/receipt"]
    assert desk.get(links[0]).mimetype == "image/webp"
    assert desk.get(f"/curator/transfers/{first.number}/receipt").status_code == 404
    other = make_user(session)
    session.commit()
    buyer = logged_in_as(app.test_client(), other)
    assert buyer.get(links[0]).status_code == 404
    session.expire_all()
    assert session.get(Order, second.id).status == OrderStatus.AWAITING_PAYMENT  # a claim pays nothing


def test_a_claimed_transfer_waits_for_a_curator_past_the_deadline(app, session):
    """A buyer who says they transferred an hour before the deadline keeps the order (and its
    stock) for the curator to check the bank: the deadline moves to CLAIM_REVIEW_WINDOW after the
    claim, and only an order nobody claimed lapses at its own."""
    claimed, token = _guest_order(app, session)
    unclaimed, _token = _guest_order(app, session)
    deadline = claimed.payment_due_at
    assert _claim(app.test_client(), claimed, token, sender_name="Siti").status_code == 303
    session.expire_all()
    assert session.get(Order, claimed.id).payment_due_at >= utcnow() + CLAIM_REVIEW_WINDOW - timedelta(
        minutes=1
    )

    assert expire_unpaid_orders(session, now=deadline + timedelta(hours=1)) == 1
    session.commit()
    assert session.get(Order, unclaimed.id).status == OrderStatus.CANCELLED
    assert session.get(Order, claimed.id).status == OrderStatus.AWAITING_PAYMENT
    assert expire_unpaid_orders(session, now=utcnow() + CLAIM_REVIEW_WINDOW + timedelta(hours=1)) == 1
