"""With the page cache on, anonymous pages are cached and a catalogue change shows at once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.money import Money
from tests.factories import make_featured, make_product


@pytest.fixture
def app_overrides() -> dict:
    return {"PAGE_CACHE_ENABLED": True}


def test_cached_pages_show_changes_on_next_request(client, session, world):
    product = make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Batik Kopi Pecah", price_minor=100_000
    )
    session.commit()
    old_price, new_price = Money(100_000, "IDR").format("en"), Money(125_000, "IDR").format("en")
    for path in ("/", "/clusters/batik", "/villages/pakistaji", "/sellers/kub-sekar-kepuh", "/search?q=kopi"):
        first = client.get(path)
        assert first.status_code == 200 and old_price in first.get_data(as_text=True), path
        again = client.get(path)
        assert again.headers.get("X-Cache") == "HIT", path

    session.execute(sa.update(Product).where(Product.id == product.id).values(price_minor=125_000))
    session.commit()
    for path in ("/", "/clusters/batik", "/villages/pakistaji", "/sellers/kub-sekar-kepuh", "/search?q=kopi"):
        html = client.get(path).get_data(as_text=True)
        assert new_price in html and old_price not in html, path

    make_featured(
        session, product=product, headline_id="Sorotan minggu ini", headline_en="Spotlight of the week"
    )
    session.commit()
    assert "Spotlight of the week" in client.get("/").get_data(as_text=True)
