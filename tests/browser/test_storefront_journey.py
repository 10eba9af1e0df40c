"""Issue 2 in a real Chromium: home → cluster → product → header search → English, with and without JS.

The journey clicks what a visitor sees (link texts, the search landmark, the language switch) instead
of building URLs, so a broken link or form fails here even when every page renders on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from marketplace.catalogue.models import ProductStatus
from marketplace.seller.models import SellerStatus
from tests.browser.conftest import assert_no_browser_errors, snap
from tests.factories import make_cluster, make_kecamatan, make_product, make_seller, make_village

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Catalogue:
    """Plain values (no ORM objects) the journey looks for, captured before the server starts."""

    cluster_id: str
    cluster_en: str
    other_cluster_id: str
    product_id: str
    product_en: str
    product_price: str
    other_product_id: str
    hidden_titles: tuple[str, ...]
    seller_name: str
    village_name: str


@pytest.fixture
def catalogue(session) -> Catalogue:
    """A small Kabat: two clusters, a woven bag to find, a coffee to not find, and rows never public."""
    kabat = make_kecamatan(session, name="Kabat", slug="kabat")
    tambong = make_village(session, parent=kabat, name="Tambong", slug="tambong")
    kalirejo = make_village(session, parent=kabat, name="Kalirejo", slug="kalirejo")
    crafts = make_cluster(session, slug="kerajinan", name_id="Kerajinan Tangan", name_en="Handicrafts")
    agro = make_cluster(session, slug="agro", name_id="Hasil Bumi", name_en="Farm Produce")
    artisan = make_seller(session, village=tambong, name="KUB Anyaman Tambong", slug="kub-anyaman-tambong")
    grower = make_seller(session, village=kalirejo, name="Kopi Bu Sri", slug="kopi-bu-sri")
    pending = make_seller(
        session, village=tambong, name="Pending Maker", slug="pending-maker",
        status=SellerStatus.PENDING, approved_at=None,
    )  # fmt: skip
    make_product(
        session, seller=artisan, cluster=crafts, slug="tas-anyaman-pandan",
        title_id="Tas Anyaman Pandan", title_en="Pandan Woven Bag",
        description_id="Tas anyaman daun pandan buatan tangan.",
        description_en="A hand-woven pandan leaf bag.",
        price_minor=125_000, stock=4,
    )  # fmt: skip
    make_product(
        session, seller=grower, cluster=agro, slug="kopi-robusta",
        title_id="Kopi Robusta Kabat", title_en="Kabat Robusta Coffee", price_minor=45_000,
    )  # fmt: skip
    # Never public: a draft, and an active product of a seller still awaiting approval.
    make_product(
        session, seller=artisan, cluster=crafts, slug="nampan-draf",
        title_id="Nampan Anyaman Draf", title_en="Draft Woven Tray",
        status=ProductStatus.DRAFT, published_at=None,
    )  # fmt: skip
    make_product(
        session, seller=pending, cluster=crafts, slug="tas-tertunda",
        title_id="Tas Anyaman Tertunda", title_en="Pending Woven Bag",
    )  # fmt: skip
    session.commit()
    return Catalogue(
        cluster_id="Kerajinan Tangan",
        cluster_en="Handicrafts",
        other_cluster_id="Hasil Bumi",
        product_id="Tas Anyaman Pandan",
        product_en="Pandan Woven Bag",
        product_price="Rp 125.000",
        other_product_id="Kopi Robusta Kabat",
        hidden_titles=(
            "Nampan Anyaman Draf",
            "Draft Woven Tray",
            "Tas Anyaman Tertunda",
            "Pending Woven Bag",
        ),
        seller_name="KUB Anyaman Tambong",
        village_name="Tambong",
    )


@pytest.fixture
def app_overrides(app_overrides) -> dict:
    # This journey is about the real default: Indonesian first, then English by choice.
    return {**app_overrides, "BABEL_DEFAULT_LOCALE": "id"}


def _html_lang(page) -> str:
    return page.locator("html").get_attribute("lang")


def _assert_hidden_absent(page, catalogue: Catalogue) -> None:
    text = page.locator("body").inner_text()
    for title in catalogue.hidden_titles:
        assert title not in text


@pytest.mark.spread_over_databases("page_fixture", ["page", "page_nojs"])
def test_browse_cluster_product_search_then_english(request, page_fixture, live_server, catalogue):
    page = request.getfixturevalue(page_fixture)
    main = page.locator("main")

    # Home, in Indonesian by default: the cluster and the newest products, nothing unpublished.
    response = page.goto(live_server.url("/"))
    assert response.status == 200
    snap(page, "home")
    assert _html_lang(page) == "id"
    expect(main.get_by_role("link", name=catalogue.cluster_id, exact=True)).to_be_visible()
    expect(main.get_by_role("link", name=catalogue.product_id)).to_be_visible()
    _assert_hidden_absent(page, catalogue)

    # Cluster page: its product, not the other cluster's.
    main.get_by_role("link", name=catalogue.cluster_id, exact=True).click()
    expect(page).to_have_url(re.compile(r"/clusters/[^/?]+$"))
    snap(page, "cluster")
    expect(page.get_by_role("heading", level=1)).to_have_text(catalogue.cluster_id)
    expect(main.get_by_role("link", name=catalogue.product_id)).to_be_visible()
    expect(main.get_by_text(catalogue.other_product_id)).to_have_count(0)
    _assert_hidden_absent(page, catalogue)

    # Product page: title, price, seller and village provenance.
    main.get_by_role("link", name=catalogue.product_id).first.click()
    expect(page).to_have_url(re.compile(r"/products/\d+-[^/?]+$"))
    snap(page, "product")
    expect(page.get_by_role("heading", level=1)).to_have_text(catalogue.product_id)
    expect(main.get_by_text(catalogue.product_price, exact=True).first).to_be_visible()
    expect(main.get_by_role("link", name=catalogue.seller_name).first).to_be_visible()
    expect(main.get_by_role("link", name=re.compile(catalogue.village_name)).first).to_be_visible()

    # The header's search box: type a word from the Indonesian title and submit.
    search = page.get_by_role("search")
    search.get_by_role("searchbox").fill("anyaman")
    search.get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/search\?(.*&)?q=anyaman"))
    snap(page, "search")
    expect(main.get_by_role("link", name=catalogue.product_id)).to_be_visible()
    expect(main.get_by_text(catalogue.other_product_id)).to_have_count(0)
    _assert_hidden_absent(page, catalogue)

    # Switch to English: same results, English titles, and the choice is remembered on the next page.
    header = page.locator("header")
    header.locator("details.menu > summary").click()  # the language switch is in the header's menu
    header.get_by_role("link", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/search\?.*q=anyaman"))
    snap(page, "search-english")
    expect(page.get_by_role("search").get_by_role("button")).to_have_text("Search")  # the UI, not only data
    expect(main.get_by_role("link", name=catalogue.product_en)).to_be_visible()
    expect(main.get_by_text(catalogue.product_id)).to_have_count(0)

    main.get_by_role("link", name=catalogue.product_en).first.click()
    snap(page, "product-english")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(catalogue.product_en)
    expect(main.get_by_text("A hand-woven pandan leaf bag.")).to_be_visible()
    expect(main.get_by_role("link", name=catalogue.cluster_en).first).to_be_visible()

    # English search words find the same product (search covers both languages).
    search = page.get_by_role("search")
    search.get_by_role("searchbox").fill("woven bag")
    search.get_by_role("button").click()
    snap(page, "search-english-words")
    expect(main.get_by_role("link", name=catalogue.product_en)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    assert_no_browser_errors(page)
