"""/orders/find takes the order number as people type or paste it: lower case, spaces or nothing
between its parts, with "#" or words around it. A wrong number is still refused the same way."""

from __future__ import annotations

import pytest

from tests.orders.helpers import make_cart, place
from tests.orders.test_views import setup_shop


@pytest.mark.parametrize(
    "typed",
    ["{n}", "{l}", "{n_spaced}", "{n_bare}", "#{n}", "Pesanan {n}.", "{l_bare}"],
)
def test_a_number_typed_another_way_still_finds_the_order(app, session, typed):
    order = place(session, make_cart(session, {setup_shop(session): 1}), email="tamu@example.test")
    session.commit()
    number = order.number
    text = typed.format(
        n=number,
        l=number.lower(),
        n_spaced=number.replace("-", " "),
        n_bare=number.replace("-", ""),
        l_bare=number.replace("-", "").lower(),
    )
    found = app.test_client().post("/orders/find", data={"number": text, "email": "Tamu@example.test"})
    assert found.status_code == 303 and number in found.location


def test_a_wrong_number_then_the_right_one(app, session):
    order = place(session, make_cart(session, {setup_shop(session): 1}), email="tamu@example.test")
    session.commit()
    client = app.test_client()
    client.set_cookie("lang", "en")
    wrong = order.number[:-1] + ("Z" if order.number[-1] != "Z" else "Y")
    refused = client.post("/orders/find", data={"number": wrong, "email": "tamu@example.test"})
    assert refused.status_code == 200 and "We could not find an order" in refused.get_data(as_text=True)
    found = client.post(
        "/orders/find", data={"number": order.number.replace("-", " "), "email": "tamu@example.test"}
    )
    assert found.status_code == 303
