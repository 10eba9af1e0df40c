"""An address typed on a phone the way people in Banyuwangi write it: the postal code with a space
("68 416"), the province short ("jatim"), the phone in groups. The guest's order is placed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import contact
from marketplace.orders.models import Order
from tests.checkout.conftest import review
from tests.orders.helpers import CHECKOUT_ADDRESS, fill_cart


@pytest.mark.parametrize(
    ("typed", "kept"),
    [("68 416", "68416"), ("684 16", "68416"), ("68.416", "68416"), ("68-416", "68416"), ("68416", "68416")],
)
def test_an_indonesian_postal_code_split_by_a_space_dot_or_dash_is_joined(typed, kept):
    assert contact.clean_address({**CHECKOUT_ADDRESS, "postal_code": typed})["postal_code"] == kept
    assert contact.address_errors(contact.clean_address({**CHECKOUT_ADDRESS, "postal_code": typed})) == {}


def test_a_postal_code_abroad_keeps_its_space():
    cleaned = contact.clean_address({"country": "NL", "postal_code": "1015 cx", "city": "Amsterdam"})
    assert cleaned["postal_code"] == "1015 CX"


def test_text_that_is_no_postal_code_is_still_refused():
    cleaned = contact.clean_address({**CHECKOUT_ADDRESS, "postal_code": "68 41a"})
    assert "postal_code" in contact.address_errors(cleaned)


def test_a_guest_places_an_order_with_the_address_typed_as_on_a_phone(client, session, shop):
    fill_cart(client, *shop)
    typed = {**CHECKOUT_ADDRESS, "province": "jatim", "postal_code": "68 461", "phone": "0812 3456 7890"}
    _response, _html, data = review(client, typed, payment_method="bank_transfer")
    placed = client.post("/checkout", data=data)
    assert placed.status_code == 303, placed.get_data(as_text=True)[:400]
    (order,) = session.scalars(sa.select(Order))
    assert (order.ship_postal_code, order.ship_province) == ("68461", "Jawa Timur")
