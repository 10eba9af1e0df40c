"""Issue 6 in a real Chromium: a buyer in Amsterdam switches to English and euros, is refused a
product that cannot be shipped abroad, checks out to the Netherlands, reads the duties notice,
reaches Stripe Checkout (the local Stripe-compatible server's test-mode page), charged in EUR, has a
card declined there, pays with the test card and comes back to an order the signed webhook paid.

Fields are found by `name`/`id` and forms by their action, not by translatable text, except the
notices this journey is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.cart.models import CartLine
from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.shipping.services import ensure_default_shipping_rates
from tests.browser.conftest import assert_no_browser_errors, snap
from tests.browser.test_page_basics import AXE, _axe_violations
from tests.factories import make_cluster, make_product, make_seller, make_village
from tests.markets.conftest import make_rate
from tests.payments.conftest import stripe_server  # noqa: F401 - the local Stripe-compatible server

pytestmark = pytest.mark.browser

DUTIES = "Import duties and taxes are paid by you on arrival"


@pytest.fixture
def app_overrides(stripe_server):  # noqa: F811
    return {
        "WTF_CSRF_ENABLED": True,
        "STRIPE_SECRET_KEY": stripe_server.api_key,
        "STRIPE_API_BASE": stripe_server.base_url,
        "STRIPE_WEBHOOK_SECRET": stripe_server.webhook_secret,
        # Stripe Checkout is a redirect after the checkout form's POST: CSP form-action must allow it.
        "CSP_EXTRA_FORM_ACTION": (stripe_server.base_url,),
    }


@pytest.fixture
def webhook_to_app(stripe_server, live_server):  # noqa: F811
    """The local Stripe server delivers its signed events to this app, as `make run` sets it up."""
    stripe_server.register_webhook(live_server.url("/payments/stripe/webhook"))
    yield
    stripe_server.register_webhook("http://127.0.0.1:9/nowhere")


@dataclass(frozen=True)
class Shop:
    batik_id: int
    batik_path: str
    fish_id: int
    fish_path: str


@pytest.fixture
def shop(session) -> Shop:
    ensure_default_shipping_rates(session)
    make_rate(session, "EUR", "17300")  # rupiah per euro, today
    tambong = make_village(session, name="Tambong", slug="tambong")
    crafts = make_cluster(session, slug="kerajinan", name_id="Kerajinan Tangan", name_en="Handicrafts")
    seller = make_seller(session, village=tambong, name="Batik Gajah Oling", slug="batik-gajah-oling")
    batik = make_product(
        session, seller=seller, cluster=crafts, slug="batik-gajah-oling", title_id="Batik Tulis Gajah Oling",
        title_en="Gajah Oling hand-drawn batik", price_minor=850_000, stock=4, weight_grams=350,
        exportable=True, hs_code="5208.52",
    )  # fmt: skip
    fish = make_product(
        session, seller=seller, cluster=crafts, slug="ikan-asap", title_id="Ikan Asap Muncar",
        title_en="Muncar smoked fish", price_minor=40_000, stock=10, weight_grams=500, exportable=False,
    )  # fmt: skip
    session.commit()
    return Shop(batik.id, f"/products/{batik.id}-{batik.slug}", fish.id, f"/products/{fish.id}-{fish.slug}")


def test_buyer_in_the_netherlands_pays_in_euros_for_an_exportable_product(
    page,
    live_server,
    shop,
    session,
    stripe_server,  # noqa: F811
    webhook_to_app,
):
    main = page.locator("main")

    # Indonesian by default (the browser says id-ID); the buyer switches to English, then to NL/EUR.
    assert page.goto(live_server.url("/")).status == 200
    menu = page.locator("header details.menu > summary")  # language and market live in the menu
    menu.click()
    page.locator("header nav.lang a[hreflang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    menu.click()
    switcher = page.locator("header form.market-switch")
    switcher.locator("select[name=country]").select_option("NL")
    switcher.locator("select[name=currency]").select_option("EUR")
    switcher.locator("button[type=submit]").click()
    menu.click()
    expect(switcher.locator("select[name=currency]")).to_have_value("EUR")
    snap(page, "home-nl-eur")

    # The batik goes into the cart, priced in euros.
    assert page.goto(live_server.url(shop.batik_path)).status == 200
    expect(main.locator(".price")).to_contain_text("€")
    expect(main.locator(".not-abroad")).to_have_count(0)
    main.locator("form[action$='/cart/add'] button[type=submit]").click()
    expect(page.locator("[role=status]")).to_contain_text("Gajah Oling hand-drawn batik")

    # The smoked fish says it cannot go abroad, and adding it anyway is refused with a message.
    assert page.goto(live_server.url(shop.fish_path)).status == 200
    expect(main.locator(".not-abroad")).to_contain_text("Not available for shipping abroad")
    snap(page, "not-exportable")
    main.locator("form[action$='/cart/add'] button[type=submit]").click()
    expect(page.locator("[role=status]")).to_contain_text("not available for shipping abroad")
    snap(page, "refused")
    session.rollback()
    assert [line.product_id for line in session.scalars(sa.select(CartLine))] == [shop.batik_id]

    # Checkout: the country comes from the market, no Indonesian province list, no pickup.
    page.locator("header a[href$='/cart']").click()
    main.locator("a[href$='/checkout']").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))
    checkout = main.locator("form.checkout")
    expect(checkout.locator("select[name=country]")).to_have_value("NL")
    expect(checkout.locator("select[name=province]")).to_have_count(0)
    expect(checkout.locator("#ship-pickup")).to_have_count(0)
    expect(main.locator(".duties-notice")).to_contain_text(DUTIES)
    checkout.locator("input[name=email]").fill("anna@example.nl")
    checkout.locator("input[name=name]").fill("Anna de Vries")
    checkout.locator("input[name=phone]").fill("+31 20 123 4567")
    checkout.locator("input[name=street]").fill("Prinsengracht 263")
    checkout.locator("input[name=city]").fill("Amsterdam")
    checkout.locator("input[name=postal_code]").fill("1016 GV")
    checkout.locator("#pay-stripe").check()
    # The country alone prices a parcel abroad: the zone and the total are on the page, kept up to
    # date as the address is typed (static/js/checkout.js), with no button to press.
    summary = main.locator("section.summary")
    expect(summary).to_contain_text("Europe")
    expect(summary.locator("[data-quote-row=total] strong")).to_contain_text("€")
    expect(main.locator(".duties-notice")).to_contain_text(DUTIES)  # still there before paying
    snap(page, "checkout-nl")
    if AXE.exists():  # the checkout page abroad is as accessible as at home
        assert _axe_violations(page) == []

    main.locator("form.checkout button[name=action][value=place]").click()
    expect(page).to_have_url(re.compile("^" + re.escape(stripe_server.base_url) + r"/c/pay/"))
    snap(page, "stripe")

    session.rollback()  # see what the server committed
    order = session.scalars(sa.select(Order)).one()
    assert (order.currency, order.ship_country, order.shipping_zone) == ("EUR", "NL", "europe")
    assert order.payment_method == PaymentMethod.STRIPE and order.shipping_minor > 0
    (line,) = order.lines
    assert (line.product_id, line.hs_code, line.customs_description) == (
        shop.batik_id, "5208.52", "Gajah Oling hand-drawn batik",
    )  # fmt: skip

    # The test-mode payment page, on a phone: what is charged, the test cards, a card form.
    page.set_viewport_size({"width": 360, "height": 740})
    expect(page.locator(".test-banner")).to_contain_text("Test mode — no real money moves")
    expect(page.locator("#amount")).to_contain_text("€")
    expect(page.locator("main")).to_contain_text("4242 4242 4242 4242")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    snap(page, "test-mode-page")
    if AXE.exists():
        assert _axe_violations(page) == []

    # A declined card: the page says so and stays open for another card.
    page.get_by_label("Card number", exact=True).fill("4000 0000 0000 0002")
    page.get_by_label("Expiry date (MM / YY)", exact=True).fill("12 / 34")
    page.get_by_label("Security code (CVC)", exact=True).fill("123")
    page.locator("form button[type=submit]").click()
    expect(page.locator("[role=alert]")).to_contain_text("Your card was declined")
    expect(page).to_have_url(re.compile("^" + re.escape(stripe_server.base_url) + r"/c/pay/"))
    snap(page, "declined")
    session.rollback()
    assert session.get(Order, order.id).status == OrderStatus.AWAITING_PAYMENT

    # The test card pays: back on our site, the page waits for the webhook and then says paid.
    page.get_by_label("Card number", exact=True).fill("4242 4242 4242 4242")
    page.locator("form button[type=submit]").click()
    expect(page).to_have_url(re.compile("^" + re.escape(live_server.url("/payments/stripe/return?"))))
    expect(page.locator("[role=status]")).to_contain_text("Your payment was received", timeout=20_000)
    snap(page, "paid")
    session.rollback()
    assert session.get(Order, order.id).status == OrderStatus.PAID
    # Chromium logs the declined card's page, answered 402 Payment Required: that one was expected.
    errors = page.browser_record.errors
    declined = [error for error in errors if "402 (Payment Required)" in error]
    assert len(declined) == 1
    errors.remove(declined[0])
    assert_no_browser_errors(page)
