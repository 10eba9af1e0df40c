"""Stopping a back-in-stock alert: the "Stop" button beside each alert on the favourites page, and
the "Stop" under a sold-out product's "we will email you" (back to the product page), and the
signed link in the back-in-stock email that works without a login (a question, then a POST)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.email.models import OutboundEmail
from marketplace.favourites import alerts
from marketplace.favourites.models import StockAlert
from marketplace.stock.services import adjust_stock
from marketplace.types import utcnow
from tests.factories import make_product, make_user
from tests.login import logged_in_as


def _pending(session, email: str) -> int:
    session.expire_all()
    return session.scalar(
        sa.select(sa.func.count(StockAlert.id)).where(StockAlert.email == email, StockAlert.sent_at.is_(None))
    )


def test_a_buyer_stops_one_alert_on_the_favourites_page(app, session, world):
    sagon = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Sagon")
    coffee = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Coffee")
    buyer, other = make_user(session), make_user(session)
    now = utcnow()
    for product in (sagon, coffee):
        alerts.subscribe_back_in_stock(session, product_id=product.id, user=buyer, lang="en", now=now)
    theirs = alerts.subscribe_back_in_stock(session, product_id=sagon.id, user=other, lang="en", now=now)
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")

    html = client.get("/account/favourites").get_data(as_text=True)
    assert "Back-in-stock alerts" in html and "Sagon" in html and "Coffee" in html
    assert 'aria-label="Stop the alert for “Sagon”"' in html
    mine = session.scalar(
        sa.select(StockAlert).where(StockAlert.product_id == sagon.id, StockAlert.user_id == buyer.id)
    )
    response = client.post(f"/account/alerts/{mine.id}/stop")
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/favourites")
    html = client.get("/account/favourites").get_data(as_text=True)
    assert "Stopped: we will not email you when “Sagon” is back." in html
    assert _pending(session, buyer.email) == 1  # the coffee still waits

    # Someone else's alert, or one already stopped: refused, nothing changes.
    client.post(f"/account/alerts/{theirs.id}/stop")
    assert "This alert is already stopped or was sent." in client.get("/account/favourites").get_data(
        as_text=True
    )
    assert _pending(session, other.email) == 1
    # A guest is sent to log in.
    guest = app.test_client().post(f"/account/alerts/{theirs.id}/stop")
    assert guest.status_code == 303 and "/account/login" in guest.headers["Location"]
    assert _pending(session, other.email) == 1

    # In Indonesian too.
    client_id = logged_in_as(app.test_client(), buyer, lang="id")
    html = client_id.get("/account/favourites?lang=id").get_data(as_text=True)
    assert "Pengingat stok tersedia" in html and "Hentikan" in html


def test_the_back_in_stock_email_carries_a_signed_link_that_stops_the_rest_without_a_login(
    app, session, world
):
    sagon = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Sagon")
    coffee = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Coffee")
    bag = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Bag")
    now = utcnow()
    for product in (sagon, coffee, bag):
        alerts.subscribe_back_in_stock(
            session, product_id=product.id, email="tamu@example.test", lang="en", now=now
        )
    alerts.subscribe_back_in_stock(
        session, product_id=coffee.id, email="other@example.test", lang="en", now=now
    )
    adjust_stock(session, sagon, delta=2, reason="new batch", now=now)
    session.commit()

    email = session.scalar(sa.select(OutboundEmail).where(OutboundEmail.template == "back_in_stock"))
    match = re.search(r"https?://\S+/alerts/stop/(\S+)", email.body_text)
    assert match, email.body_text
    assert match.group(0) in email.body_html
    path = "/alerts/stop/" + match.group(1)

    client = app.test_client()
    question = client.get(path + "?lang=en")
    assert question.status_code == 200
    text = question.get_data(as_text=True)
    assert (
        "2 products are waiting to email tamu@example.test" in text
        and "Stop all back-in-stock emails" in text
    )
    assert _pending(session, "tamu@example.test") == 2  # opening the link (or a mail scanner) stops nothing

    answer = client.post(path + "?lang=en").get_data(as_text=True)
    assert "Stopped 2 alerts: we will not email tamu@example.test" in answer
    assert _pending(session, "tamu@example.test") == 0
    assert _pending(session, "other@example.test") == 1
    again = client.post(path + "?lang=id").get_data(as_text=True)
    assert "Tidak ada pengingat yang aktif" in again

    forged = client.get("/alerts/stop/" + match.group(1)[:-3] + "abc?lang=en")
    assert forged.status_code == 404 and "This link is damaged." in forged.get_data(as_text=True)
    assert client.post("/alerts/stop/nonsense").status_code == 404
    assert _pending(session, "other@example.test") == 1


class TestStopOnTheProductPage:
    @pytest.fixture
    def app_overrides(self) -> dict:
        # Writes are tracked and product pages kept (storefront.product_page), as outside tests.
        return {"PAGE_CACHE_ENABLED": True}

    def test_a_buyer_stops_the_alert_under_we_will_email_you_and_comes_back(self, app, session, world):
        sagon = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Sagon")
        buyer, other = make_user(session), make_user(session)
        mine = alerts.subscribe_back_in_stock(
            session, product_id=sagon.id, user=buyer, lang="en", now=utcnow()
        )
        session.commit()
        path = f"/products/{sagon.id}-{sagon.slug}"
        as_buyer = logged_in_as(app.test_client(), buyer, lang="en")
        as_other = logged_in_as(app.test_client(), other, lang="en")
        guest = app.test_client()
        stop = f'action="/account/alerts/{mine.id}/stop"'
        for _ in range(2):  # rendered, then from the kept page: each visitor still sees their own
            html = as_buyer.get(path + "?lang=en").get_data(as_text=True)
            assert "We will email you once when it is back in stock." in html
            assert stop in html and f'name="next" value="{path}?lang=en"' in html
            assert ">Stop</button>" in html and "Tell me when it is back" not in html
            for client in (as_other, guest):
                html = client.get(path + "?lang=en").get_data(as_text=True)
                assert "Tell me when it is back" in html and "/stop" not in html
        html = as_buyer.get(path + "?lang=id").get_data(as_text=True)
        assert (
            "Kami akan mengirim email sekali saat stoknya tersedia lagi." in html
            and ">Hentikan</button>" in html
        )

        response = as_buyer.post(f"/account/alerts/{mine.id}/stop?lang=en", data={"next": path + "?lang=en"})
        assert response.status_code == 303 and response.headers["Location"].endswith(path + "?lang=en")
        html = as_buyer.get(path + "?lang=en").get_data(as_text=True)
        assert "Stopped: we will not email you when “Sagon” is back." in html
        assert "Tell me when it is back" in html and stop not in html
        assert _pending(session, buyer.email) == 0
        # A "next" elsewhere is refused: back to the favourites page.
        again = alerts.subscribe_back_in_stock(
            session, product_id=sagon.id, user=buyer, lang="en", now=utcnow()
        )
        session.commit()
        response = as_buyer.post(f"/account/alerts/{again.id}/stop", data={"next": "https://evil.example/"})
        assert response.headers["Location"].endswith("/account/favourites")

    def test_a_page_for_a_buyer_without_alerts_reads_none(self, app, session, world, count_queries):
        sagon = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Sagon")
        buyer = make_user(session)
        session.commit()
        client = logged_in_as(app.test_client(), buyer, lang="en")
        path = f"/products/{sagon.id}-{sagon.slug}?lang=en"
        client.get(path)
        with count_queries() as counter:
            assert "Tell me when it is back" in client.get(path).get_data(as_text=True)
        assert not [
            s for s in counter.statements if "stock_alerts" in s.lower() and "exists" not in s.lower()
        ]
