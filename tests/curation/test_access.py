"""Authorization matrix: every curator route of the review queues and featured slots.

Anonymous visitors go to the login page; buyers and sellers get 404; the database is unchanged
after their POSTs. The curator gets through, so the refusals cannot come from a broken route.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.types import utcnow
from tests.built_once import built_once
from tests.curation.conftest import log_in, snapshot
from tests.factories import make_featured


def _placement_form(ids):
    return {
        "product": str(ids["live"]),
        "headline_id": "Pilihan kurator",
        "position": "1",
        "starts_at": "2030-01-01T08:00",
        "ends_at": "2030-01-08T08:00",
    }


# name: (method, url, form builder or None)
ROUTES = {
    "applications": ("GET", "/curator/applications", None),
    "decide_application": (
        "POST", "/curator/applications/{pending_seller}/decision", lambda ids: {"decision": "approve"},
    ),
    "products": ("GET", "/curator/products", None),
    "product_review_new": ("GET", "/curator/products/{new}", None),
    "product_review_change": ("GET", "/curator/products/{live}", None),
    "decide_new": ("POST", "/curator/products/{new}/decision", lambda ids: {"decision": "approve"}),
    "decide_change": (
        "POST",
        "/curator/products/{live}/decision",
        lambda ids: {"decision": "reject", "note": "Terlalu mahal.", "revision_id": str(ids["revision"])},
    ),
    "featured": ("GET", "/curator/featured?q=rotan", None),
    "create_featured": ("POST", "/curator/featured", _placement_form),
    "edit_featured_get": ("GET", "/curator/featured/{placement}/edit", None),
    "edit_featured_post": ("POST", "/curator/featured/{placement}/edit", _placement_form),
    "end_featured": ("POST", "/curator/featured/{placement}/end", lambda ids: {}),
    "delete_featured": ("POST", "/curator/featured/{placement}/delete", lambda ids: {}),
    "preview": ("GET", "/curator/featured/preview?at=2030-01-02T10:00", None),
    "fairness": ("GET", "/curator/featured/fairness", None),
    "fairness_csv": ("GET", "/curator/featured/fairness.csv?from=2026-01-01&to=2026-03-31", None),
}  # fmt: skip


@pytest.fixture
def ids(session, desk):
    return built_once(session, _build_ids, desk)


def _build_ids(session, desk):
    now = utcnow()
    placement = make_featured(
        session,
        product=desk.live,
        position=1,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=2),
    )
    session.commit()
    return {
        "pending_seller": desk.pending_seller.id,
        "new": desk.new.id,
        "live": desk.live.id,
        "revision": desk.revision.id,
        "placement": placement.id,
    }


def _request(client, route, ids):
    method, url, data = route
    url = url.format(**ids)
    if method == "GET":
        return client.get(url)
    return client.post(url, data=data(ids))


@pytest.mark.parametrize("name", list(ROUTES))
def test_curator_routes_are_for_curators_only(app, session, desk, ids, name):
    route = ROUTES[name]
    before = snapshot(session)

    response = _request(app.test_client(), route, ids)
    assert response.status_code in (302, 303), (name, response.status_code)
    assert "/account/login" in response.headers["Location"]
    assert snapshot(session) == before

    for email in (desk.buyer.email, desk.owner.email, desk.applicant.email):
        client = log_in(app.test_client(), email)
        response = _request(client, route, ids)
        assert response.status_code == 404, (name, email, response.status_code)
        assert snapshot(session) == before

    curator = log_in(app.test_client(), desk.curator.email)
    response = _request(curator, route, ids)
    assert response.status_code in (200, 303), (name, response.status_code)


def test_old_seller_admin_routes_are_gone(app, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    assert curator.get("/seller/admin/applications").status_code == 404
    assert curator.get("/seller/admin/products").status_code == 404


def test_console_menu_shows_waiting_counts_on_queue_pages(app, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    html = curator.get("/curator/featured").get_data(as_text=True)
    assert 'href="/curator/applications"' in html and 'href="/curator/products"' in html
    # one application; one new product plus one change
    assert 'Seller applications <span class="badge">1</span>' in html
    assert 'Products to review <span class="badge">2</span>' in html


def test_console_overview_lists_the_menu_by_task_with_what_waits(app, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    html = curator.get("/curator/").get_data(as_text=True)
    main = html[html.index("<main") : html.index("</main>")]  # the footer links the console too
    headings = [h for h in ("Queues", "Catalogue", "Money", "Programme") if f">{h}</h2>" in main]
    assert headings == ["Queues", "Catalogue", "Money", "Programme"]
    queues = main[main.index(">Queues</h2>") : main.index(">Catalogue</h2>")]
    assert '<a href="/curator/applications">Seller applications</a>: <strong>1</strong> waiting' in queues
    assert '<a href="/curator/products">Products to review</a>: <strong>2</strong> waiting' in queues
    assert 'href="/curator/"' not in main  # the page itself is not listed on it


def test_ids_out_of_range_are_404_not_500(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    huge = 2**40
    assert curator.get(f"/curator/products/{huge}").status_code == 404
    assert curator.post(f"/curator/products/{huge}/decision", data={"decision": "approve"}).status_code == 404
    assert (
        curator.post(f"/curator/applications/{huge}/decision", data={"decision": "approve"}).status_code
        == 404
    )
    assert curator.get(f"/curator/featured/{huge}/edit").status_code == 404
    assert curator.post(f"/curator/featured/{huge}/delete").status_code == 404
    for revision_id, status in ((str(huge), 400), ("9999999999", 404)):
        response = curator.post(
            f"/curator/products/{desk.live.id}/decision",
            data={"decision": "approve", "revision_id": revision_id},
        )
        assert response.status_code == status
    response = curator.post("/curator/featured", data={"product": "99999999999"})
    assert response.status_code == 400
