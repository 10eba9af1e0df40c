"""Issue 15 in the seller and curator areas on a 360×740 phone: the header stays ≤ 120 px on every
page, because each area's menu is one <details> grouped by task, with the waiting counts on its
summary; every entry is reachable once it is open (with JavaScript off too), and axe finds nothing.

The tests are split into modules (seller walk, curator walk, menus) so pytest-xdist can run them
on both workers; this conftest holds the shop they all browse and the walk through an area's pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from marketplace.catalogue.models import ProductStatus
from marketplace.labels.models import LabelStatus
from marketplace.orders import services as orders
from marketplace.seller.models import ProfileChangeStatus, SellerStatus, ShopProfileRevision
from marketplace.types import utcnow
from tests.browser.conftest import assert_header_fits, assert_no_browser_errors, snap
from tests.built_once import built_once
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
from tests.orders.helpers import make_cart, place

PHONE_HEIGHT = 740
#: The header's budget on a phone, as on the buyer's pages (the seller's was 237 px, the curator's 388 px).
MAX_HEADER_PX = 120
SUMMARY = {
    "seller": {"id": "Menu toko", "en": "Shop menu"},
    "curator": {"id": "Menu kurator", "en": "Curator menu"},
}
WAITING = {"id": "menunggu", "en": "waiting"}


@dataclass(frozen=True)
class Areas:
    seller_email: str
    curator_email: str
    product_id: int
    pending_product_id: int
    fulfilment_id: int
    seller_id: int


@pytest.fixture
def areas(session) -> Areas:
    return built_once(session, _build_areas)


def _build_areas(session) -> Areas:
    """A shop with one paid parcel to ship and one product running low; a curator with four queues
    holding one item each (an application, a new product, a label request, a shop profile change)."""
    village = make_village(session, name="Kemiren", slug="kemiren")
    cluster = make_cluster(session, slug="batik", name_id="Batik", name_en="Batik")
    owner = make_user(session, email="sekar@example.test", name="Sekar")
    curator = make_user(session, email="kurator@example.test", name="Kurator", is_curator=True)
    shop = make_seller(
        session, user_id=owner.id, village=village,
        name="Kelompok Usaha Bersama Batik Tulis Sekar Kemiren Dusun Krajan",
    )  # fmt: skip
    product = make_product(
        session, seller=shop, cluster=cluster, title_id="Kain batik gajah oling", price_minor=350_000, stock=5
    )
    make_product(session, seller=shop, cluster=cluster, title_id="Selendang batik", stock=1)  # low stock
    pending = make_product(
        session, seller=shop, cluster=cluster, title_id="Udeng batik",
        status=ProductStatus.PENDING_REVIEW, published_at=None,
    )  # fmt: skip
    curated = make_label_type(session, code="kurasi", name_id="Kurasi Kecamatan", name_en="District curated")
    make_product_label(session, product=product, label_type=curated, status=LabelStatus.REQUESTED)
    applicant = make_user(session, email="pelamar@example.test")
    make_seller(session, user_id=applicant.id, village=village, status=SellerStatus.PENDING, approved_at=None)
    order = place(session, make_cart(session, {product: 1}), email="pembeli@example.test")
    orders.mark_order_paid(session, order, actor_label="test", now=utcnow())
    session.add(
        ShopProfileRevision(
            seller_id=shop.id, status=ProfileChangeStatus.PENDING, changes={"story_en": "We draw batik."},
            submitted_by_id=owner.id,
        )
    )  # fmt: skip
    session.commit()
    return Areas(
        seller_email=owner.email, curator_email=curator.email, product_id=product.id,
        pending_product_id=pending.id, fulfilment_id=order.fulfilments[0].id, seller_id=shop.id,
    )  # fmt: skip


def _seller_pages(areas: Areas) -> dict[str, str]:
    """Every seller page with the href of the menu entry marked current on it."""
    return {
        "/seller/": "/seller/",
        "/seller/products": "/seller/products",
        f"/seller/products/{areas.product_id}": "/seller/products",
        f"/seller/products/{areas.product_id}/stock": "/seller/products",
        f"/seller/products/{areas.product_id}/tags": "/seller/products",
        f"/seller/products/{areas.product_id}/variants": "/seller/products",
        "/seller/stock/low": "/seller/stock/low",
        "/seller/products/import": "/seller/products/import",
        "/seller/labels": "/seller/labels",
        "/seller/reviews": "/seller/reviews",
        "/seller/orders": "/seller/orders",
        f"/seller/orders/{areas.fulfilment_id}": "/seller/orders",
        "/seller/sales": "/seller/sales",
        "/seller/naik-kelas": "/seller/naik-kelas",
        "/seller/history": "/seller/history",
        "/seller/facilitators": "/seller/facilitators",
        f"/seller/shops/{areas.seller_id}/payout-account": f"/seller/shops/{areas.seller_id}/payout-account",
        f"/seller/shops/{areas.seller_id}/profile": f"/seller/shops/{areas.seller_id}/profile",
        f"/seller/shops/{areas.seller_id}/contact": f"/seller/shops/{areas.seller_id}/profile",
        "/seller/questions": "/seller/questions",
    }


def _curator_pages(areas: Areas) -> dict[str, str]:
    pages = {
        path: path
        for path in (
            "/curator/", "/curator/applications", "/curator/products", "/curator/labels",
            "/curator/transfers", "/curator/refunds", "/curator/cases", "/curator/late",
            "/curator/featured", "/curator/label-types", "/curator/shipping/couriers",
            "/curator/labels/registry", "/curator/origin-tags",
            "/curator/payouts", "/curator/payouts/commission", "/curator/rates", "/curator/shipping",
            "/curator/monitoring", "/curator/mentoring", "/curator/naik-kelas", "/curator/facilitators",
            "/curator/audit", "/curator/jobs", "/curator/questions", "/curator/reviews",
            "/curator/shop-profiles",
        )
    }  # fmt: skip
    pages[f"/curator/products/{areas.pending_product_id}"] = "/curator/products"
    pages[f"/curator/shop-profiles/{areas.seller_id}"] = "/curator/shop-profiles"
    pages["/curator/featured/fairness"] = "/curator/featured"
    return pages


def log_in(page, live_server, email: str, lang: str) -> None:
    """Log in as `email` with pages in `lang`, through a session cookie (the header is the subject here)."""
    browser_logged_in_as(page, live_server, user_with_email(email), lang=lang)


def _area(page):
    return page.locator("header.site-header nav.area-nav")


def assert_compact(page, what: str) -> None:
    assert_header_fits(
        page, what, max_height=MAX_HEADER_PX,
        parts=(".brand", ".cart-link", "details.menu > summary", "details.area-menu > summary"),
    )  # fmt: skip


REACHABLE_JS = """links => links.filter(link => {
    link.scrollIntoView({block: "nearest", inline: "nearest"});
    const box = link.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) return true;
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return !(hit && (hit === link || link.contains(hit)));
}).map(link => link.getAttribute("href"))"""


def walk_every_page(page, live_server, areas: Areas, area: str, lang: str) -> None:
    """Log in to `area` and check its header and menu on every one of its pages (a few in English)."""
    email, pages = (
        (areas.seller_email, _seller_pages(areas))
        if area == "seller"
        else (areas.curator_email, _curator_pages(areas))
    )
    # One parcel to ship and one product running low; four curator queues with one item each.
    waiting, counted = (2, {"/seller/orders": "1", "/seller/stock/low": "1"}) if area == "seller" else (
        4, {"/curator/applications": "1", "/curator/products": "1", "/curator/labels": "1",
            "/curator/shop-profiles": "1"}
    )  # fmt: skip
    area_pages = sorted(set(pages.values()))
    if lang == "en":
        # Every page shares one layout: the walk through all of them runs in Indonesian, whose
        # labels are the longer ones; in English a few pages show the same header holds.
        pages = dict(list(pages.items())[:4])
    log_in(page, live_server, email, lang)
    summary = _area(page).locator("details.area-menu > summary")
    panel = _area(page).locator(".area-panel")
    for path, current in pages.items():
        assert page.goto(live_server.url(path)).status == 200, path
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert_compact(page, path)
        expect(summary).to_have_accessible_name(
            re.compile(rf"^{SUMMARY[area][lang]}\b.*\b{waiting} {WAITING[lang]}$")
        )
        expect(summary.locator(".area-total")).to_have_text(
            f"{waiting} {WAITING[lang]}", use_inner_text=False
        )
        expect(panel).to_be_hidden()
        summary.click()
        expect(panel).to_be_visible()
        links = panel.locator("a")
        hrefs = [
            href.removeprefix(live_server.base_url)
            for href in links.evaluate_all("as => as.map(a => a.href)")
        ]
        # Every page of the area is one tap away, and each is reachable (visible, nothing on top of it).
        assert sorted(hrefs) == area_pages, path
        # What a trial click checks, for all links in one round trip: scrolled into view, it has a
        # size and the element at its centre is the link itself (nothing lies on top of it).
        unreachable = links.evaluate_all(REACHABLE_JS)
        assert not unreachable, (path, unreachable)
        expect(panel.locator("[aria-current=page], [aria-current=true]")).to_have_attribute(
            "href", re.compile(re.escape(current) + "$")
        )
        for href, count in counted.items():
            expect(panel.locator(f"a[href$='{href}'] .badge")).to_have_text(count)
        if path in ("/seller/", "/curator/"):
            snap(page, f"{area}-{lang}-menu-open")
        summary.click()
        expect(panel).to_be_hidden()
    assert_no_browser_errors(page)
