"""Issue 15: on a 360-px phone, tables of more than three columns become cards (class table-cards):
one card per row, its cells stacked, each named by its column's header (data-label, the same
translated text), nothing wider than the screen. On a desktop the same tables stay tables.

The buyer's, seller's and curator's pages with such tables are walked in both languages (spread over
the databases); the buyer's remaining pages are checked for sideways scrolling too (the others are
in test_phone_header.py and area_headers/).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from marketplace.catalogue.models import ProductStatus
from marketplace.naikkelas.services import ensure_default_naik_kelas
from marketplace.orders import services as orders
from marketplace.types import utcnow
from tests.browser.conftest import MOBILE_WIDTH, assert_no_browser_errors, snap
from tests.browser.test_page_basics import AXE, _axe_violations
from tests.factories import (
    make_cluster,
    make_label_type,
    make_product,
    make_product_label,
    make_seller,
    make_user,
    make_village,
)
from tests.login import browser_logged_in_as, user_with_email
from tests.markets.conftest import make_rate
from tests.orders.helpers import make_cart, place

pytestmark = pytest.mark.browser

#: One round trip per page: the page's width, and the first row of each card table with its cells'
#: boxes, labels (data-label and what ::before shows) and whether the cell holds a control.
CARDS_JS = """() => ({
    width: document.scrollingElement.scrollWidth,
    tables: [...document.querySelectorAll("main table.table-cards")].map(table => {
        const row = table.querySelector("tbody tr");
        return row && {
            headers: [...table.querySelectorAll("thead th")].map(th => th.textContent.trim()),
            cells: [...row.children].map(cell => {
                const box = cell.getBoundingClientRect();
                return {
                    tag: cell.tagName, label: cell.dataset.label ?? null,
                    shown: getComputedStyle(cell, "::before").content,
                    left: box.left, right: box.right, top: box.top, height: box.height,
                    control: !!cell.querySelector("a, button, input, form"),
                };
            }),
        };
    }).filter(Boolean),
})"""


@dataclass(frozen=True)
class Books:
    seller_email: str
    curator_email: str
    buyer_email: str
    product_id: int
    seller_id: int
    fulfilment_id: int
    paid_number: str
    unpaid_number: str


@pytest.fixture
def books(session) -> Books:
    """A shop with a paid order and an unpaid one from a buyer who has a line in the cart, the
    default naik-kelas levels, a rate, a label type with a verified label, and a product to review."""
    ensure_default_naik_kelas(session)
    make_rate(session, "EUR", "17300")
    village = make_village(session, name="Pakistaji", slug="pakistaji")
    cluster = make_cluster(session, slug="batik", name_id="Batik", name_en="Batik")
    owner = make_user(session, email="sekar@example.test", name="Sekar")
    curator = make_user(session, email="kurator@example.test", name="Kurator", is_curator=True)
    buyer = make_user(session, email="siti@example.test", name="Siti Rahayu")
    shop = make_seller(
        session, user_id=owner.id, village=village,
        name="Kelompok Usaha Bersama Batik Tulis Sekar Pakistaji Dusun Kepuh",
    )  # fmt: skip
    product = make_product(
        session, seller=shop, cluster=cluster, price_minor=1_250_000, stock=9,
        title_id="Kain Batik Tulis Gajah Oling Pewarna Alami Sutra Premium Ukuran 2,5 Meter",
        title_en="Hand-drawn Gajah Oling Silk Batik Cloth, Natural Dyes, 2.5 Metres",
    )  # fmt: skip
    make_product(
        session, seller=shop, cluster=cluster, title_id="Udeng batik",
        status=ProductStatus.PENDING_REVIEW, published_at=None,
    )  # fmt: skip
    curated = make_label_type(session, code="kurasi", name_id="Kurasi Kecamatan", name_en="District curated")
    make_product_label(session, product=product, label_type=curated)
    paid = place(session, make_cart(session, {product: 2}), buyer=buyer, email=buyer.email)
    orders.mark_order_paid(session, paid, actor_label="test", now=utcnow())
    unpaid = place(session, make_cart(session, {product: 1}), buyer=buyer, email=buyer.email)
    make_cart(session, {product: 1}, user=buyer)
    session.commit()
    return Books(
        seller_email=owner.email, curator_email=curator.email, buyer_email=buyer.email,
        product_id=product.id, seller_id=shop.id, fulfilment_id=paid.fulfilments[0].id,
        paid_number=paid.number, unpaid_number=unpaid.number,
    )  # fmt: skip


def _log_in(page, live_server, email: str, lang: str) -> None:
    page.context.clear_cookies()
    browser_logged_in_as(page, live_server, user_with_email(email), lang=lang)


def _check_cards(page, live_server, path: str) -> int:
    """Open `path` on the phone: it fits the screen and the first row of every card table is a card.
    Returns how many card tables had a row."""
    assert page.goto(live_server.url(path)).status == 200, path
    page.wait_for_load_state("load")
    found = page.evaluate(CARDS_JS)
    assert found["width"] <= MOBILE_WIDTH, f"{path} is {found['width']}px wide"
    for table in found["tables"]:
        shown = [cell for cell in table["cells"] if cell["height"] > 0]
        # Stacked: one cell per line, all starting at the card's left edge, none past the screen.
        assert len({round(cell["top"]) for cell in shown}) == len(shown), (path, table)
        assert len({round(cell["left"]) for cell in shown}) == 1, (path, table)
        assert all(0 <= cell["left"] and cell["right"] <= MOBILE_WIDTH for cell in shown), (path, table)
        for cell in table["cells"]:
            if cell["tag"] == "TH":
                continue  # the row's header is the card's title
            # Each value names its column, in the header's own words (one msgid, one translation).
            assert cell["label"] or cell["control"], (path, table["headers"], cell)
            if cell["label"]:
                assert cell["label"] in table["headers"], (path, cell["label"], table["headers"])
                assert cell["shown"] == f'"{cell["label"]}"', (path, cell)
    return len(found["tables"])


@pytest.mark.spread_over_databases("lang", ["id", "en"])
def test_seller_and_buyer_tables_are_cards_on_a_phone(mobile_page, live_server, books, lang):
    page = mobile_page
    _log_in(page, live_server, books.seller_email, lang)
    for path, tables in (
        ("/seller/sales", 2),  # revenue by month and the ledger (top products has three columns)
        ("/seller/naik-kelas", 3),  # one card table per level
        (f"/seller/products/{books.product_id}/stock", 1),
        (f"/seller/orders/{books.fulfilment_id}/slip", 1),
        ("/seller/history", 0),
        # Pages outside the menu's walk (area_headers/) fit too.
        ("/seller/products/new", 0),
        (f"/seller/products/{books.product_id}/preview", 0),
        (f"/seller/products/{books.product_id}/labels/new", 0),
    ):
        assert _check_cards(page, live_server, path) >= tables, path
    assert page.goto(live_server.url("/seller/sales")).status == 200
    snap(page, "seller-sales")
    if AXE.exists():
        assert _axe_violations(page) == []

    _log_in(page, live_server, books.buyer_email, lang)
    for path, tables in (
        ("/cart", 1),
        ("/orders", 0),  # a list of rows with photos, not a table (orders/list_presenters.py)
        (f"/orders/{books.paid_number}/receipt", 1),
        # The buyer's other pages fit too (home, listings, product, checkout: test_phone_header.py).
        (f"/orders/{books.paid_number}", 0),
        (f"/payments/transfer/{books.unpaid_number}", 0),
        ("/account/", 0),
        ("/account/addresses", 0),
        ("/account/favourites", 0),
        (f"/products/{books.product_id}/reviews", 0),
    ):
        assert _check_cards(page, live_server, path) >= tables, path
    assert_no_browser_errors(page)


@pytest.mark.spread_over_databases("lang", ["id", "en"])
def test_curator_tables_are_cards_on_a_phone(mobile_page, live_server, books, lang):
    page = mobile_page
    _log_in(page, live_server, books.curator_email, lang)
    for path, tables in (
        ("/curator/products", 1),
        ("/curator/transfers", 1),
        ("/curator/monitoring", 3),  # months, villages, clusters… (four columns and more)
        ("/curator/payouts", 1),
        ("/curator/labels/registry", 1),
        ("/curator/label-types", 1),
        ("/curator/rates", 1),
        ("/curator/shipping", 0),  # weight tiers: a three-column table per zone (test_curator_tables)
        ("/curator/naik-kelas", 1),
        ("/curator/jobs", 1),
        ("/curator/audit", 0),
        (f"/curator/orders/{books.paid_number}/refund", 1),
        # Pages outside the menu's walk (area_headers/) fit too.
        ("/curator/featured/preview", 0),
        ("/curator/label-types/new", 0),
        (f"/curator/sellers/{books.seller_id}/mentoring", 0),
    ):
        assert _check_cards(page, live_server, path) >= tables, path
    assert page.goto(live_server.url("/curator/payouts")).status == 200
    snap(page, "curator-payouts")
    if AXE.exists():
        assert _axe_violations(page) == []

    # On a desktop the same table is a table again: a header row, and each row's cells side by side.
    page.set_viewport_size({"width": 1280, "height": 900})
    found = page.evaluate(CARDS_JS)
    (table,) = found["tables"]
    assert page.locator("main table.table-cards thead").first.bounding_box()["height"] > 10
    assert len({round(cell["top"]) for cell in table["cells"]}) == 1, table
    assert_no_browser_errors(page)
