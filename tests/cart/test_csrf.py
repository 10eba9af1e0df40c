"""Every cart, checkout and curator form refuses a POST without its CSRF token (400)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.cart.models import CartLine
from tests.factories import make_product


@pytest.fixture
def app_overrides():
    return {"WTF_CSRF_ENABLED": True}


@pytest.mark.parametrize(
    "path", ["/cart/add", "/cart/update", "/cart/remove", "/checkout", "/curator/transfers/PD-1/received"]
)
def test_post_without_csrf_token_is_400(client, session, path):
    product = make_product(session)
    session.commit()
    response = client.post(path, data={"product_id": product.id, "quantity": "1"})
    assert response.status_code == 400
    assert session.scalar(sa.select(sa.func.count()).select_from(CartLine)) == 0
