"""Issue 13 in a real Chromium, on a phone: the life of an order after checkout, as its four people
live it. A buyer orders two batik shirts by bank transfer with a note, says "I have transferred"
with a photo of the receipt; a curator confirms the transfer with the bank's reference; the artisan
reads the note and ships with a JNE tracking number; the buyer follows the parcel and confirms
receipt; the shop's money turns from pending to available; the curator pays it out.

Fields are found by their `name` and forms by their action, so the journey reads the same in both
languages; the people switch by session cookie (`browser_logged_in_as`), their subject is not the
login form.
"""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from marketplace.money import Money
from marketplace.orders.models import FulfilmentStatus, Order, OrderStatus
from marketplace.payouts.models import LedgerEntry, LedgerKind
from marketplace.shipping.couriers import ensure_default_couriers
from marketplace.shipping.services import ensure_default_shipping_rates
from tests.browser.conftest import assert_no_browser_errors, snap
from tests.factories import make_cluster, make_product, make_seller, make_user, make_village
from tests.login import browser_logged_in_as

pytestmark = pytest.mark.browser

TRACKING = "JX 0012 3456/78"


@pytest.fixture
def app_overrides() -> dict:
    return {"WTF_CSRF_ENABLED": True, "BANK_ACCOUNT_NUMBER": "0123-01-987654-50-1", "BANK_NAME": "Bank Jatim"}


def _receipt_photo(tmp_path) -> str:
    """A phone's photo of a transfer slip (a JPEG)."""
    path = tmp_path / "struk-transfer.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 900), (235, 235, 228)).save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return str(path)


def _as(page, live_server, user, lang: str) -> None:
    page.context.clear_cookies()
    browser_logged_in_as(page, live_server, user, lang=lang)


