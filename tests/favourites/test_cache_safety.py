"""With the page cache on: a visitor's saved hearts and recently viewed products never reach a page
another visitor is served, and the public pages still come from the cache for visitors without them."""

from __future__ import annotations

import pytest

from tests.factories import make_product

#: A heart drawn saved (the unsaved one is class="heart").
SAVED = 'class="heart saved"'


@pytest.fixture
def app_overrides() -> dict:
    return {"PAGE_CACHE_ENABLED": True}


def _visitor(app):
    client = app.test_client()
    client.set_cookie("lang", "en")
    return client


def test_a_guests_saved_heart_never_reaches_the_shared_page(app, session, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster, title_en="Gajah Oling cloth")
    session.commit()
    path = f"/products/{product.id}-{product.slug}"
    for page in ("/", path, "/clusters/batik"):
        _visitor(app).get(page)  # stored for anonymous visitors
        assert _visitor(app).get(page).headers.get("X-Cache") == "HIT", page

    guest = _visitor(app)
    guest.post("/account/favourites", data={"product_id": product.id, "action": "add", "next": path})
    for page in ("/", path, "/clusters/batik"):
        mine = guest.get(page)
        assert mine.headers.get("X-Cache") is None, page  # rendered for this visitor, not stored
        assert SAVED in mine.get_data(as_text=True), page
        assert mine.headers["Cache-Control"] == "private, no-store", page
        other = _visitor(app).get(page)
        assert other.headers.get("X-Cache") == "HIT", page
        assert SAVED not in other.get_data(as_text=True), page
    # A browser without any cookie (answered before Flask runs) gets the same shared page, and
    # its first product page starts its recently viewed list there too.
    bare = app.test_client()
    first = bare.get(path, headers={"Accept-Language": "en"})
    assert first.headers.get("X-Cache") == "HIT" and SAVED not in first.get_data(as_text=True)
    assert bare.get_cookie("recently_viewed").value == str(product.id)
    assert bare.get_cookie("recently_viewed").http_only


def test_recently_viewed_is_drawn_only_for_its_visitor_and_the_cookie_is_set_on_cache_hits(
    app, session, world
):
    first = make_product(session, seller=world.seller, cluster=world.cluster, title_en="First batik")
    second = make_product(
        session, seller=world.other_seller, cluster=world.other_cluster, title_en="Second coffee"
    )
    session.commit()
    first_path, second_path = (f"/products/{p.id}-{p.slug}" for p in (first, second))
    # Both pages stored by a visitor who then leaves.
    for path in (first_path, second_path):
        _visitor(app).get(path)

    browsing = _visitor(app)
    hit = browsing.get(first_path)
    assert hit.headers.get("X-Cache") == "HIT"  # served from the cache, yet the view is remembered
    assert browsing.get_cookie("recently_viewed").value == str(first.id)
    page = browsing.get(second_path)
    assert page.headers.get("X-Cache") is None and page.headers["Cache-Control"] == "private, no-store"
    html = page.get_data(as_text=True)
    assert "Recently viewed" in html and "First batik" in html

    other = _visitor(app).get(second_path)
    assert other.headers.get("X-Cache") == "HIT"
    assert "Recently viewed" not in other.get_data(as_text=True)

    # Pages without the list stay shared for the browsing visitor; the product page is theirs.
    assert browsing.get("/").headers.get("X-Cache") in ("HIT", "MISS")
    assert browsing.get("/").headers.get("X-Cache") == "HIT"
    assert browsing.get(second_path).headers.get("X-Cache") is None
    only_cookie = app.test_client()  # no other cookie at all: still their own page
    only_cookie.set_cookie("recently_viewed", f"{first.id}.{second.id}")
    own = only_cookie.get(second_path, headers={"Accept-Language": "en"})
    assert own.headers.get("X-Cache") is None and "First batik" in own.get_data(as_text=True)
    assert own.headers["Cache-Control"] == "private, no-store"
