"""Issue 13 extras: the order note (checkout → buyer, parcel, slip), the printable receipt, and
finding a guest order by number and email."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import current_app

from marketplace.email.models import OutboundEmail
from marketplace.email.services import deliver_pending
from marketplace.errors import ValidationError
from marketplace.orders import services as orders
from marketplace.orders.models import Order
from marketplace.orders.notes import NOTE_MAX_LENGTH, clean_note, note_lines
from marketplace.refunds.services import create_refund
from marketplace.types import utcnow
from tests.factories import make_product, make_seller, make_user, make_village
from tests.login import logged_in_as
from tests.orders.helpers import make_cart, place
from tests.orders.test_views import checkout, setup_shop
from tests.refunds.helpers import ask

NOTE = "Ukuran L, tolong.\r\n<script>alert(1)</script> & terima kasih"


def guest_link(order) -> str:
    token = orders.guest_order_token(order, secret_key=current_app.config["SECRET_KEY"])
    return f"/orders/{order.number}?token={token}"


def only_order(session) -> Order:
    session.expire_all()
    return session.scalars(sa.select(Order)).one()


# --- the note ------------------------------------------------------------------------------------


def test_clean_note_trims_keeps_lines_and_refuses_too_long():
    assert clean_note("  Size M \r\n\r\n\r\n\r\n colour: blue\x00\u202e  ") == "Size M\n\ncolour: blue"
    assert clean_note(None) == "" and note_lines("") == [] and note_lines("a\nb") == ["a", "b"]
    assert len(clean_note("x" * NOTE_MAX_LENGTH)) == NOTE_MAX_LENGTH
    with pytest.raises(ValidationError) as raised:
        clean_note("x" * (NOTE_MAX_LENGTH + 1))
    assert raised.value.field == "note"


def test_note_goes_from_checkout_to_buyer_seller_and_slip_escaped_with_line_breaks(app, session):
    owner = make_user(session, email="ani@example.test")
    seller = make_seller(session, user_id=owner.id, name="Sanggar Ani")
    product = setup_shop(session, seller=seller)
    client = app.test_client()
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    page = client.get("/checkout").get_data(as_text=True)
    assert 'name="note"' in page and "Note for the sellers (optional)" in page

    response, _data = checkout(client, note=NOTE)
    assert response.status_code == 303
    order = only_order(session)
    assert order.note == "Ukuran L, tolong.\n<script>alert(1)</script> & terima kasih"

    shown = "Ukuran L, tolong.<br>&lt;script&gt;alert(1)&lt;/script&gt; &amp; terima kasih"
    buyer_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="order-note"' in buyer_page and shown in buyer_page and "<script>alert" not in buyer_page

    seller_client = logged_in_as(app.test_client(), owner, lang="en")
    fulfilment_id = order.fulfilments[0].id
    for path in (f"/seller/orders/{fulfilment_id}", f"/seller/orders/{fulfilment_id}/slip"):
        html = seller_client.get(path).get_data(as_text=True)
        assert shown in html and "<script>alert" not in html, path


def test_too_long_note_comes_back_with_the_form_and_places_nothing(app, session):
    product = setup_shop(session)
    client = app.test_client()
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    long_note = "Ukuran XL " + "x" * NOTE_MAX_LENGTH
    response, _data = checkout(client, note=long_note)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The note is too long" in html and long_note in html and 'aria-invalid="true"' in html
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    # Another field's error keeps the note too.
    response, _data = checkout(client, note="Ukuran M", phone="")
    assert response.status_code == 400 and ">Ukuran M</textarea>" in response.get_data(as_text=True)


def test_order_without_a_note_shows_no_note_section(app, session):
    product = setup_shop(session)
    order = place(session, make_cart(session, {product: 1}))
    session.commit()
    assert order.note == ""
    html = app.test_client().get(guest_link(order)).get_data(as_text=True)
    assert 'class="order-note"' not in html and "/receipt" in html


# --- the receipt ---------------------------------------------------------------------------------


def _two_seller_order(session, **place_overrides):
    village = make_village(session, name="Tambong", slug="tambong")
    rotan = make_product(
        session,
        seller=make_seller(session, name="Rotan Ani", village=village),
        title_id="Keranjang rotan",
        title_en="Rattan basket",
        price_minor=85_000,
        stock=10,
    )
    batik = make_product(
        session,
        seller=make_seller(session, name="Batik Budi", village=village),
        title_id="Batik tulis",
        title_en="",
        price_minor=450_000,
        stock=5,
    )
    order = place(session, make_cart(session, {rotan: 2, batik: 1}), note="Ukuran L", **place_overrides)
    session.commit()
    return order


def test_receipt_for_a_guest_in_english_and_indonesian(app, session):
    order = _two_seller_order(session, lang="en")
    client = app.test_client()
    token_path = guest_link(order).replace(f"/orders/{order.number}", f"/orders/{order.number}/receipt")
    response = client.get(token_path)
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    for text in (
        f"Receipt for order {order.number}",
        "Rotan Ani",
        "Batik Budi",
        "Desa Tambong",
        "Rattan basket",
        "85,000",
        "Siti Rahayu",
        "buyer@example.test",
        "Bank transfer",
        "Not paid yet: pay before",
        "Unique transfer code",
        "not a tax invoice (faktur pajak)",
        "Ukuran L",
        "css/receipt.",
        "js/print.",  # versioned (js/print.<hash>.js) once `make setup` built the static files
        "data-print hidden",
    ):
        assert text in html, text
    assert "Refunds" not in html

    client.set_cookie("lang", "id")
    html = client.get(token_path).get_data(as_text=True)
    assert f"Kuitansi pesanan {order.number}" in html and "bukan faktur pajak" in html
    assert "Transfer bank" in html and "WIB" in html


def test_receipt_of_a_paid_and_partly_refunded_order(app, session):
    order = _two_seller_order(session, lang="en")
    now = utcnow()
    assert orders.mark_order_paid(session, order, actor_label="test", now=now)
    session.commit()
    curator = make_user(session, email="desk@example.test", is_curator=True)
    batik_line = next(line for line in order.lines if line.title_id == "Batik tulis")
    create_refund(
        session,
        order,
        ask("r-1", quantities={batik_line.id: 1}, bank_reference="BRI 123"),
        actor=curator,
        now=now,
    )
    session.commit()
    html = app.test_client().get(guest_link(order).replace("?", "/receipt?")).get_data(as_text=True)
    assert "Paid on" in html and "WIB" in html
    assert "Refunds" in html and "Refunded" in html and "450,000" in html and "Done" in html


def test_receipt_follows_the_order_pages_access_rules(app, session):
    buyer = make_user(session, email="siti@example.test")
    other = make_user(session, email="other@example.test")
    product = setup_shop(session)
    order = place(session, make_cart(session, {product: 1}, user=buyer), buyer=buyer, email=buyer.email)
    guest_order = place(session, make_cart(session, {product: 1}))
    session.commit()
    path = f"/orders/{order.number}/receipt"

    anonymous = app.test_client().get(path)
    assert anonymous.status_code in (302, 303) and "/account/login" in anonymous.headers["Location"]
    assert logged_in_as(app.test_client(), other).get(path).status_code == 404
    assert logged_in_as(app.test_client(), buyer).get(path).status_code == 200
    # A guest token opens only its own guest order.
    token = orders.guest_order_token(guest_order, secret_key=app.config["SECRET_KEY"])
    assert app.test_client().get(f"{path}?token={token}").status_code in (302, 303, 404)
    assert app.test_client().get(f"/orders/{guest_order.number}/receipt?token=bad").status_code == 404
    assert app.test_client().get("/orders/PD-000000-XXXX/receipt").status_code in (302, 303)


def test_receipt_shows_the_rupiah_reference_of_a_foreign_currency_order(app, session):
    from decimal import Decimal

    from marketplace.money import Money
    from marketplace.orders.amounts import order_total_idr

    order = _two_seller_order(session, lang="en")
    order.currency, order.exchange_rate = "EUR", Decimal("17300")
    order.total_minor = 5_800  # EUR 58.00
    session.commit()
    html = app.test_client().get(guest_link(order).replace("?", "/receipt?")).get_data(as_text=True)
    # orders.amounts: the goods at their rupiah prices, each parcel's shipping back at the rate.
    assert "(EUR)" in html and f"In rupiah: {Money(order_total_idr(order), 'IDR').format('en')}" in html
    assert "(1 EUR = Rp\u00a017,300)" in html and "≈" not in html


# --- finding an order ----------------------------------------------------------------------------


def test_find_a_guest_order_by_number_and_email(app, session):
    product = setup_shop(session)
    order = place(session, make_cart(session, {product: 1}), email="tamu@example.test")
    session.commit()
    client = app.test_client()
    page = client.get("/orders/find")
    assert page.status_code == 200 and 'name="number"' in page.get_data(as_text=True)
    assert "/orders/find" in client.get("/").get_data(as_text=True)  # the header menu links it

    response = client.post(
        "/orders/find", data={"number": f" {order.number.lower()} ", "email": " Tamu@Example.test "}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(guest_link(order))
    assert client.get(response.headers["Location"]).status_code == 200

    wrong_email = client.post("/orders/find", data={"number": order.number, "email": "x@example.test"})
    unknown = client.post("/orders/find", data={"number": "PD-000000-XXXX", "email": "tamu@example.test"})
    assert wrong_email.status_code == unknown.status_code == 200
    message = "We could not find an order with this number and email address."
    assert message in wrong_email.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert order.number not in wrong_email.get_data(as_text=True).replace(f'value="{order.number}"', "")
    assert client.post("/orders/find", data={"number": "", "email": ""}).status_code == 400


def test_find_an_accounts_order_leads_to_its_login(app, session):
    buyer = make_user(session, email="siti@example.test")
    product = setup_shop(session)
    order = place(session, make_cart(session, {product: 1}, user=buyer), buyer=buyer, email=buyer.email)
    session.commit()
    client = app.test_client()
    response = client.post("/orders/find", data={"number": order.number, "email": buyer.email})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/orders/{order.number}")
    assert "/account/login" in client.get(response.headers["Location"]).headers["Location"]


def test_find_needs_the_csrf_token(app, session):
    app.config["WTF_CSRF_ENABLED"] = True
    response = app.test_client().post("/orders/find", data={"number": "PD-1", "email": "a@example.test"})
    assert response.status_code == 400


def test_guest_emails_link_the_order_finder(app, session):
    product = setup_shop(session)
    place(session, make_cart(session, {product: 1}), email="tamu@example.test", lang="en")
    buyer = make_user(session, email="siti@example.test")
    place(session, make_cart(session, {product: 1}, user=buyer), buyer=buyer, email=buyer.email, lang="en")
    session.commit()
    deliver_pending(session)  # renders the confirmations (queued unrendered)
    emails = {e.to_address: e for e in session.scalars(sa.select(OutboundEmail))}
    assert "/orders/find" in emails["tamu@example.test"].body_text
    assert "/orders/find" in emails["tamu@example.test"].body_html
    assert "/orders/find" not in emails["siti@example.test"].body_text
