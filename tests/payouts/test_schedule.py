"""When a seller's money becomes theirs: the payout day (PAYOUT_WEEKDAY) and each pending parcel's
last day before it completes by itself, on the seller's and the curators' payout pages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from marketplace.config import ConfigError, load_config
from marketplace.orders.fulfilment import mark_fulfilment_shipped
from marketplace.orders.models import Fulfilment
from marketplace.payouts import schedule
from marketplace.payouts import views as payout_views
from tests.factories import make_user
from tests.payouts.helpers import curator, log_in, make_shop, paid_order

#: Tuesday 8 December 2026, 10:00 in Kabat.
NOW = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)


def test_the_next_payout_day_is_today_or_the_first_such_day_after():
    friday = 4
    assert schedule.next_payout_day(date(2026, 12, 8), friday) == date(2026, 12, 11)
    assert schedule.next_payout_day(date(2026, 12, 11), friday) == date(2026, 12, 11)
    assert schedule.next_payout_day(date(2026, 12, 12), friday) == date(2026, 12, 18)
    assert schedule.next_payout_day(date(2026, 12, 30), 0) == date(2027, 1, 4)


def test_the_payout_weekday_setting_reads_english_and_indonesian_day_names(tmp_path):
    def weekday(value):
        env = {} if value is None else {"PAYOUT_WEEKDAY": value}
        return load_config(env, instance_path=str(tmp_path))["PAYOUT_WEEKDAY"]

    assert weekday(None) == weekday("") == weekday("Friday") == weekday("jumat") == 4
    assert weekday("senin") == weekday(" MON ") == 0 and weekday("Sunday") == 6
    with pytest.raises(ConfigError, match="PAYOUT_WEEKDAY"):
        weekday("payday")


def _shop_with_three_parcels(session):
    """Ani's shop: one parcel delivered (its money available), one shipped on 1 December 10:00 WIB
    by courier to Banyuwangi (completes by itself 14 days later), one still being prepared."""
    ani = make_user(session, email="ani@example.test", locale="en")
    shop, product = make_shop(session, price=100_000, owner=ani, name="Rotan Ani")
    paid_order(session, {product: 1}, delivered=True)
    shipped = paid_order(session, {product: 2}, courier=True)
    waiting = paid_order(session, {product: 3}, courier=True)
    parcel = shipped.fulfilments[0]
    assert mark_fulfilment_shipped(
        session, parcel, courier="JNE", tracking_number="JNE123456", actor_label="test",
        now=datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
    )  # fmt: skip
    session.commit()
    return shop, shipped, waiting


def test_seller_sees_when_pending_and_available_money_is_paid(app, session, monkeypatch):
    monkeypatch.setattr(payout_views, "utcnow", lambda: NOW)
    _shop, shipped, waiting = _shop_with_three_parcels(session)
    client = log_in(app, "ani@example.test")
    text = client.get("/seller/sales").get_data(as_text=True).replace("\xa0", " ")
    assert (
        "Paid after the buyer receives the parcel (or automatically 14 days after shipping; 30 days abroad), "
        "on the next payout day after that." in text
    )
    assert "The kecamatan pays out available money every Friday." in text
    assert "Next payout: Friday 11 December (WIB)" in text
    pending = text[text.index("Money waiting for delivery") : text.index("Revenue by month")]
    rows = pending.split("<tr>")
    shipped_row = next(row for row in rows if shipped.number in row)
    # Shipped 1 December: by itself on Tuesday 15 December, so the payout run of Friday 18 December.
    assert "Shipped" in shipped_row and "Rp 200,000" in shipped_row  # goods and shipping, less commission
    assert (
        "When the buyer confirms receipt, at the latest on Tuesday 15 December; "
        "paid out on Friday 18 December at the latest." in shipped_row
    )
    waiting_row = next(row for row in rows if waiting.number in row)
    assert "Being prepared" in waiting_row and "After you ship it and the buyer receives it." in waiting_row
    assert f"/seller/orders/{waiting.fulfilments[0].id}" in waiting_row
    assert pending.count("<tr>") == 3  # the header and two parcels: the delivered one is not listed

    # A problem report holds the parcel: no date is promised; in Indonesian, the Friday is Jumat.
    session.execute(
        sa.update(Fulfilment).where(Fulfilment.id == shipped.fulfilments[0].id).values(has_open_case=True)
    )
    session.commit()
    indonesian = log_in(app, "ani@example.test")
    indonesian.get("/?lang=id")
    text = indonesian.get("/seller/sales").get_data(as_text=True).replace("\xa0", " ")
    assert "Kecamatan mencairkan dana yang siap dibayarkan setiap hari Jumat." in text
    assert "Pencairan berikutnya: Jumat 11 Desember (WIB)" in text
    assert "Ditahan selama laporan masalah dari pembeli masih terbuka." in text
    assert "Setelah Anda mengirimnya dan pembeli menerimanya." in text


def test_the_curators_page_names_the_next_payout_run_of_the_setting(app, session, monkeypatch):
    monkeypatch.setattr(payout_views, "utcnow", lambda: NOW)
    curator(session)
    client = log_in(app, "curator@example.test")
    text = client.get("/curator/payouts").get_data(as_text=True)
    assert "Payouts are made every Friday. Next payout run: Friday 11 December." in text
    monkeypatch.setitem(app.config, "PAYOUT_WEEKDAY", 1)
    text = client.get("/curator/payouts").get_data(as_text=True)
    assert "Payouts are made every Tuesday. Next payout run: Tuesday 8 December." in text
    # The seller's page follows the same setting.
    ani = make_user(session, email="ani@example.test")
    make_shop(session, price=50_000, owner=ani)
    session.commit()
    seller_page = log_in(app, "ani@example.test").get("/seller/sales").get_data(as_text=True)
    assert "every Tuesday." in seller_page and "Next payout: Tuesday 8 December (WIB)" in seller_page


def test_a_shop_without_a_payout_account_is_told_it_cannot_be_paid_yet(app, session, monkeypatch):
    monkeypatch.setattr(payout_views, "utcnow", lambda: NOW)
    ani = make_user(session, email="ani@example.test")
    shop, product = make_shop(session, price=50_000, owner=ani, account=False)
    paid_order(session, {product: 1}, delivered=True)
    text = log_in(app, "ani@example.test").get("/seller/sales").get_data(as_text=True)
    assert "no bank account for payouts yet: the kecamatan cannot pay you until one is added." in text
    assert f'href="/seller/shops/{shop.id}/payout-account"' in text and "Next payout:" not in text
