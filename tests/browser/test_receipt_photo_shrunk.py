"""A phone camera's photo of a transfer slip is several MB: at 400 kbit/s a minute of nothing on the
screen (walked 2026-12-08). With JavaScript the buyer's photo forms send it made smaller
(static/js/photo-shrink.js, longest side 1600 px), the button saying "Sending…" meanwhile; the
server keeps the receipt as before."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from marketplace.orders import services as orders
from marketplace.payments.models import TransferClaim
from tests.browser.conftest import assert_no_browser_errors, snap
from tests.factories import make_product
from tests.orders.helpers import make_cart, place

pytestmark = pytest.mark.browser


def _camera_photo(tmp_path) -> tuple[str, int]:
    """A 3000 × 4000 JPEG with grain, as a phone camera writes it (about 2 MB)."""
    path = tmp_path / "IMG_20261208_071500.jpg"
    grain = Image.effect_noise((750, 1000), 40).resize((3000, 4000)).convert("RGB")
    Image.blend(grain, Image.new("RGB", (3000, 4000), (235, 232, 225)), 0.5).save(path, "JPEG", quality=92)
    return str(path), path.stat().st_size


def test_the_transfer_receipt_photo_goes_up_smaller(app, session, mobile_page, live_server, tmp_path):
    page = mobile_page
    product = make_product(session, stock=3)
    order = place(session, make_cart(session, {product: 1}))
    session.commit()
    token = orders.guest_order_token(order, secret_key=app.config["SECRET_KEY"])
    photo, original_size = _camera_photo(tmp_path)
    assert original_size > 1_000_000

    assert page.goto(live_server.url(f"/orders/{order.number}?token={token}&lang=id")).status == 200
    form = page.locator("form[data-shrink-photos]")
    form.locator("input[name=receipt]").set_input_files(photo)
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        form.locator("button[type=submit]").click()
    sent = posted.value.request.sizes()["requestBodySize"]
    expect(page.locator(".flashes")).to_contain_text("Kurator akan memeriksa transfer")
    snap(page, "claimed")
    assert sent < original_size / 2
    claim = session.scalars(sa.select(TransferClaim).where(TransferClaim.order_id == order.id)).one()
    assert claim.receipt_key
    assert_no_browser_errors(page)


def test_the_button_says_it_is_sending_while_the_photo_goes_up(
    app, session, mobile_page, live_server, tmp_path
):
    page = mobile_page
    product = make_product(session, stock=3)
    order = place(session, make_cart(session, {product: 1}))
    session.commit()
    token = orders.guest_order_token(order, secret_key=app.config["SECRET_KEY"])
    photo, _size = _camera_photo(tmp_path)
    assert page.goto(live_server.url(f"/orders/{order.number}?token={token}&lang=id")).status == 200
    form = page.locator("form[data-shrink-photos]")
    form.locator("input[name=receipt]").set_input_files(photo)
    # The page cannot be read while its form is on its way: its button's states are written down
    # (sessionStorage outlives the page) and read on the next one.
    page.evaluate(
        """() => {
            const button = document.querySelector("form[data-shrink-photos] button[type=submit]");
            const note = () => sessionStorage.setItem("states",
                (sessionStorage.getItem("states") || "") + "|" + button.textContent + ":" + button.disabled);
            new MutationObserver(note).observe(button, {attributes: true, childList: true, subtree: true});
        }"""
    )
    form.locator("button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("Kurator akan memeriksa transfer")
    states = page.evaluate("() => sessionStorage.getItem('states')").strip("|").split("|")
    assert "Sedang dikirim…:true" in states
    assert states[-1] == "Sedang dikirim…:true"  # never pressable again while the photo goes up
