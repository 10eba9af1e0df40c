"""The order link in an email works for the person it was sent to: a logged-out buyer logs in and
lands on the order; a guest's signed link opens their guest order and never an account's order."""

from __future__ import annotations

import re
from dataclasses import asdict
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from marketplace.email.services import deliver_pending
from marketplace.orders.models import Order
from marketplace.orders.services import guest_order_token
from marketplace.shipping.services import ensure_default_shipping_rates
from tests.factories import TEST_PASSWORD, make_product, make_user
from tests.orders.helpers import address, quoted_checkout_form

BASE = "https://pasar.example"
ADDRESS = {k: v for k, v in asdict(address()).items() if k not in ("line2", "country")}


@pytest.fixture
def app_overrides(tmp_path):
    return {"OUTBOX_DIR": str(tmp_path / "outbox"), "SERVER_NAME_FOR_LINKS": BASE}


@pytest.fixture
def product(session):
    ensure_default_shipping_rates(session)
    item = make_product(session, title_id="<b>Kopi</b> Kabat", title_en="<b>Kabat</b> coffee", stock=5)
    session.commit()
    return item


def _log_in(client, email: str, next_url: str | None = None):
    url = "/account/login" + (f"?next={next_url}" if next_url else "")
    response = client.post(url, data={"email": email, "password": TEST_PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    return response


def _place_order(client, product, email: str) -> Order:
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1"})
    data = {**ADDRESS, "email": email, "shipping_method": "courier", "payment_method": "bank_transfer"}
    response = client.post("/checkout", data=quoted_checkout_form(client, data))
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def _emailed_order_link(app, session, order: Order) -> tuple[str, object]:
    deliver_pending(session)
    messages = [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    ]
    [message] = [m for m in messages if order.number in m["Subject"]]
    html = message.get_body(("html",)).get_content()
    links = re.findall(r'<a href="([^"]+)"', html)
    [url] = {link for link in links if f"/orders/{order.number}" in link}
    return url.replace("&amp;", "&"), message


@pytest.mark.parametrize("lang", ["id", "en"])
def test_logged_out_buyer_opens_the_emailed_link_logs_in_and_lands_on_the_order(app, session, product, lang):
    make_user(session, email="siti@example.test", locale=lang)
    session.commit()
    shop = app.test_client()
    _log_in(shop, "siti@example.test")
    _place_order(shop, product, "siti@example.test")
    order = session.scalars(sa.select(Order)).one()
    assert order.buyer_id is not None and order.lang == lang

    url, message = _emailed_order_link(app, session, order)
    assert url == f"{BASE}/orders/{order.number}"
    html = message.get_body(("html",)).get_content()
    assert f'<html lang="{lang}"' in html
    assert ("Lihat pesanan Anda" if lang == "id" else "View your order") in html
    assert "&lt;b&gt;" in html and "<b>" not in html  # the product's name stays text
    assert url in message.get_body(("plain",)).get_content()

    # Another browser, logged out (a phone's mail app): sent to log in, not shown a 404.
    phone = app.test_client()
    path = urlsplit(url).path
    first = phone.get(path)
    assert first.status_code == 302
    login = urlsplit(first.headers["Location"])
    assert login.path == "/account/login"
    assert parse_qs(login.query)["next"] == [path]
    page = phone.get(first.headers["Location"])
    assert page.status_code == 200
    # The login form posts the next address along, and the login lands on the order.
    form_action = re.search(r'<form method="post" action="([^"]+)"', page.get_data(as_text=True)).group(1)
    logged_in = phone.post(
        form_action.replace("&amp;", "&"), data={"email": "siti@example.test", "password": TEST_PASSWORD}
    )
    assert logged_in.status_code in (302, 303)
    assert urlsplit(logged_in.headers["Location"]).path == path
    shown = phone.get(logged_in.headers["Location"])
    assert shown.status_code == 200
    assert order.number in shown.get_data(as_text=True)


def test_logged_out_visitor_is_asked_to_log_in_whether_or_not_the_order_exists(app, session, product):
    # The same answer for any number, so a visitor learns nothing about other people's orders.
    make_user(session, email="siti@example.test")
    session.commit()
    shop = app.test_client()
    _log_in(shop, "siti@example.test")
    _place_order(shop, product, "siti@example.test")
    order = session.scalars(sa.select(Order)).one()

    visitor = app.test_client()
    for number in (order.number, "PD-000000-ZZZZ"):
        response = visitor.get(f"/orders/{number}")
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/account/login"
    # Logged in, someone else's or a missing order is simply not found.
    make_user(session, email="budi@example.test")
    session.commit()
    _log_in(visitor, "budi@example.test")
    assert visitor.get(f"/orders/{order.number}").status_code == 404
    assert visitor.get("/orders/PD-000000-ZZZZ").status_code == 404


def test_a_guests_emailed_link_opens_their_order_without_an_account(app, session, product):
    guest = app.test_client()
    _place_order(guest, product, "guest@example.test")
    order = session.scalars(sa.select(Order)).one()
    assert order.buyer_id is None

    url, _message = _emailed_order_link(app, session, order)
    assert url.startswith(f"{BASE}/orders/{order.number}?token=")
    parts = urlsplit(url)
    phone = app.test_client()
    page = phone.get(f"{parts.path}?{parts.query}")
    assert page.status_code == 200
    assert order.number in page.get_data(as_text=True)
    # A tampered token is not found (no login page: logging in would not help).
    assert phone.get(f"{parts.path}?{parts.query}x").status_code == 404


def test_a_guest_link_never_opens_an_accounts_order(app, session, product):
    make_user(session, email="siti@example.test")
    make_user(session, email="budi@example.test")
    session.commit()
    owner = app.test_client()
    _log_in(owner, "siti@example.test")
    _place_order(owner, product, "siti@example.test")
    order = session.scalars(sa.select(Order)).one()
    # A correctly signed guest token for an account's order (say the order was a guest's once).
    token = guest_order_token(order, secret_key=app.config["SECRET_KEY"])
    link = f"/orders/{order.number}?token={token}"

    anonymous = app.test_client()
    response = anonymous.get(link)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/account/login"
    assert ADDRESS["name"] not in response.get_data(as_text=True)

    other = app.test_client()
    _log_in(other, "budi@example.test")
    assert other.get(link).status_code == 404

    assert owner.get(link).status_code == 200
