"""The bank-transfer panel at 360 px (a user walk): copy buttons only where a banking app takes the
value; after "I have transferred" no cancellation warning, but the deadline as information; and no
site-wide currency note on pages about one order, whose amounts are in the order's currency."""

from __future__ import annotations

import re

from marketplace.orders import services as orders
from tests.markets.conftest import make_rate
from tests.orders.helpers import make_cart, place
from tests.payouts.helpers import make_shop

WARNING = {
    "en": "If we do not receive the transfer by then, the order is cancelled",
    "id": "pesanan dibatalkan",
}
CHECKING = {
    "en": "You told us you transferred: a curator is checking the transfer.",
    "id": "kurator sedang memeriksa transfer tersebut",
}


def _guest_order(app, session):
    _seller, product = make_shop(session, price=85_000)
    order = place(session, make_cart(session, {product: 2}))
    session.commit()
    return order, orders.guest_order_token(order, secret_key=app.config["SECRET_KEY"])


def _panel(page: str) -> str:
    return page.split('class="bank-instructions"', 1)[1].split("</section>", 1)[0]


def test_copy_buttons_only_on_the_amount_the_account_number_and_the_note(app, session):
    order, token = _guest_order(app, session)
    panel = _panel(
        app.test_client().get(f"/orders/{order.number}?token={token}&lang=id").get_data(as_text=True)
    )
    copied = re.findall(r'data-copy="([^"]*)" data-copy-label="([^"]+)"', panel)
    assert [label for _value, label in copied] == ["pay-amount", "pay-account", "pay-note"]
    assert dict((label, value) for value, label in copied)["pay-note"] == order.number
    assert "<time datetime=" in panel  # the deadline is still there, as text


def test_after_the_claim_the_deadline_stays_without_the_threat(app, session):
    order, token = _guest_order(app, session)
    client = app.test_client()
    for lang in ("en", "id"):
        panel = _panel(client.get(f"/orders/{order.number}?token={token}&lang={lang}").get_data(as_text=True))
        assert WARNING[lang] in panel and CHECKING[lang] not in panel
    claim = {"sender_name": "Siti Rahayu", "sender_bank": "BCA", "token": token}
    response = client.post(
        f"/payments/transfer/{order.number}", data=claim, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    for lang in ("en", "id"):
        for url in (f"/orders/{order.number}?token={token}&lang={lang}",
                    f"/payments/transfer/{order.number}?token={token}&lang={lang}"):  # fmt: skip
            panel = _panel(client.get(url).get_data(as_text=True))
            assert WARNING[lang] not in panel and CHECKING[lang] in panel, url
            assert "<time datetime=" in panel and "WIB" in panel


def test_pages_about_one_order_leave_out_the_browsing_currency_note(app, session):
    make_rate(session, "EUR", "17300")
    order, token = _guest_order(app, session)
    client = app.test_client()
    home = client.get("/?currency=EUR&country=NL&lang=en").get_data(as_text=True)
    assert "Prices converted from rupiah at 1 EUR" in home  # browsing in euros: the note is there
    for url in (f"/orders/{order.number}?token={token}", f"/orders/{order.number}/receipt?token={token}",
                f"/payments/transfer/{order.number}?token={token}"):  # fmt: skip
        for lang in ("en", "id"):
            response = client.get(f"{url}&lang={lang}")
            page = response.get_data(as_text=True)
            assert response.status_code == 200 and "Rp" in page, url
            assert 'class="price-note"' not in page and "1 EUR" not in page, url
