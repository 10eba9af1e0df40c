"""The office's way from naik kelas to the mentoring log and back: a seller's name on the levels
page opens their mentoring log (the public shop is a separate link), and the log shows the seller's
level and the targets not met yet, in a bounded number of queries."""

from __future__ import annotations

import html as html_lib

from flask import url_for

from tests.naikkelas.conftest import level
from tests.seller.conftest import log_in


def test_a_sellers_name_opens_their_mentoring_log_and_the_shop_is_a_separate_link(app, session, shop):
    level(session, "a", 1, ("profile_complete", "75"))
    session.commit()
    client = log_in(app.test_client(), shop.curator.email)
    html = client.get("/curator/naik-kelas").get_data(as_text=True)
    row = html_lib.unescape(
        html.split(f'href="/curator/sellers/{shop.seller_a.id}/mentoring"')[1].split("</th>")[0]
    )
    assert row.startswith(">Rotan Ani</a>")
    with app.test_request_context():
        shop_url = url_for("storefront.seller", slug=shop.seller_a.slug)
    assert f'href="{shop_url}">Shop page' in row


def test_the_mentoring_log_shows_the_level_and_the_unmet_targets(app, session, shop):
    level(session, "a", 1, ("profile_complete", "75"))
    level(session, "b", 2, ("on_time_rate", "90"), ("photo_share", "20"))
    session.commit()
    client = log_in(app.test_client(), shop.curator.email)
    page = client.get(f"/curator/sellers/{shop.seller_a.id}/mentoring")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    standing = html.split('id="standing-heading"')[1].split("</section>")[0]
    assert "Level a (en)" in standing and "Targets not met yet for Level b (en)" in standing
    assert "Target on_time_rate" in standing and "now 25%, target ≥ 90%" in standing, standing
    assert "Target photo_share" not in standing  # met (33.3 % of products with three photos)
    assert 'href="/curator/naik-kelas"' in standing

    indonesian = log_in(app.test_client(), shop.curator.email, lang="id")
    html = indonesian.get(f"/curator/sellers/{shop.seller_b.id}/mentoring").get_data(as_text=True)
    assert "Level saat ini" in html and "Target yang belum tercapai untuk Level a" in html


def test_the_standing_costs_the_same_queries_for_more_targets(app, session, shop, count_queries):
    level(session, "a", 1, ("profile_complete", "90"))
    session.commit()
    client = log_in(app.test_client(), shop.curator.email)
    url = f"/curator/sellers/{shop.seller_a.id}/mentoring"
    client.get(url)

    def measure():
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    few = measure()
    level(session, "b", 2, ("on_time_rate", "90"), ("photo_share", "90"), ("active_products", "9"))
    level(session, "c", 3, ("verified_labels", "5"), ("export_ready", "5"))
    session.commit()
    assert "Target active_products" not in client.get(url).get_data(as_text=True)  # not the next level
    assert measure() == few
