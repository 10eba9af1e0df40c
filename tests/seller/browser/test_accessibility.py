"""axe-core (the engine behind Lighthouse's accessibility score) finds nothing on the seller pages."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LAYOUT_ON_ONE_DATABASE, MOBILE_WIDTH
from tests.browser.test_page_basics import AXE, _axe_violations
from tests.login import browser_logged_in_as, user_with_email

pytestmark = [pytest.mark.browser, LAYOUT_ON_ONE_DATABASE]


def _log_in(page, live_server, email: str) -> None:
    """Log in through a session cookie: the login form is tested elsewhere."""
    browser_logged_in_as(page, live_server, user_with_email(email))


def _check(page, live_server, paths, problems) -> None:
    for path in paths:
        page.goto(live_server.url(path))
        found = _axe_violations(page)
        if found:
            problems[path] = found


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm ci)")
def test_seller_pages_pass_axe(page_pool, live_server, session, world):
    from marketplace.catalogue.models import ProductStatus
    from marketplace.seller.models import SellerStatus
    from tests.factories import make_product, make_seller, make_user

    make_product(
        session,
        seller=world.seller_a,
        cluster=world.cluster,
        status=ProductStatus.PENDING_REVIEW,
        published_at=None,
    )
    applicant = make_user(session, email="pelamar@example.test")
    make_seller(
        session, user_id=applicant.id, village=world.village, status=SellerStatus.PENDING, approved_at=None
    )
    session.commit()
    problems: dict[str, list[str]] = {}
    for email, paths in (
        (
            world.user_a.email,
            [
                "/seller/",
                "/seller/products",
                "/seller/products/new",
                f"/seller/products/{world.product_a.id}",
                f"/seller/products/{world.product_a.id}/preview",
                f"/seller/products/{world.product_a.id}/stock",
                f"/seller/products/{world.product_a.id}/variants",
                f"/seller/products/{world.product_a.id}/variants/{world.product_a.variants[0].id}",
                "/seller/stock/low",
                "/seller/orders",
                f"/seller/orders/{world.fulfilment_a.id}",
                f"/seller/orders/{world.fulfilment_a.id}/slip",
            ],
        ),
        (world.buyer.email, ["/seller/apply"]),
        (world.curator.email, ["/curator/applications", "/curator/products"]),
    ):
        # bypass_csp lets the checker's script in; the pages themselves run no script.
        page = page_pool.take(
            {"viewport": {"width": MOBILE_WIDTH, "height": 740}, "locale": "id-ID", "bypass_csp": True}
        )
        reusable = False
        try:
            _log_in(page, live_server, email)
            _check(page, live_server, paths, problems)
            if email == world.user_a.email:
                # Errors shown next to fields must be accessible too.
                page.goto(live_server.url("/seller/products/new"))
                page.locator("main form button[type=submit]").click()
                found = _axe_violations(page)
                if found:
                    problems["new product with errors"] = found
            reusable = True
        finally:
            page_pool.give_back(page, reusable=reusable)
    assert problems == {}
