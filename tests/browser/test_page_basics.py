"""What a real browser sees on every main page: photos that load, labelled controls, landmarks.

Lighthouse (bench/lighthouse.py) scores the same pages in depth; these checks keep the basics from
regressing between audits.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from marketplace.media.storage import get_storage
from marketplace.shipping.services import ensure_default_shipping_rates
from tests.browser.conftest import LAYOUT_ON_ONE_DATABASE, assert_no_browser_errors, snap
from tests.built_once import built_once
from tests.factories import add_photo, make_cluster, make_featured, make_product, make_seller, make_village

pytestmark = [pytest.mark.browser, LAYOUT_ON_ONE_DATABASE]


@pytest.fixture
def pictured_catalogue(app, session) -> dict:
    return built_once(session, _build_pictured_catalogue, app)


def _build_pictured_catalogue(session, app) -> dict:
    """Products with real uploaded photos (re-encoded to WebP renditions in the test's MEDIA_ROOT)."""
    ensure_default_shipping_rates(session)
    village = make_village(session, name="Tambong", slug="tambong")
    cluster = make_cluster(session, slug="kerajinan", name_id="Kerajinan Tangan", name_en="Handicrafts")
    seller = make_seller(session, village=village, name="KUB Anyaman Tambong", slug="kub-anyaman-tambong")
    storage = get_storage(app)
    products = []
    for n in range(10):
        product = make_product(
            session, seller=seller, cluster=cluster, title_id=f"Tas Anyaman {n}", title_en=f"Woven Bag {n}"
        )
        add_photo(
            session, storage, product=product, colour=(40 + n * 20, 90, 60),
            alt_id=f"Foto tas anyaman {n}", alt_en=f"Photo of woven bag {n}",
        )  # fmt: skip
        products.append(product)
    add_photo(session, storage, product=products[0], colour=(200, 180, 40))
    make_featured(session, product=products[0])
    session.commit()
    return {"product_path": f"/products/{products[0].id}", "cluster_path": "/clusters/kerajinan"}


def _broken_images(page) -> list[str]:
    # Scroll to the bottom first so lazy images below the fold are fetched too.
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    page.wait_for_load_state("networkidle")
    page.wait_for_function("[...document.images].every(img => img.complete)")
    return page.evaluate(
        "[...document.images].filter(img => img.naturalWidth === 0).map(img => img.currentSrc || img.src)"
    )


def test_product_photos_load_on_listing_and_product_pages(page, live_server, pictured_catalogue):
    for path in (
        "/",
        pictured_catalogue["cluster_path"],
        pictured_catalogue["product_path"],
        "/search?q=tas",
    ):
        assert page.goto(live_server.url(path)).status == 200
        snap(page, path)
        assert page.locator("main img").count() > 0, f"no photos on {path}"
        assert _broken_images(page) == [], f"photos that did not load on {path}"
        # Width and height are set so the page does not jump while photos arrive.
        assert page.locator("main img:not([width]), main img:not([height])").count() == 0
        assert page.locator("main img:not([alt])").count() == 0
    assert_no_browser_errors(page)


_UNLABELLED_CONTROLS = """
() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => {
    if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return false;
    if (el.tagName === 'BUTTON') return !el.textContent.trim();
    return !(el.labels && [...el.labels].some(label => label.textContent.trim()));
  })
  .map(el => el.outerHTML.slice(0, 160))
"""


def _assert_page_basics(page, path: str) -> None:
    assert page.locator("html").get_attribute("lang") in ("id", "en")
    assert page.locator("main").count() == 1, f"{path}: one <main> landmark"
    assert page.locator("header").count() >= 1 and page.locator("footer").count() >= 1
    assert page.locator("h1").count() == 1, f"{path}: exactly one <h1>"
    assert page.title().strip(), f"{path}: a <title>"
    assert page.evaluate(_UNLABELLED_CONTROLS) == [], f"{path}: form controls without a label"


def test_main_pages_have_landmarks_one_h1_and_labelled_controls(page_nojs, live_server, pictured_catalogue):
    page = page_nojs
    public = ["/", pictured_catalogue["cluster_path"], pictured_catalogue["product_path"], "/search?q=tas",
              "/search?q=nothing-matches-this", "/account/login", "/account/register", "/cart"]  # fmt: skip
    for path in public:
        assert page.goto(live_server.url(path)).status == 200, path
        _assert_page_basics(page, path)

    # The cart with a line in it, and the guest checkout form.
    page.goto(live_server.url(pictured_catalogue["product_path"]))
    page.locator("main form[action$='/cart/add'] button[type=submit]").click()
    for path in ("/cart", "/checkout"):
        assert page.goto(live_server.url(path)).status == 200, path
        snap(page, path)
        _assert_page_basics(page, path)


AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def _axe_violations(page) -> list[str]:
    # Once per document: a menu opened on the same page is checked without parsing axe (550 KB) again.
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})).violations"
    )
    return [f"{v['id']}: {v['help']} → {[n['html'][:120] for n in v['nodes'][:3]]}" for v in found]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (run npm ci)")
def test_public_and_buying_pages_pass_axe(page, live_server, pictured_catalogue):
    """axe-core, the engine behind Lighthouse's accessibility score, finds nothing to fix."""
    paths = ["/", pictured_catalogue["cluster_path"], pictured_catalogue["product_path"], "/search?q=tas",
             "/search?q=nothing-matches-this", "/account/login", "/account/register", "/cart"]  # fmt: skip
    problems = {}
    for path in paths:
        assert page.goto(live_server.url(path)).status == 200, path
        problems[path] = _axe_violations(page)
    page.goto(live_server.url(pictured_catalogue["product_path"]))
    page.locator("main form[action$='/cart/add'] button[type=submit]").click()
    for path in ("/cart", "/checkout"):
        page.goto(live_server.url(path))
        problems[path + " (with a line)"] = _axe_violations(page)
    assert {path: found for path, found in problems.items() if found} == {}


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (run npm ci)")
def test_card_photo_without_alt_text_does_not_repeat_the_title(app, page, live_server, session):
    village = make_village(session)
    product = make_product(
        session, seller=make_seller(session, village=village), title_id="Tas Anyaman Pandan"
    )
    add_photo(session, get_storage(app), product=product, colour=(120, 90, 60))
    session.commit()
    assert page.goto(live_server.url("/")).status == 200
    assert _axe_violations(page) == []
