"""A refused curator decision says so at the top of the page: the shared error summary, focused,
with a link to the field to correct (templates/macros/error_summary.html)."""

from __future__ import annotations

import re

from tests.curation.conftest import log_in
from tests.orders.helpers import make_cart, place


def summary(page: str) -> str:
    match = re.search(r'<div class="message message-error" id="error-summary".*?</div>', page, re.S)
    assert match, "no error summary"
    return match.group(0)


def test_rejecting_a_product_without_a_reason_shows_the_summary_first(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    response = curator.post(f"/curator/products/{desk.new.id}/decision?lang=id", data={"decision": "reject"})
    page = response.get_data(as_text=True)
    box = summary(page)
    assert response.status_code == 400
    assert "autofocus" in box and f'href="#note-product-{desk.new.id}"' in box
    assert f'id="note-product-{desk.new.id}"' in page
    # Before the review's tables: a phone shows it without scrolling.
    assert page.index('id="error-summary"') < page.index('id="decide-h"') and page.index(
        "error-summary"
    ) < page.index("<table")
    english = curator.post(f"/curator/products/{desk.new.id}/decision?lang=en", data={"decision": "reject"})
    assert "Please correct the fields marked below." in summary(english.get_data(as_text=True))


def test_a_refused_application_and_placement_show_the_summary(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    seller_id = desk.pending_seller.id
    response = curator.post(f"/curator/applications/{seller_id}/decision", data={"decision": "reject"})
    assert response.status_code == 400
    assert f'href="#note-app-{seller_id}"' in summary(response.get_data(as_text=True))

    response = curator.post("/curator/featured", data={"product": "", "headline_id": ""})
    assert response.status_code == 400
    box = summary(response.get_data(as_text=True))
    assert 'href="#product"' in box and 'href="#headline_id"' in box


def test_pages_without_errors_have_no_summary(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    for url in (f"/curator/products/{desk.new.id}", "/curator/applications", "/curator/featured"):
        assert 'id="error-summary"' not in curator.get(url).get_data(as_text=True)


def test_a_transfer_marked_received_without_its_reference_is_named_at_the_top(app, session, desk):
    order = place(session, make_cart(session, {desk.live: 1}), shipping_method="pickup", address=None)
    session.commit()
    curator = log_in(app.test_client(), desk.curator.email)
    response = curator.post(f"/curator/transfers/{order.number}/received", data={"reference": " "})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    box = summary(page)
    assert f'href="#reference-{order.number}"' in box and f"{order.number} · Bank reference" in box
    assert page.index('id="error-summary"') < page.index("<table")
    assert f'id="reference-{order.number}-error"' in page
    session.expire_all()
    assert session.get(type(order), order.id).paid_at is None
