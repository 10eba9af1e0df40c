"""Without JavaScript the page prices what it showed: a delivery the buyer changes afterwards is
placed when it costs no more than the total shown, and otherwise shown again with a message saying
it was their own choice; a change on the shop's side is named as such. And a malformed email is
told apart from a missing one."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.money import Money
from marketplace.orders.models import Order
from marketplace.shipping.models import ShippingRate, ShippingZone
from tests.checkout.conftest import review, summary
from tests.orders.helpers import CHECKOUT_ADDRESS, fill_cart, hidden_field

SUBTOTAL = 125_000 + 45_000
#: The default rates (shipping.rates): a parcel up to 1 kg, per seller.
BANYUWANGI_PARCEL = 10_000
JAVA_BALI_PARCEL = 22_000


def orders(session) -> list[Order]:
    return list(session.scalars(sa.select(Order)))


def test_choosing_pickup_after_calculate_shipping_places_the_order_at_the_lower_total(client, session, shop):
    fill_cart(client, *shop)
    _response, html, data = review(client, CHECKOUT_ADDRESS, payment_method="bank_transfer")
    assert data["quote"] == f"IDR:{2 * BANYUWANGI_PARCEL}:{SUBTOTAL + 2 * BANYUWANGI_PARCEL}"

    # Pickup chosen, "Place order" pressed at once: free, so less than the total the page showed.
    placed = client.post("/checkout", data={**data, "shipping_method": "pickup"})
    assert placed.status_code == 303, placed.get_data(as_text=True)[:400]
    (order,) = orders(session)
    assert order.shipping_minor == 0 and order.total_minor - order.unique_code_minor == SUBTOTAL


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "Your new delivery choice changes the total to {total}. "
               "Check it below, then press “Place order” again."),
        ("id", "Pilihan pengiriman Anda yang baru mengubah totalnya menjadi {total}. "
               "Periksa di bawah, lalu tekan “Buat pesanan” sekali lagi."),
    ],
)  # fmt: skip
def test_a_delivery_choice_that_costs_more_is_shown_first_as_the_buyers_own(
    client, session, shop, lang, text
):
    fill_cart(client, *shop)
    url = f"/checkout?lang={lang}"
    _response, _html, data = review(client, CHECKOUT_ADDRESS, url=url, shipping_method="pickup")
    assert data["quote"] == f"IDR:0:{SUBTOTAL}"

    response = client.post(url, data={**data, "shipping_method": "courier"})
    html = response.get_data(as_text=True)
    total = Money(SUBTOTAL + 2 * BANYUWANGI_PARCEL, "IDR").format(lang)
    assert response.status_code == 409 and text.format(total=total) in html
    assert "Ongkos kirim atau totalnya berubah" not in html and "shipping or the total changed" not in html
    assert f"<strong>{total}</strong>" in summary(html) and orders(session) == []
    assert (
        'value="Jl. Raya Kabat 12"' in html
        and 'id="ship-courier" name="shipping_method" value="courier" checked' in html
    )

    # Pressed again from that page: placed at exactly the total it showed.
    again = {
        **data,
        "shipping_method": "courier",
        "quote": hidden_field(html, "quote"),
        "quoted_for": hidden_field(html, "quoted_for"),
    }
    assert client.post(url, data=again).status_code == 303
    (order,) = orders(session)
    assert order.total_minor - order.unique_code_minor == SUBTOTAL + 2 * BANYUWANGI_PARCEL


def test_another_city_costing_more_is_the_buyers_choice_too(client, session, shop):
    fill_cart(client, *shop)
    _response, _html, data = review(client, CHECKOUT_ADDRESS)
    moved = {**data, "province": "DKI Jakarta", "city": "Jakarta Selatan", "postal_code": "12110"}
    html = client.post("/checkout", data=moved).get_data(as_text=True)
    total = Money(SUBTOTAL + 2 * JAVA_BALI_PARCEL, "IDR").format("en")
    assert f"Your new delivery choice changes the total to {total}." in html and orders(session) == []


def test_the_shops_own_shipping_change_is_named_as_the_shipping_cost(client, session, shop):
    fill_cart(client, *shop)
    _response, _html, data = review(client, CHECKOUT_ADDRESS)
    tier = session.scalar(
        sa.select(ShippingRate)
        .join(ShippingZone, ShippingZone.id == ShippingRate.zone_id)
        .where(ShippingZone.code == "banyuwangi", ShippingRate.max_weight_grams == 1000)
    )
    tier.price_minor = 8_000  # cheaper, but not the buyer's doing: shown before it is charged
    session.commit()

    html = client.post("/checkout", data=data).get_data(as_text=True)
    total = Money(SUBTOTAL + 2 * 8_000, "IDR").format("en")
    assert f"The shipping cost changed since the page showed it: the total is now {total}." in html
    assert "delivery choice" not in html and orders(session) == []


def test_a_forged_quote_for_another_destination_never_charges_more_than_shown(client, session, shop):
    fill_cart(client, *shop)
    _response, _html, data = review(client, CHECKOUT_ADDRESS, shipping_method="pickup")
    response = client.post("/checkout", data={**data, "shipping_method": "courier", "quoted_for": "x" * 16})
    assert response.status_code == 409 and orders(session) == []


@pytest.mark.parametrize(
    ("lang", "email", "text"),
    [
        ("en", "not-an-email", "Enter a valid email address, like name@example.com."),
        ("id", "not-an-email", "Masukkan alamat email yang benar, misalnya nama@contoh.id."),
        ("en", "", "Enter your email address: we send the order confirmation there."),
        ("id", "", "Masukkan alamat email Anda: konfirmasi pesanan akan kami kirim ke sana."),
    ],
)
def test_a_malformed_email_is_told_apart_from_a_missing_one(client, session, shop, lang, email, text):
    fill_cart(client, *shop)
    url = f"/checkout?lang={lang}"
    _response, _html, data = review(client, CHECKOUT_ADDRESS, url=url, payment_method="bank_transfer")
    response = client.post(url, data={**data, "email": email})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'<strong class="error" id="f-email-error">{text}</strong>' in html
    assert f'value="{email}"' in html and 'value="Jl. Raya Kabat 12"' in html and orders(session) == []
