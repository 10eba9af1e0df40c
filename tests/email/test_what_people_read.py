"""Emails read as their person reads them: greeted by name, days and dates in words, every link
said what it opens, no sentence that means something else."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.email.models import OutboundEmail
from marketplace.email.services import render_email
from marketplace.orders import cancellation
from marketplace.refunds.reasons import seller_reason
from marketplace.refunds.services import create_refund
from marketplace.timezones import day_text, market_today
from marketplace.types import utcnow
from tests.factories import make_user
from tests.payouts.helpers import log_in, make_shop, paid_order
from tests.payouts.test_artisan_accounts import _artisan_shop, _form
from tests.refunds.helpers import ask

BASE = "https://pasar.example"


def _sent(session, template: str) -> list[OutboundEmail]:
    session.expire_all()
    return list(session.scalars(sa.select(OutboundEmail).where(OutboundEmail.template == template)))


def _late(days: int) -> dict:
    return {
        "name": "Siti",
        "shop": "KUB Kepuh",
        "order_number": "PD-7K3Q9",
        "days": days,
        "link": f"{BASE}/seller/orders/7",
    }


@pytest.mark.parametrize(
    ("lang", "days", "said"),
    [
        ("en", 1, "it is 1 day late."),
        ("en", 6, "it is 6 days late."),
        ("id", 1, "sudah terlambat 1 hari."),
        ("id", 6, "sudah terlambat 6 hari."),
    ],
)
def test_late_parcel_counts_days_in_words_and_its_link_opens_the_order(app, lang, days, said):
    with app.app_context():
        _subject, text, html = render_email("late_parcel", lang, _late(days))
    assert said in text and said in html
    assert "day(s)" not in text + html
    # The link is the order's page, and says so (not "your seller dashboard").
    opens = {"en": "Open this order", "id": "Buka pesanan ini"}[lang]
    assert f"{opens}:\n{BASE}/seller/orders/7" in text
    assert f">{opens}</a>" in html
    assert "dashboard" not in html.lower() and "dasbor" not in html.lower()


@pytest.mark.parametrize("lang", ["en", "id"])
def test_seller_refund_names_the_shop_as_the_seller_not_the_buyer(app, lang):
    context = {
        "name": "Siti",
        "shop": "KUB Kepuh",
        "order_number": "PD-7K3Q9",
        "reason": "Rusak",
        "parcel": {
            "url": f"{BASE}/seller/orders/7",
            "refunded": [{"title": "Batik", "quantity": 1, "restocked": 0, "amount": "Rp 90.000"}],
            "shipping_amount": "",
            "left": [],
            "not_shipped": False,
            "do_not_ship": 0,
            "came_back": 0,
        },
    }
    with app.app_context():
        _subject, text, html = render_email("seller_refund", lang, context)
    said = {
        "en": "A curator refunded the buyer of order PD-7K3Q9 for items bought from KUB Kepuh.",
        "id": "Kurator mengembalikan dana kepada pembeli pesanan PD-7K3Q9 untuk barang dari KUB Kepuh.",
    }[lang]
    assert said in text and said in html
    assert "(KUB Kepuh)" not in text
    # "Buka paketnya" told the seller to open the parcel itself; the link opens the order's page.
    opens = {"en": "Open this order", "id": "Buka pesanan ini"}[lang]
    assert f"{opens}:\n{BASE}/seller/orders/7" in text and f">{opens}</a>" in html
    assert "paketnya" not in text + html and "Open the parcel" not in text + html


@pytest.mark.parametrize(("lang", "label"), [("en", "Write a review:"), ("id", "Tulis ulasan:")])
def test_review_invitation_text_part_says_what_its_link_is_for(app, lang, label):
    context = {
        "name": "Siti",
        "shop": "KUB Kepuh",
        "order_number": "PD-7K3Q9",
        "shops": [{"name": "KUB Kepuh", "items": ["Batik Gajah Oling"]}],
        "link": f"{BASE}/orders/PD-7K3Q9",
    }
    with app.app_context():
        _subject, text, _html = render_email("review_invitation", lang, context)
    assert f"{label}\n{BASE}/orders/PD-7K3Q9" in text


def test_order_cancelled_greets_the_buyer_by_the_name_on_the_order(session):
    _seller, product = make_shop(session, price=50_000, stock=5)
    order = paid_order(session, {product: 2}, courier=True, lang="id")
    part = order.fulfilments[0]
    cancellation.cancel_by_seller(
        session,
        part,
        quantities={part.lines[0].id: 1},
        reason="Kain habis",
        actor_id=None,
        actor_label="seller",
        now=utcnow(),
    )
    session.commit()
    (email,) = _sent(session, "order_cancelled")
    assert email.body_text.startswith("Halo Siti Rahayu,")
    assert "Halo Siti Rahayu," in email.body_html


def test_refund_greets_the_buyer_by_name_and_says_what_its_link_is(session):
    desk = make_user(session, email="desk@example.test", is_curator=True)
    _seller, product = make_shop(session, price=85_000, stock=5)
    order = paid_order(session, {product: 2}, courier=True, lang="en")
    line = order.lines[0]
    create_refund(
        session, order, ask("r-1", quantities={line.id: 1}, bank_reference="BRI-1"), actor=desk, now=utcnow()
    )
    session.commit()
    (email,) = _sent(session, "refund")
    assert email.body_text.startswith("Hello Siti Rahayu,")
    assert f"See your order:\n{order_link_of(email.body_text)}" in email.body_text
    assert "Hello Siti Rahayu," in email.body_html


def order_link_of(text: str) -> str:
    return next(line for line in text.splitlines() if "/orders/" in line)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_artisan_payout_account_email_names_who_recorded_it_and_dates_the_consent_in_words(
    app, session, lang
):
    desk, _helper, seller = _artisan_shop(session)
    desk.locale = lang
    session.commit()
    agus = log_in(app, "agus@example.test")
    saved = agus.post(
        f"/seller/shops/{seller.id}/payout-account", data=_form(), content_type="multipart/form-data"
    )
    assert saved.status_code == 303
    (email,) = _sent(session, "artisan_payout_account")
    consent_on = market_today() - timedelta(days=3)
    assert day_text(consent_on, lang) in email.body_text
    assert consent_on.isoformat() not in email.body_text + email.body_html
    assert "Agus (agus@example.test)" in email.body_text


@pytest.mark.parametrize(
    ("lang", "buyer_says", "shop_reason"),
    [
        ("id", "untuk pesanan Anda {number} setelah laporan masalah Anda.", "Alasan: Warnanya luntur"),
        ("en", "for your order {number} after your problem report.", "Reason: Warnanya luntur"),
    ],
)
def test_a_problem_report_refund_reads_in_words_never_as_the_case_number(
    session, lang, buyer_says, shop_reason
):
    desk = make_user(session, email="desk@example.test", is_curator=True)
    owner = make_user(session, email="toko@example.test", name="Bu Ani", locale=lang)
    _seller, product = make_shop(session, price=150_000, stock=5, owner=owner)
    order = paid_order(session, {product: 1}, courier=True, lang=lang)
    create_refund(
        session, order,
        ask("case-refund", reason="case 12: Warnanya luntur", amounts={order.fulfilments[0].id: 50_000},
            bank_reference="BCA 7"),
        actor=desk, now=utcnow(),
    )  # fmt: skip
    session.commit()
    (buyer,) = _sent(session, "refund")
    (shop,) = _sent(session, "seller_refund")
    assert buyer_says.format(number=order.number) in buyer.body_text
    assert buyer_says.format(number=order.number) in buyer.body_html
    assert "Warnanya luntur" in buyer.body_text
    assert shop_reason in shop.body_text and shop_reason in shop.body_html
    for email in (buyer, shop):
        assert "case 12" not in email.body_text + email.body_html


@pytest.mark.parametrize(
    ("lang", "said"), [("id", "Alasan: Pembeli membatalkan"), ("en", "Reason: The buyer cancelled")]
)
def test_a_shop_reads_why_in_words_when_nobody_typed_a_reason(app, lang, said):
    with app.test_request_context(f"/?lang={lang}"):
        reason = seller_reason("cancelled by the buyer")
        _subject, text, html = render_email(
            "seller_refund",
            lang,
            {
                "name": "Ani",
                "shop": "KUB Kepuh",
                "order_number": "PD-7K3Q9",
                "reason": reason,
                "parcel": {"url": f"{BASE}/seller/orders/7", "refunded": [], "shipping_amount": "",
                           "left": [], "not_shipped": False, "do_not_ship": 0, "came_back": 0},
            },
        )  # fmt: skip
    assert said in text and said in html


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        (
            "en",
            "“I received it” on your order page. Something wrong with it? Report a problem there first.",
        ),
        ("id", "tekan “Sudah saya terima” di halaman pesanan Anda. Ada yang salah? Laporkan masalahnya"),
    ],
)
def test_the_shipped_email_says_what_to_do_when_the_parcel_arrives(app, lang, said):
    """Problem reports close on receipt: the buyer reads to report first, then press the button."""
    context = {
        "name": "Siti",
        "order_number": "PD-7K3Q9",
        "seller_name": "KUB Kepuh",
        "carrier": "JNE",
        "tracking_number": "JN123",
        "tracking_url": "",
        "lines": [{"title": "Batik", "quantity": 1, "total_text": "", "seller": ""}],
        "order_url": f"{BASE}/orders/PD-7K3Q9",
    }
    with app.app_context():
        _subject, text, html = render_email("shipped", lang, context)
    assert said in " ".join(text.split()) and said in " ".join(html.split())
