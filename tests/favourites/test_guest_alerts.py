"""A guest's back-in-stock alert works like a shop's: the product page remembers it (a signed cookie,
the page cache still shared by everyone else) and stops it, and a short confirmation email in the
guest's language carries the stop link, never sent twice for one product in a day."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.email.models import OutboundEmail
from marketplace.favourites import alerts
from marketplace.favourites.current import ALERTS_COOKIE, format_alerts_cookie, parse_alerts_cookie
from marketplace.favourites.models import StockAlert
from marketplace.types import utcnow
from tests.factories import make_product, make_user
from tests.login import logged_in_as

WAITING = "We will email tamu@example.test once when it is back in stock."
FORM = "Tell me when it is back"


def _confirmations(session, to: str | None = None) -> list[OutboundEmail]:
    session.expire_all()
    stmt = sa.select(OutboundEmail).where(OutboundEmail.template == alerts.CONFIRMATION_TEMPLATE)
    if to is not None:
        stmt = stmt.where(OutboundEmail.to_address == to)
    return list(session.scalars(stmt.order_by(OutboundEmail.id)))


def _pending(session, email: str) -> list[StockAlert]:
    session.expire_all()
    return list(
        session.scalars(sa.select(StockAlert).where(StockAlert.email == email, StockAlert.sent_at.is_(None)))
    )


def _guest(app, lang="en"):
    client = app.test_client()
    client.set_cookie("lang", lang)
    return client


class TestTheProductPageRemembersAGuestsAlert:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"PAGE_CACHE_ENABLED": True}

    def test_a_guest_comes_back_to_we_will_email_you_and_stops_it(self, app, session, world):
        sagon = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Sagon")
        session.commit()
        path = f"/products/{sagon.id}-{sagon.slug}"
        for page in (path, "/"):
            _guest(app).get(page)  # stored for every anonymous visitor
            assert _guest(app).get(page).headers.get("X-Cache") == "HIT", page

        guest = _guest(app)
        response = guest.post(f"/products/{sagon.id}/notify", data={"email": "Tamu@Example.test"})
        assert response.status_code == 303 and response.headers["Location"].endswith(path)
        cookie = guest.get_cookie(ALERTS_COOKIE)
        assert cookie is not None and cookie.http_only
        (alert,) = _pending(session, "tamu@example.test")
        flashed = guest.get(path).get_data(as_text=True)
        assert "We will email tamu@example.test once when it is back in stock." in flashed

        stop = f'action="/account/alerts/{alert.id}/stop"'
        for _ in range(2):  # rendered for this guest each time, never stored, never another's
            mine = guest.get(path)
            html = mine.get_data(as_text=True)
            assert WAITING in html and stop in html and FORM not in html
            assert (
                mine.headers.get("X-Cache") is None and mine.headers["Cache-Control"] == "private, no-store"
            )
            other = _guest(app).get(path)
            assert other.headers.get("X-Cache") == "HIT"
            assert FORM in other.get_data(as_text=True) and "/stop" not in other.get_data(as_text=True)
        # Every other page stays shared for the guest: the cookie is neutral there.
        assert guest.get("/").headers.get("X-Cache") == "HIT"
        html = guest.get(path + "?lang=id").get_data(as_text=True)
        assert "Kami akan mengirim email ke tamu@example.test sekali saat stoknya tersedia lagi." in html
        assert ">Hentikan</button>" in html

        guest.set_cookie("lang", "en")  # ?lang= was remembered

        # Someone copying the cookie's pairs without its signature gets the shared page; their
        # "Stop" sends them to log in, and nothing is stopped.
        forger = _guest(app)
        forger.set_cookie(ALERTS_COOKIE, f"{sagon.id}-{alert.id}.forged")
        assert FORM in forger.get(path).get_data(as_text=True)
        refused = forger.post(f"/account/alerts/{alert.id}/stop", data={"next": path})
        assert refused.status_code == 303 and "/account/login" in refused.headers["Location"]
        assert len(_pending(session, "tamu@example.test")) == 1

        response = guest.post(f"/account/alerts/{alert.id}/stop", data={"next": path})
        assert response.status_code == 303 and response.headers["Location"].endswith(path)
        assert guest.get_cookie(ALERTS_COOKIE) is None  # the browser forgets it
        html = guest.get(path).get_data(as_text=True)
        assert "Stopped: we will not email you when “Sagon” is back." in html and FORM in html
        assert _pending(session, "tamu@example.test") == []
        # Its page is shared again.
        assert guest.get(path).headers.get("X-Cache") == "HIT"

        # Signing up again works, and the address gets no second confirmation the same day.
        guest.post(f"/products/{sagon.id}/notify", data={"email": "tamu@example.test"})
        (again,) = _pending(session, "tamu@example.test")
        guest.get(path)  # the flash
        assert f'action="/account/alerts/{again.id}/stop"' in guest.get(path).get_data(as_text=True)
        assert len(_confirmations(session, "tamu@example.test")) == 1

    def test_an_alert_stopped_from_the_email_leaves_the_cookie_and_the_page_is_shared_again(
        self, app, session, world
    ):
        sagon = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Sagon")
        session.commit()
        path = f"/products/{sagon.id}-{sagon.slug}"
        guest = _guest(app)
        guest.post(f"/products/{sagon.id}/notify", data={"email": "tamu@example.test"})
        guest.get(path)  # the flash
        assert WAITING in guest.get(path).get_data(as_text=True)
        alerts.stop_alerts_for_email(session, email="tamu@example.test")  # the email's link
        session.commit()
        page = guest.get(path)
        assert FORM in page.get_data(as_text=True) and WAITING not in page.get_data(as_text=True)
        assert guest.get_cookie(ALERTS_COOKIE) is None
        guest.get(path)
        assert guest.get(path).headers.get("X-Cache") == "HIT"

    def test_a_guest_stops_only_alerts_their_cookie_names(self, app, session, world):
        sagon = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Sagon")
        coffee = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Coffee")
        theirs = alerts.subscribe_back_in_stock(
            session, product_id=coffee.id, email="other@example.test", lang="en", now=utcnow()
        )
        session.commit()
        guest = _guest(app)
        guest.post(f"/products/{sagon.id}/notify", data={"email": "tamu@example.test"})
        response = guest.post(f"/account/alerts/{theirs.id}/stop")
        assert response.status_code == 303 and "/account/login" in response.headers["Location"]
        assert len(_pending(session, "other@example.test")) == 1
        # Their favourites page lists what their browser waits for, with its Stop.
        html = guest.get("/account/favourites").get_data(as_text=True)
        assert "Back-in-stock alerts" in html and "Sagon" in html and "Coffee" not in html
        assert 'aria-label="Stop the alert for “Sagon”"' in html


def test_a_guest_page_reads_no_alert_unless_the_cookie_names_the_product(app, session, world, count_queries):
    sagon = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Sagon")
    coffee = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Coffee")
    session.commit()
    path = f"/products/{sagon.id}-{sagon.slug}?lang=en"
    without = _guest(app)
    without.get(path)
    with count_queries() as plain:
        assert FORM in without.get(path).get_data(as_text=True)

    elsewhere = _guest(app)
    elsewhere.post(f"/products/{coffee.id}/notify", data={"email": "tamu@example.test"})
    elsewhere.get(path)  # the flash
    with count_queries() as other_product:
        assert FORM in elsewhere.get(path).get_data(as_text=True)
    assert other_product.count == plain.count
    assert not [s for s in plain.statements + other_product.statements if "stock_alerts" in s.lower()]

    here = _guest(app)
    here.post(f"/products/{sagon.id}/notify", data={"email": "tamu@example.test"})
    here.get(path)
    with count_queries() as named:
        assert WAITING in here.get(path).get_data(as_text=True)
    assert len([s for s in named.statements if "stock_alerts" in s.lower()]) == 1


def test_the_alerts_cookie_is_signed_and_read_defensively(app):
    with app.test_request_context():
        value = format_alerts_cookie([(12, 5), (13, 7)])
        assert parse_alerts_cookie(value) == [(12, 5), (13, 7)]
        assert parse_alerts_cookie(value.replace("12-5", "12-6")) == []
        assert parse_alerts_cookie("12-5.13-7") == [] and parse_alerts_cookie(None) == []


def test_a_guest_gets_a_confirmation_in_their_language_with_the_stop_link(app, session, world):
    kopi = make_product(
        session,
        seller=world.seller,
        cluster=world.cluster,
        stock=0,
        title_id="Kopi Lanang",
        title_en="Peaberry",
    )
    session.commit()
    guest = _guest(app, lang="id")
    guest.post(f"/products/{kopi.id}/notify", data={"email": "tamu@example.test"})
    (email,) = _confirmations(session, "tamu@example.test")
    assert email.lang == "id" and email.subject == "Kami kabari saat tersedia lagi: Kopi Lanang"
    assert "Anda meminta kami memberi tahu saat “Kopi Lanang” tersedia lagi." in email.body_text
    assert f"/products/{kopi.id}-{kopi.slug}" in email.body_text
    match = re.search(r"https?://\S+(/alerts/stop/\S+)", email.body_text)
    assert match and match.group(0) in email.body_html
    question = guest.get(match.group(1) + "?lang=en").get_data(as_text=True)
    assert "1 product is waiting to email tamu@example.test" in question
    guest.post(match.group(1))
    assert _pending(session, "tamu@example.test") == []

    # An account sees and stops its alerts on the site: no confirmation.
    buyer = make_user(session)
    session.commit()
    logged_in_as(app.test_client(), buyer, lang="en").post(f"/products/{kopi.id}/notify")
    assert len(_pending(session, buyer.email)) == 1 and _confirmations(session, buyer.email) == []


def test_confirmations_to_one_address_are_not_repeated_for_a_product_nor_past_a_daily_cap(session):
    products = [make_product(session, stock=0) for _ in range(alerts.CONFIRMATIONS_PER_DAY + 1)]
    now = utcnow()

    def subscribe(product, at=now):
        return alerts.subscribe_back_in_stock(
            session, product_id=product.id, email="tamu@example.test", lang="en", now=at
        )

    first_id = subscribe(products[0]).id
    assert subscribe(products[0]).id == first_id  # still waiting: the same alert, no email
    alerts.stop_alerts_for_email(session, email="tamu@example.test")
    subscribe(products[0])  # stopped and asked again the same day: no second email
    assert len(_confirmations(session)) == 1 and len(_pending(session, "tamu@example.test")) == 1
    for product in products[1:]:
        subscribe(product)
    # One per product up to the cap; the alert past it waits all the same.
    assert len(_confirmations(session)) == alerts.CONFIRMATIONS_PER_DAY
    assert len(_pending(session, "tamu@example.test")) == len(products)
    # Another address is not held back by this one's.
    alerts.subscribe_back_in_stock(
        session, product_id=products[0].id, email="b@example.test", lang="en", now=now
    )
    assert len(_confirmations(session, "b@example.test")) == 1
    # A day later the product may be confirmed again.
    alerts.stop_alerts_for_email(session, email="b@example.test")
    later = now + timedelta(days=1, minutes=1)
    for row in _confirmations(session, "b@example.test"):
        row.created_at = now  # the queue stamps real time: pin it to the test's clock
    session.flush()
    alerts.subscribe_back_in_stock(
        session, product_id=products[0].id, email="b@example.test", lang="en", now=later
    )
    assert len(_confirmations(session, "b@example.test")) == 2


def test_the_tell_me_page_of_a_size_already_asked_for_says_so_and_stops_it(app, session):
    """A sold-out size's own page (the picker's link) shows the guest's and the buyer's waiting
    alert with "Stop" instead of the empty form; another size still offers the form."""
    from tests.orders.test_variant_checkout import shirt_with_sizes

    _owner, shirt, sizes = shirt_with_sizes(session)
    buyer = make_user(session)
    session.commit()
    notify = f"/products/{shirt.id}/notify?variant={sizes['L'].id}&lang=en"
    guest = _guest(app)
    guest.post(
        f"/products/{shirt.id}/notify", data={"variant_id": sizes["L"].id, "email": "tamu@example.test"}
    )
    (alert,) = _pending(session, "tamu@example.test")
    html = guest.get(notify).get_data(as_text=True)
    response = guest.get(notify)  # after the flash
    html = response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert (
        WAITING in html and f'action="/account/alerts/{alert.id}/stop"' in html and 'name="email"' not in html
    )
    assert 'name="email"' in _guest(app).get(notify).get_data(as_text=True)  # someone else: the form

    member = logged_in_as(app.test_client(), buyer, lang="en")
    member.post(f"/products/{shirt.id}/notify", data={"variant_id": sizes["L"].id})
    (mine,) = _pending(session, buyer.email)
    member.get(notify)
    html = member.get(notify).get_data(as_text=True)
    assert (
        "We will email you once when it is back in stock." in html
        and f"/account/alerts/{mine.id}/stop" in html
    )

    response = guest.post(f"/account/alerts/{alert.id}/stop", data={"next": notify})
    assert response.status_code == 303
    html = guest.get(notify).get_data(as_text=True)
    assert "Stopped: we will not email you when" in html and 'name="email"' in html


class TestGuestSignUpsPerClientAreLimited:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}

    def test_a_script_cannot_turn_the_form_into_a_mailer(self, app, session, world):
        from marketplace.favourites.views import GUEST_SIGNUP_LIMIT

        allowed = int(GUEST_SIGNUP_LIMIT.split()[0])
        sagon = make_product(session, seller=world.seller, cluster=world.cluster, stock=0)
        buyer = make_user(session)
        session.commit()
        guest = _guest(app)
        statuses = [
            guest.post(f"/products/{sagon.id}/notify", data={"email": f"t{i}@example.test"}).status_code
            for i in range(allowed)
        ]
        assert statuses == [303] * allowed
        # A typo re-shown with its message does not count; the next sign-up is refused.
        assert guest.post(f"/products/{sagon.id}/notify", data={"email": "nope"}).status_code == 429
        assert len(_confirmations(session)) == allowed
        assert guest.get(f"/products/{sagon.id}/notify").status_code == 200  # the form itself is not limited
        # An account's sign-ups never count (its own address only).
        member = logged_in_as(app.test_client(), buyer)
        assert member.post(f"/products/{sagon.id}/notify").status_code == 303


def test_an_alert_asked_for_as_a_guest_joins_the_account_with_that_address(app, session, world):
    sagon = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Sagon")
    buyer = make_user(session, email="pembeli@example.test")
    session.commit()
    _guest(app).post(f"/products/{sagon.id}/notify", data={"email": "Pembeli@Example.test"})
    member = logged_in_as(app.test_client(), buyer, lang="en")
    assert member.post(f"/products/{sagon.id}/notify").status_code == 303
    (alert,) = _pending(session, buyer.email)
    assert alert.user_id == buyer.id
    html = member.get(f"/products/{sagon.id}-{sagon.slug}").get_data(as_text=True)
    assert "We will email you once when it is back in stock." in html and FORM not in html
