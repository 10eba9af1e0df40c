"""Issue 15, the product page on a 360×740 phone, with JavaScript on and off: the price, the stock and
the buy button are on the first screen, also for a shirt whose five sizes push the form down (the
quantity and the button then stick to the screen's bottom, CSS only, hiding nothing for good); the
photos swipe sideways and their numbered links scroll to each one without JavaScript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from marketplace.catalogue.models import ProductOption, ProductVariant
from marketplace.media.storage import get_storage
from tests.browser.conftest import MOBILE_WIDTH, assert_no_browser_errors, snap
from tests.browser.test_page_basics import AXE, _axe_violations
from tests.factories import add_photo, make_cluster, make_product, make_seller, make_village

pytestmark = pytest.mark.browser

PHONE_HEIGHT = 740
SIZES = ("S", "M", "L", "XL", "XXL")
SOLD_OUT = "L"
#: Where each part ends and whether it is the topmost element at its centre (nothing covers it).
FIRST_SCREEN_JS = """selectors => selectors.map(selector => {
    const element = document.querySelector(selector);
    if (!element) return {selector, missing: true};
    const box = element.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return {selector, top: box.top, bottom: box.bottom, right: box.right,
            covered: !(hit && (hit === element || element.contains(hit)))};
})"""


@pytest.fixture
def app_overrides(app_overrides) -> dict:
    # Indonesian is the longer language: its labels take the most room.
    return {**app_overrides, "BABEL_DEFAULT_LOCALE": "id"}


@dataclass(frozen=True)
class Pages:
    shirt: str
    cloth: str
    sizes: dict[str, int]


@pytest.fixture
def pages(app, session) -> Pages:
    """A long-sleeved batik shirt in five sizes (L sold out) and a batik cloth with a long title;
    three photos each."""
    village = make_village(session, name="Pakistaji", slug="pakistaji")
    cluster = make_cluster(session, slug="batik", name_id="Batik", name_en="Batik")
    seller = make_seller(session, village=village, name="Sanggar Batik Sekar Kepuh")
    shirt = make_product(
        session, seller=seller, cluster=cluster, slug="kemeja-batik-gajah-oling", price_minor=275_000,
        title_id="Kemeja Batik Gajah Oling Pria Lengan Panjang", title_en="Gajah Oling Long-sleeved Shirt",
    )  # fmt: skip
    cloth = make_product(
        session, seller=seller, cluster=cluster, slug="kain-batik-tulis", price_minor=1_250_000, stock=2,
        title_id="Kain Batik Tulis Gajah Oling Pewarna Alami Sutra Premium Ukuran 2,5 Meter Pakistaji",
        title_en="Hand-drawn Gajah Oling Silk Batik Cloth, Natural Dyes, Premium Quality, 2.5 Metres",
    )  # fmt: skip
    storage = get_storage(app)
    for product in (shirt, cloth):
        for n in range(3):
            add_photo(session, storage, product=product, colour=(60 + n * 60, 60, 40), alt_id=f"Foto {n + 1}")
    session.add(ProductOption(product_id=shirt.id, position=1, name_id="Ukuran", name_en="Size"))
    first = shirt.variants[0]
    first.value1, first.sku, first.stock = SIZES[0], "GO-S", 2
    for position, size in enumerate(SIZES[1:], start=1):
        stock = 0 if size == SOLD_OUT else 3
        session.add(
            ProductVariant(product_id=shirt.id, position=position, value1=size, sku=f"GO-{size}", stock=stock)
        )
    shirt.stock = 2 + 3 * 3  # the total of the variants, as the stock services keep it
    session.commit()
    return Pages(
        shirt=f"/products/{shirt.id}-{shirt.slug}",
        cloth=f"/products/{cloth.id}-{cloth.slug}",
        sizes={variant.value1: variant.id for variant in shirt.variants},
    )


def _assert_first_screen(page, what: str, parts: tuple[str, ...]) -> None:
    """Each part ends inside the first 740 px, nothing on top of it; the page is no wider than the phone."""
    assert page.evaluate("[window.scrollX, window.scrollY]") == [0, 0], what
    for part in page.evaluate(FIRST_SCREEN_JS, list(parts)):
        assert not part.get("missing"), (what, part)
        assert 0 <= part["top"] and part["bottom"] <= PHONE_HEIGHT, f"{what}: {part}"
        assert not part["covered"], f"{what}: something lies on top of {part['selector']}"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= MOBILE_WIDTH, what


BUY = (".buy .price", ".buy > .stock-in", ".buy-bar button[type=submit]", ".buy-bar input[name=quantity]")


@pytest.mark.spread_over_databases("js", ["on", "off"])
def test_price_stock_and_buy_button_are_on_the_first_screen(request, live_server, pages, js):
    page = request.getfixturevalue("mobile_page" if js == "on" else "page_nojs")
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": PHONE_HEIGHT})
    main = page.locator("main")

    # The cloth: one long title, no variants; everything fits as it is.
    assert page.goto(live_server.url(pages.cloth)).status == 200
    _assert_first_screen(page, "cloth", BUY)
    # Its photos swipe in their own row; a tap on a number brings that photo in, JavaScript or not.
    gallery = main.locator(".gallery")
    assert gallery.evaluate("el => el.scrollWidth > el.clientWidth && el.scrollLeft === 0")
    links = main.locator(".photo-links a")
    expect(links).to_have_count(3)
    expect(links.nth(2)).to_have_accessible_name(re.compile(r"^Foto 3$"))
    links.nth(2).click()
    expect(page).to_have_url(re.compile(r"#photo-3$"))
    page.wait_for_function("document.querySelector('.gallery').scrollLeft > 0")
    third = main.locator("#photo-3").bounding_box()
    assert 0 <= third["x"] and third["x"] + third["width"] <= MOBILE_WIDTH, third
    expect(page.locator("header.site-header")).to_be_in_viewport()  # the page did not jump past it

    # The shirt: five sizes push the form down, so the quantity and the button wait at the bottom.
    assert page.goto(live_server.url(pages.shirt)).status == 200
    snap(page, f"shirt-{js}")
    picker = (".variant-picker legend", ".variant-choice:first-of-type label")
    _assert_first_screen(page, "shirt", (*BUY, *picker))
    bar = main.locator(".buy-bar").bounding_box()
    assert bar["y"] + bar["height"] == pytest.approx(PHONE_HEIGHT, abs=1), bar  # stuck to the bottom
    # Every size can still be reached and chosen: the bar covers none of them for good.
    add = main.locator("form.add-to-cart")
    expect(add.locator(f"#variant-{pages.sizes[SOLD_OUT]}")).to_be_disabled()
    add.locator(f"label[for=variant-{pages.sizes['XXL']}]").click()
    expect(add.locator(f"#variant-{pages.sizes['XXL']}")).to_be_checked()
    add.locator(".buy-bar button[type=submit]").click()
    expect(page.locator("[role=status]").first).to_be_visible()
    expect(page.locator("header .cart-count")).to_have_text("1")
    assert page.goto(live_server.url("/cart")).status == 200
    expect(main.locator(".cart-lines .variant-label")).to_contain_text("XXL")
    assert page.goto(live_server.url(pages.shirt)).status == 200
    if js == "on" and AXE.exists():
        assert _axe_violations(page) == []

    # On a wide screen the photos sit in a grid without numbered links, the buy form beside them.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(main.locator(".photo-links")).to_be_hidden()
    gallery, buy = main.locator(".gallery").bounding_box(), main.locator(".buy").bounding_box()
    assert gallery["x"] + gallery["width"] <= buy["x"], (gallery, buy)  # side by side
    button = main.locator(".buy-bar button[type=submit]").bounding_box()
    assert button["x"] >= buy["x"] and button["width"] < buy["width"] / 2, button
    assert_no_browser_errors(page)
