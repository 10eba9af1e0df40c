"""Issue 15: camera photos from a phone on a slow link. Chromium on a 360-px screen, its network held
to 400 kbit/s up with 400 ms of latency (CDP), adds three 4 MB photos at once; the uploader script
makes each about 1600 px wide before sending it, so they all arrive. bench/phone_upload.py times it."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from marketplace.media.images import rendition_key, rendition_widths
from tests.browser.conftest import PHONE, _new_page, assert_no_browser_errors, snap
from tests.browser.test_page_basics import AXE, _axe_violations
from tests.login import browser_logged_in_as
from tests.media import samples
from tests.seller.conftest import product_images

pytestmark = pytest.mark.browser

#: Network.emulateNetworkConditions: a phone on a weak mobile signal (bytes per second).
SLOW_LINK = {"offline": False, "latency": 400, "uploadThroughput": 50_000, "downloadThroughput": 100_000}
NO_LIMITS = {"offline": False, "latency": 0, "uploadThroughput": -1, "downloadThroughput": -1}
PHOTOS = 3


@pytest.fixture
def phone(request, page_pool, live_server):
    """A 360-px phone page, its network put back (no throttling, no routes) before the pool has it again."""
    pages = _new_page(request, page_pool, live_server, **PHONE)
    page = next(pages)
    page.cdp.send("Network.enable")
    try:
        yield page
    finally:
        page.unroute_all()
        page.cdp.send("Network.emulateNetworkConditions", NO_LIMITS)
        page.cdp.send("Network.disable")
        next(pages, None)


def throttle(page) -> None:
    page.cdp.send("Network.emulateNetworkConditions", SLOW_LINK)


@pytest.mark.slow
@pytest.mark.one_database(
    "the subject is the browser on a slow link; tests/seller/test_photo_uploads.py stores on both"
)
def test_three_camera_photos_over_a_slow_link(
    phone, live_server, session, world, draft, media_root, tmp_path
):
    page = phone
    product = draft
    # ~4 MB of 4000 × 3000 JPEG; detail=4: a plain product shot, ~80 KB once 1600 px wide (the bench
    # sends ~300 KB ones), so the three take ~7 s at 400 kbit/s. Made once, chosen three times.
    photo = samples.camera_jpeg(detail=4)
    files = [tmp_path / f"IMG_2026120{n}.jpg" for n in range(PHOTOS)]
    for path in files:
        path.write_bytes(photo)
    original_bytes = sum(path.stat().st_size for path in files)
    assert original_bytes > PHOTOS * 3_500_000

    browser_logged_in_as(page, live_server, world.user_a, lang="en")
    page.goto(live_server.url(f"/seller/products/{product.id}"))
    form = page.locator("form[data-photo-upload]")

    throttle(page)
    started = time.monotonic()
    form.locator("input[type=file]").set_input_files(files)
    form.locator("button[type=submit]").click()
    uploads = page.locator("#uploads")
    expect(uploads.locator("[data-state=stored]")).to_have_count(PHOTOS, timeout=45_000)
    expect(uploads).to_have_attribute("data-refreshed", "true", timeout=10_000)
    elapsed = time.monotonic() - started
    expect(page.locator("#photo-list ol.photos img")).to_have_count(PHOTOS)
    snap(page, "uploaded")
    sent = [
        int(size)
        for size in uploads.locator("[data-bytes]").evaluate_all("rows => rows.map(r => r.dataset.bytes)")
    ]
    print(f"\n{PHOTOS} photos, {original_bytes:,} bytes chosen, {sum(sent):,} sent, in {elapsed:.1f} s")

    # Each photo went on its own, made smaller in the browser, at the throttled pace.
    assert len(sent) == PHOTOS and all(size < 600_000 for size in sent), sent
    assert elapsed >= sum(sent) / SLOW_LINK["uploadThroughput"] * 0.8
    images = product_images(session, product.id)
    # 1600 × 1200 as sent; the server's largest rendition is 1200 wide.
    assert [(image.width, image.height) for image in images] == [(1200, 900)] * PHOTOS
    stored = set(samples.stored_files(media_root))
    for image in images:  # re-encoded by the server into every WebP width
        assert {rendition_key(image.storage_key, w) for w in rendition_widths(image.width)} <= stored
    assert page.locator("#upload-announcer").text_content() == "Every photo is stored."
    assert_no_browser_errors(page)


@pytest.mark.one_database(
    "the subject is the uploader script; tests/seller/test_photo_uploads.py stores on both"
)
def test_a_dropped_upload_is_sent_again_and_a_refused_file_says_why(
    phone, live_server, session, world, draft, media_root, tmp_path
):
    page = phone
    product = draft
    good, bad = tmp_path / "tampah.jpg", tmp_path / "kucing.jpg"
    # Taken with the phone turned: 1200 × 900 pixels, EXIF orientation 6 (upright, 900 × 1200), GPS.
    good.write_bytes(samples.jpeg_with_gps(1200, 900, orientation=6))
    bad.write_bytes(samples.HTML_AS_JPEG)  # the browser cannot decode it: it goes as it is

    browser_logged_in_as(page, live_server, world.user_a, lang="en")
    page.goto(live_server.url(f"/seller/products/{product.id}"))
    dropped = []

    def drop_the_first(route):
        if dropped:
            route.continue_()
        else:
            dropped.append(route.request.url)
            route.abort("connectionreset")

    page.route("**/photos", drop_the_first)
    form = page.locator("form[data-photo-upload]")
    form.locator("input[type=file]").set_input_files([good, bad])
    form.locator("button[type=submit]").click()

    first, second = page.locator("#uploads li").all()
    expect(second).to_have_attribute("data-state", "failed")
    expect(second.locator(".upload-status")).to_have_text(
        "This file is not a photo we can use. Please upload a JPEG, PNG or WebP image."
    )
    expect(second.locator("button")).to_be_hidden()  # sending it again would not help
    expect(first).to_have_attribute("data-state", "failed")
    expect(first.locator(".upload-status")).to_have_text(
        "The connection dropped. Check the signal and try again."
    )
    snap(page, "dropped")
    if AXE.exists():  # the rows' labels, progress bars and buttons
        assert _axe_violations(page) == []

    first.locator("button").click()
    expect(first).to_have_attribute("data-state", "stored")
    expect(page.locator("#uploads")).to_have_attribute("data-refreshed", "true")
    expect(page.locator("#photo-list ol.photos img")).to_have_count(1)
    assert len(dropped) == 1
    (image,) = product_images(session, product.id)
    assert (image.width, image.height) == (900, 1200)  # upright
    # Made smaller in the browser, where the canvas turned it (the server never saw the EXIF).
    assert int(first.get_attribute("data-bytes")) < good.stat().st_size
    # The browser reports the dropped request and the 400; nothing else went wrong in the page.
    assert [
        error for error in page.browser_record.errors if not error.startswith("console: Failed to load")
    ] == []
