"""Issue 5 in a real Chromium, JavaScript off: a curator approves a new product, verifies its quality
label, features it on the home page, and sees it there as a buyer would. Fields are found by name."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.audit.models import AuditEntry
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.curation.models import FeaturedPlacement
from marketplace.labels.models import LabelStatus
from marketplace.types import utcnow
from tests.browser.conftest import assert_no_browser_errors, snap
from tests.factories import (
    TEST_PASSWORD,
    make_cluster,
    make_label_type,
    make_product,
    make_product_label,
    make_seller,
    make_user,
)

pytestmark = pytest.mark.browser
JAKARTA = ZoneInfo("Asia/Jakarta")


def _jakarta_input(moment) -> str:
    return moment.astimezone(JAKARTA).strftime("%Y-%m-%dT%H:%M")


def test_curator_approves_verifies_features_and_sees_it_on_home(page_nojs, live_server, session):
    page = page_nojs
    curator = make_user(session, email="kurator@example.test", is_curator=True, locale="en")
    seller = make_seller(session, name="Sanggar Kepuh")
    product = make_product(
        session,
        seller=seller,
        cluster=make_cluster(session, slug="batik", name_en="Batik"),
        title_id="Batik Tulis Kangkung Setingkes",
        title_en="Kangkung Setingkes hand-drawn batik",
        status=ProductStatus.PENDING_REVIEW,
        published_at=None,
    )
    halal = make_label_type(
        session,
        code="kurasi",
        name_id="Kurasi Kecamatan",
        name_en="District curated",
        requires_certificate=False,
    )
    label = make_product_label(session, product=product, label_type=halal, status=LabelStatus.REQUESTED)
    session.commit()
    main = page.locator("main")

    page.goto(live_server.url("/account/login?next=/curator/products"))
    login = main.locator("form[action*='/account/login']")
    login.locator("input[name=email]").fill(curator.email)
    login.locator("input[name=password]").fill(TEST_PASSWORD)
    login.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/curator/products$"))
    snap(page, "product queue")

    # 1. Approve the new product from its side-by-side review page.
    main.get_by_role("link", name=product.title_id).click()
    expect(main).to_contain_text(product.title_id)
    main.get_by_role("button", name="Approve", exact=True).click()
    snap(page, "approved")
    session.expire_all()
    assert session.get(Product, product.id).status == ProductStatus.ACTIVE

    # 2. Verify the quality label in the label queue.
    page.goto(live_server.url("/curator/labels"))
    main.get_by_role("button", name="Verify", exact=True).first.click()
    snap(page, "label verified")
    session.expire_all()
    assert session.get(type(label), label.id).status == LabelStatus.VERIFIED

    # 3. Feature it on the home page from now for a week (times typed in Jakarta time).
    page.goto(live_server.url("/curator/featured"))
    now = utcnow()
    form = main.locator("form").filter(has=page.locator("input[name=headline_id]")).first
    form.locator("input[name=product]").fill(str(product.id))
    form.locator("input[name=headline_id]").fill("Batik pilihan kecamatan")
    form.locator("input[name=headline_en]").fill("The district's batik pick")
    form.locator("input[name=position]").fill("1")
    form.locator("input[name=starts_at]").fill(_jakarta_input(now - timedelta(hours=1)))
    form.locator("input[name=ends_at]").fill(_jakarta_input(now + timedelta(days=7)))
    form.get_by_role("button", name="Save", exact=True).click()
    snap(page, "featured")
    placement = session.scalars(
        sa.select(FeaturedPlacement).where(FeaturedPlacement.product_id == product.id)
    ).one()
    assert placement.starts_at <= utcnow() < placement.ends_at

    # 4. The home page, as a buyer sees it, shows the product with its headline and its label.
    page.goto(live_server.url("/?lang=en"))
    featured = main.locator("section").filter(has_text="The district's batik pick").first
    expect(featured).to_contain_text(product.title_en)
    snap(page, "home")
    featured.get_by_role("link", name=re.compile(re.escape(product.title_en))).first.click()
    expect(main).to_contain_text("District curated")

    actions = set(session.scalars(sa.select(AuditEntry.action).where(AuditEntry.actor_id == curator.id)))
    assert {"product.approve", "label.verify", "featured.create"} <= actions
    assert_no_browser_errors(page)
