"""The console says things the way its reader does: a product by its title (not its id), the
commission as a percent in the reader's language (no "5.00%"), label dates as day month year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.labels.models import LabelStatus
from marketplace.payouts.models import CommissionRate
from marketplace.payouts.presenters import percent_text
from marketplace.seller.models import SellerPayoutAccount
from tests.curation.conftest import log_in
from tests.factories import make_label_type, make_product_label


def _placement_form(product) -> dict:
    return {
        "product": str(product.id),
        "headline_id": "Pilihan kurator",
        "headline_en": "Curator pick",
        "position": "1",
        "starts_at": "2030-01-01T08:00",
        "ends_at": "2030-01-08T20:30",
    }


@pytest.mark.parametrize(
    ("lang", "title"), [("en", "Rattan basket"), ("id", "Keranjang rotan")], ids=["en", "id"]
)
def test_saved_placement_names_the_product_in_the_readers_language(app, session, desk, lang, title):
    curator = log_in(app.test_client(), desk.curator.email, lang=lang)
    response = curator.post("/curator/featured", data=_placement_form(desk.live), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"“{title}”" in page
    assert f"product {desk.live.id} " not in page and f"produk {desk.live.id} " not in page


@pytest.mark.parametrize(
    ("percent", "indonesian", "english"),
    [("5.00", "5%", "5%"), ("5.50", "5,5%", "5.5%"), ("2.25", "2,25%", "2.25%"), ("0", "0%", "0%")],
)
def test_percent_is_written_as_the_reader_writes_it(percent, indonesian, english):
    assert percent_text(Decimal(percent), "id") == indonesian
    assert percent_text(Decimal(percent), "en") == english


def test_commission_rate_reads_as_a_percent_on_the_payout_pages(app, session, desk):
    # A rate in force since long ago (the service only accepts today or later).
    session.add(CommissionRate(percent=Decimal("5.50"), effective_from=date(2020, 1, 1)))
    session.commit()
    curator = log_in(app.test_client(), desk.curator.email, lang="id")
    page = curator.get("/curator/payouts").get_data(as_text=True)
    assert "Tarif komisi: 5,5%" in page and "5.50" not in page
    commission = curator.get("/curator/payouts/commission").get_data(as_text=True)
    assert "Berlaku hari ini: 5,5%" in commission and "5.50" not in commission
    english = curator.get("/curator/payouts?lang=en").get_data(as_text=True)
    assert "Commission rate: 5.5%" in english

    seller = log_in(app.test_client(), desk.owner.email, lang="id")
    sales = seller.get("/seller/sales").get_data(as_text=True)
    assert "dikurangi komisi 5,5% dari nilai barang" in sales and "5.50" not in sales


def test_label_dates_are_day_month_year_in_both_languages(app, session, desk):
    label_type = make_label_type(
        session, code="kurasi", name_id="Kurasi Kecamatan", name_en="District curated"
    )
    make_product_label(
        session,
        product=desk.live,
        label_type=label_type,
        status=LabelStatus.VERIFIED,
        valid_until=date(2028, 12, 31),
    )
    session.commit()
    seller = log_in(app.test_client(), desk.owner.email, lang="en")
    english = seller.get("/seller/labels").get_data(as_text=True)
    assert "31 December 2028" in english and "December 31, 2028" not in english
    indonesian = seller.get("/seller/labels?lang=id").get_data(as_text=True)
    assert "31 Desember 2028" in indonesian

    curator = log_in(app.test_client(), desk.curator.email, lang="en")
    registry = curator.get("/curator/labels/registry").get_data(as_text=True)
    assert "31 December 2028" in registry and "December 31, 2028" not in registry
    review = curator.get(f"/curator/products/{desk.live.id}").get_data(as_text=True)
    assert "31 December 2028" in review and "December 31, 2028" not in review


def test_an_application_without_bank_account_or_phone_says_so(app, session, desk):
    session.execute(
        sa.delete(SellerPayoutAccount).where(SellerPayoutAccount.seller_id == desk.pending_seller.id)
    )
    desk.pending_seller.phone = ""
    session.commit()
    curator = log_in(app.test_client(), desk.curator.email, lang="id")
    page = curator.get("/curator/applications").get_data(as_text=True)
    assert "<dt>Rekening bank</dt><dd>tidak diisi</dd>" in page
    assert "<dt>Telepon</dt><dd>tidak diisi</dd>" in page
