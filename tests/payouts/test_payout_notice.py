"""After the sale, as a new artisan meets it: the sales page says where the money goes and opens at
the shop's first month of sales, and a payout is emailed with its amount, account and reference."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from marketplace.email.models import OutboundEmail
from tests.factories import make_user
from tests.payouts.helpers import curator, log_in, make_shop, paid_order


def test_a_payout_is_emailed_to_the_shop_with_amount_account_and_reference(app, session):
    curator(session)
    siti = make_user(session, email="siti@example.test", name="Siti", locale="id")
    seller, product = make_shop(session, price=75_000, owner=siti, name="Anyaman Bu Siti")
    paid_order(session, {product: 1}, delivered=True)
    desk = log_in(app, "curator@example.test")
    form = {"amount": "71250", "bank_reference": "TRF-0812", "token": "tok-siti"}
    assert desk.post(f"/curator/payouts/{seller.id}/pay", data=form).status_code == 303
    assert desk.post(f"/curator/payouts/{seller.id}/pay", data=form).status_code == 303  # double submit
    session.expire_all()
    sent = list(
        session.scalars(
            sa.select(OutboundEmail).where(
                OutboundEmail.to_address == siti.email, OutboundEmail.subject.like("Pencairan dana%")
            )
        )
    )
    assert len(sent) == 1
    body = sent[0].body_text.replace("\xa0", " ")
    assert sent[0].subject.replace("\xa0", " ") == "Pencairan dana untuk Anyaman Bu Siti: Rp 71.250"
    assert f"BRI ••••{seller.id:06d}"[:9] in body and "TRF-0812" in body and "Rp 71.250" in body
    assert "/seller/sales" in body and "Lihat penjualan dan pencairan dana Anda:" in body


def test_a_new_shops_sales_page_names_the_payout_account_and_skips_empty_months(app, session):
    siti = make_user(session, email="siti@example.test", name="Siti")
    seller, product = make_shop(session, price=75_000, owner=siti, name="Anyaman Bu Siti")
    session.commit()
    shop = log_in(app, siti.email)
    empty = shop.get("/seller/sales").get_data(as_text=True)
    assert "No sales yet." in empty and 'data-label="Units"' not in empty
    assert "Payouts go to BRI ••••" in empty and "You get an email each time" in empty

    paid_order(session, {product: 1}, now=datetime.now(UTC))
    page = shop.get("/seller/sales").get_data(as_text=True)
    assert page.count('data-label="Units"') == 1  # this month only, not eleven empty ones before it
