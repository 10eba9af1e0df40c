"""The order confirmation is queued unrendered (the order's id, template, language) by the checkout
and rendered by the job runner when it sends it: in the buyer's language and the order's
currency, sent once however often the job runs, with the bodies it sent stored on the row."""

from __future__ import annotations

import re
from decimal import Decimal
from email import message_from_bytes, policy
from pathlib import Path

import sqlalchemy as sa

from marketplace.email.models import EmailStatus, OutboundEmail
from marketplace.email.services import take_committed_ids
from marketplace.jobs.tasks import send_pending_email
from marketplace.markets.models import ExchangeRate
from marketplace.money import money_text
from marketplace.types import utcnow
from tests.factories import make_product
from tests.orders.helpers import make_cart, place
from tests.orders.test_customs import amsterdam


def _outbox(app) -> list:
    return [
        message_from_bytes(path.read_bytes(), policy=policy.default)
        for path in sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))
    ]


def _confirmation(session) -> OutboundEmail:
    session.expire_all()
    return session.scalars(
        sa.select(OutboundEmail).where(OutboundEmail.template == "order_confirmation")
    ).one()


def test_the_checkout_queues_the_confirmation_unrendered_and_the_job_sends_it_once(app, session):
    product = make_product(session, stock=5, title_id="Kopi Robusta", title_en="Robusta coffee")
    order = place(session, make_cart(session, {product: 1}), email="siti@example.test", lang="id")
    session.commit()
    queued = _confirmation(session)
    assert (queued.render_from, queued.lang, queued.to_address) == (
        f"order:{order.id}",
        "id",
        "siti@example.test",
    )
    assert (queued.subject, queued.body_text, queued.body_html) == ("", "", None)
    # Not for the request's after-response delivery: the job runner renders and sends it.
    assert take_committed_ids(session) == []
    assert _outbox(app) == []

    assert send_pending_email(session).startswith("sent 1,")
    assert send_pending_email(session).startswith("sent 0,")  # once, however often the job runs
    [message] = _outbox(app)
    assert message["To"] == "siti@example.test" and message["Content-Language"] == "id"
    assert order.number in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    total = money_text(order.total_minor, "IDR", "id")  # "Rp 25.123": Indonesian grouping
    for body in (text, html):
        assert order.number in body and "Kopi Robusta" in body and total in body
        assert "token=" in body  # a guest's signed link
        # What to press once the money is sent: a claimed transfer is checked first.
        assert "tekan “Saya sudah transfer” di halaman pesanan Anda" in " ".join(body.split())
    assert "Robusta coffee" not in text
    sent = _confirmation(session)
    assert sent.status == EmailStatus.SENT and sent.attempts == 1
    # What was sent is kept on the row (a retry would send the same bodies).
    assert sent.subject == " ".join(message["Subject"].split()) and sent.body_text.strip() == text.strip()
    assert sent.body_html and total in sent.body_html


def test_a_confirmation_in_english_and_euros_is_rendered_so_when_sent(app, session):
    session.add(
        ExchangeRate(currency="EUR", rate=Decimal("17300"), effective_date=utcnow().date(), source="test")
    )
    product = make_product(
        session, exportable=True, price_minor=173_000, weight_grams=800, stock=5, hs_code="4602.12",
        title_id="Tas Anyaman", title_en="Woven bag",
    )  # fmt: skip
    order = place(
        session, make_cart(session, {product: 2}), address=amsterdam(), payment_method="stripe",
        lang="en", currency="EUR", email="anna@example.test",
    )  # fmt: skip
    session.commit()
    assert order.currency == "EUR"

    assert send_pending_email(session).startswith("sent 1,")
    [message] = _outbox(app)
    assert message["Content-Language"] == "en"
    text = message.get_body(("plain",)).get_content()
    assert "Woven bag" in text and "Tas Anyaman" not in text
    assert money_text(order.total_minor, "EUR", "en") in text
    # No rupiah amount after the total; the order link's random token may itself hold "Rp".
    assert not re.search(r"\bRp\s?\d", text.split("Total")[-1])
    assert "Import duties" in text  # shipped abroad
    assert "Pay by card on the order page" in text


def test_a_confirmation_that_cannot_be_rendered_is_retried_not_sent_blank(app, session):
    from marketplace.email.services import deliver_pending, queue_email

    queue_email(
        session, to="siti@example.test", template="order_confirmation", lang="id", render_from="order:987654"
    )
    session.commit()
    assert deliver_pending(session) == {"sent": 0, "retry": 1, "failed": 0}
    row = _confirmation(session)
    assert row.status == EmailStatus.QUEUED and row.attempts == 1 and "cannot render" in row.last_error
    assert row.body_text == "" and _outbox(app) == []
