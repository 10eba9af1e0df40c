"""The seller's area on a phone: the header fits on every one of its pages, the menu holds them all."""

from __future__ import annotations

import pytest

from tests.browser.area_headers.conftest import walk_every_page

pytestmark = pytest.mark.browser


@pytest.mark.spread_over_databases("lang", ["id", "en"])
def test_seller_header_fits_a_phone_on_every_page(mobile_page, live_server, areas, lang):
    walk_every_page(mobile_page, live_server, areas, "seller", lang)