@pytest.mark.spread_over_databases("lang", ["id", "en"])
def test_bank_transfer_to_payout(mobile_page, live_server, session, tmp_path, lang):
    page = mobile_page
    main = page.locator("main")
    ensure_default_shipping_rates(session)
    ensure_default_couriers(session)
    owner = make_user(session, email="sekar@example.test", name="Sekar")
    buyer = make_user(session, email="ayu@example.test", name="Ayu")
    curator = make_user(session, email="kurator@example.test", name="Kurator", is_curator=True)
    shop = make_seller(
        session, user_id=owner.id, village=make_village(session, name="Pakistaji", slug="pakistaji"),
        name="Sanggar Batik Sekar", slug="sanggar-batik-sekar",
    )  # fmt: skip
    shirt = make_product(
        session, seller=shop, cluster=make_cluster(session, slug="batik"), slug="kemeja-batik-gajah-oling",
        title_id="Kemeja Batik Gajah Oling", title_en="Gajah Oling Batik Shirt", price_minor=275_000, stock=5,
        weight_grams=300,
    )  # fmt: skip
    session.commit()

    # The buyer: two shirts, a note with the size, courier delivery, bank transfer.
    _as(page, live_server, buyer, lang)
    assert page.goto(live_server.url(f"/products/{shirt.id}-{shirt.slug}")).status == 200
    add = main.locator("form[action$='/cart/add']")
    add.locator("input[name=quantity]").fill("2")
    add.locator("button[type=submit]").click()
    expect(page.locator("[role=status]").first).to_be_visible()
    assert page.goto(live_server.url("/checkout")).status == 200
    checkout = main.locator("form.checkout")
    checkout.locator("#ship-courier").check()
    for name, value in {
        "name": "Ayu Lestari", "phone": "0812 3456 7890", "street": "Jl. Raya Kabat 12",
        "district": "Kabat", "city": "Kabupaten Banyuwangi", "postal_code": "68461",
        "note": "Ukuran L dan XL, terima kasih",
    }.items():  # fmt: skip
        checkout.locator(f"[name={name}]").fill(value)
    checkout.locator("select[name=province]").select_option("Jawa Timur")
    checkout.locator("#pay-bank").check()
    checkout.locator("button[name=action][value=place]").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/?]+$"))
    session.rollback()
    order = session.scalars(sa.select(Order)).one()
    parcel_id = order.fulfilments[0].id
    snap(page, "order-placed")

    # "I have transferred", with a photo of the transfer slip: the order tops the curators' queue.
    panel = main.locator("section.bank-instructions")
    panel.locator("input[name=sender_name]").fill("Ayu Lestari")
    panel.locator("input[name=receipt]").set_input_files(_receipt_photo(tmp_path))
    panel.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}$"))
    expect(main.locator("section.bank-instructions a[href*='/receipt']")).to_be_visible()

    # The curator finds it first in the queue, with the receipt, and confirms with the bank's reference.
    _as(page, live_server, curator, lang)
    assert page.goto(live_server.url("/curator/transfers")).status == 200
    confirm = main.locator(f"form[action$='/transfers/{order.number}/received']")
    expect(main.locator("form[action$='/received']").first).to_have_attribute(
        "action", re.compile(rf"/{order.number}/received$")
    )
    expect(main.locator(f"a[href$='/curator/transfers/{order.number}/receipt']")).to_be_visible()
    confirm.locator("input[name=reference]").fill("BRI 0612 778899")
    snap(page, "curator-transfers")
    confirm.locator("button[type=submit]").click()
    session.rollback()
    assert session.get(Order, order.id).status == OrderStatus.PAID

    # The artisan reads the note on the parcel and ships it with JNE.
    _as(page, live_server, owner, lang)
    assert page.goto(live_server.url(f"/seller/orders/{parcel_id}")).status == 200
    expect(main).to_contain_text("Ukuran L dan XL, terima kasih")
    ship = main.locator("form[action$='/ship']")
    ship.locator("select[name=courier]").select_option("jne")
    ship.locator("input[name=tracking_number]").fill(TRACKING)
    snap(page, "seller-ships")
    ship.locator("button[type=submit]").click()
    session.rollback()
    assert session.scalars(sa.select(Order)).one().fulfilments[0].status == FulfilmentStatus.SHIPPED
    # Where the shop's payouts go: its owner's bank account.
    assert page.goto(live_server.url(f"/seller/shops/{shop.id}/payout-account")).status == 200
    account = main.locator("form.panel")
    account.locator("input[name=bank_name]").fill("BRI")
    account.locator("input[name=account_number]").fill("0123 0100 7788 505")
    account.locator("input[name=account_holder]").fill("Sekar")
    account.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/seller/$"))
    # Shipped, not delivered: the sale is still pending, nothing is available to pay out.
    assert page.goto(live_server.url("/seller/sales")).status == 200
    available = main.locator("dl strong").first  # "Available to pay out"
    expect(available).to_have_text(Money(0, "IDR").format(lang))
    snap(page, "seller-sales-pending")

    # The buyer follows the parcel on JNE's site and confirms it arrived.
    _as(page, live_server, buyer, lang)
    assert page.goto(live_server.url(f"/orders/{order.number}")).status == 200
    follow = main.locator("a[href^='https://www.jne.co.id/']")
    expect(follow).to_have_attribute("href", re.compile(r"awb=JX%200012%203456%2F78$"))
    main.locator(f"form[action*='/parts/{parcel_id}/received'] button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}"))
    session.rollback()
    assert session.get(Order, order.id).status == OrderStatus.DELIVERED

    # The shop's money is available now: the artisan sees it, the curator pays it out.
    total = sa.select(sa.func.sum(LedgerEntry.amount_idr)).where(LedgerEntry.seller_id == shop.id)
    balance = int(session.scalar(total))  # PostgreSQL sums BIGINT to NUMERIC
    assert balance > 0
    _as(page, live_server, owner, lang)
    assert page.goto(live_server.url("/seller/sales")).status == 200
    expect(available).to_have_text(Money(balance, "IDR").format(lang))
    snap(page, "seller-sales-available")
    _as(page, live_server, curator, lang)
    assert page.goto(live_server.url("/curator/payouts")).status == 200
    pay = main.locator(f"form[action$='/curator/payouts/{shop.id}/pay']")
    expect(pay.locator("input[name=amount]")).to_have_value(str(balance))
    pay.locator("input[name=bank_reference]").fill("TRF-SEKAR-2612")
    snap(page, "curator-payouts")
    pay.locator("button[type=submit]").click()
    session.rollback()
    paid = session.scalars(
        sa.select(LedgerEntry).where(LedgerEntry.seller_id == shop.id, LedgerEntry.kind == LedgerKind.PAYOUT)
    ).one()
    assert paid.amount_idr == -balance
    assert session.scalar(total) == 0
    assert_no_browser_errors(page)
