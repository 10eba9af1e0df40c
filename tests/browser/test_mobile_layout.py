"""On a 360-px phone screen the public pages fit: nothing forces the reader to scroll sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAYOUT_ON_ONE_DATABASE, MOBILE_WIDTH, assert_no_browser_errors, snap
from tests.factories import (
    make_cluster,
    make_featured,
    make_label_type,
    make_product,
    make_product_label,
    make_seller,
    make_village,
)

pytestmark = [pytest.mark.browser, LAYOUT_ON_ONE_DATABASE]

# Long real-world words are what overflow narrow screens: keep them unbroken on purpose.
LONG_TITLE_ID = "Kain Batik Tulis Gajah Oling Pewarna Alami Sutra Premium Ukuran 2,5 Meter Pakistaji"
LONG_TITLE_EN = "Hand-drawn Gajah Oling Silk Batik Cloth, Natural Dyes, Premium Quality, 2.5 Metres"
LONG_SELLER = "Kelompok Usaha Bersama Batik Tulis Sekar Pakistaji Dusun Kepuh"


@pytest.fixture
def crowded_catalogue(session) -> dict:
    """Long titles, a long seller name, labels, a featured placement: the widest content we expect."""
    village = make_village(session, name="Pakistaji", slug="pakistaji")
    cluster = make_cluster(session, slug="batik", name_id="Batik", name_en="Batik")
    seller = make_seller(session, village=village, name=LONG_SELLER, slug="kub-batik-sekar-pakistaji")
    product = make_product(
        session, seller=seller, cluster=cluster, slug="kain-batik-tulis-gajah-oling",
        title_id=LONG_TITLE_ID, title_en=LONG_TITLE_EN, price_minor=1_250_000, stock=2,
        exportable=True, hs_code="5208.52",
    )  # fmt: skip
    label_type = make_label_type(session, code="batikmark", name_id="Batikmark", name_en="Batikmark")
    make_product_label(session, product=product, label_type=label_type,
                       certificate_number="BMI-0123-4567-8901-2345-6789")  # fmt: skip
    make_featured(session, product=product)
    for n in range(8):
        make_product(session, seller=seller, cluster=cluster, title_id=f"Selendang Batik Cap Motif {n}")
    session.commit()
    return {"cluster": "Batik", "title": LONG_TITLE_ID}


@pytest.fixture
def app_overrides(app_overrides) -> dict:
    # Buyers see Indonesian by default, and its long words are what this test is about.
    return {**app_overrides, "BABEL_DEFAULT_LOCALE": "id"}


def _page_width(page) -> int:
    return page.evaluate("document.scrollingElement.scrollWidth")


def _assert_fits(page, what: str) -> None:
    # After a click the next page's DOM can be queried before its stylesheet applies: measure the
    # laid-out page, not the unstyled one (a 507 px menu list once failed the cart this way).
    page.wait_for_load_state()
    width = _page_width(page)
    if width > MOBILE_WIDTH:
        widest = page.evaluate(
            """(limit) => [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > limit + 0.5)
                .slice(0, 5).map(el => el.outerHTML.slice(0, 160))""",
            MOBILE_WIDTH,
        )
        pytest.fail(f"{what} is {width}px wide on a {MOBILE_WIDTH}px screen; too wide: {widest}")


def test_public_pages_fit_a_360px_screen(mobile_page, live_server, crowded_catalogue):
    page = mobile_page
    main = page.locator("main")

    assert page.goto(live_server.url("/")).status == 200
    assert page.evaluate("window.innerWidth") == MOBILE_WIDTH
    snap(page, "home")
    _assert_fits(page, "the home page")

    main.get_by_role("link", name=crowded_catalogue["cluster"], exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/clusters/"))
    snap(page, "cluster")
    _assert_fits(page, "the cluster page")

    main.get_by_role("link", name=crowded_catalogue["title"]).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(crowded_catalogue["title"])
    snap(page, "product")
    _assert_fits(page, "the product page")

    assert page.goto(live_server.url("/search?q=batik")).status == 200
    snap(page, "search")
    _assert_fits(page, "the search page")

    assert page.goto(live_server.url("/search?q=zzzz-nothing-matches")).status == 200
    snap(page, "search-empty")
    _assert_fits(page, "the empty search page")

    assert_no_browser_errors(page)


def _fill_cart(page, live_server, title: str) -> None:
    main = page.locator("main")
    assert page.goto(live_server.url("/")).status == 200
    main.get_by_role("link", name=title).first.click()
    main.locator("form[action$='/cart/add'] button[type=submit]").click()
    expect(page.locator("[role=status]")).to_contain_text(title)


def test_checkout_fits_a_360px_screen(mobile_page, live_server, crowded_catalogue):
    page = mobile_page
    _fill_cart(page, live_server, crowded_catalogue["title"])
    assert page.goto(live_server.url("/checkout")).status == 200
    expect(page.locator("main form.checkout")).to_be_visible()
    snap(page, "checkout")
    _assert_fits(page, "the checkout page")
    assert_no_browser_errors(page)


def test_cart_fits_a_360px_screen(mobile_page, live_server, crowded_catalogue):
    page = mobile_page
    _fill_cart(page, live_server, crowded_catalogue["title"])
    page.locator("header a[href$='/cart']").click()
    expect(page.locator("main input[name=quantity]")).to_have_count(1)
    snap(page, "cart")
    _assert_fits(page, "the cart page")


def test_visually_hidden_text_takes_no_room(page, live_server, crowded_catalogue):
    """Labels meant for screen readers only (class visually-hidden) must not show on screen."""
    _fill_cart(page, live_server, crowded_catalogue["title"])
    page.locator("header a[href$='/cart']").click()
    hidden = page.locator(".visually-hidden")
    assert hidden.count() > 0
    for index in range(hidden.count()):
        box = hidden.nth(index).bounding_box()
        assert box is None or (box["width"] <= 1 and box["height"] <= 1), hidden.nth(index).inner_text()
