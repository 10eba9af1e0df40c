"""Paying every artisan: a curator, or a facilitator of the shop with the artisan's signed consent,
records the payout bank account of a shop without its own account; the bank file then pays it."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from marketplace.audit.models import AuditEntry
from marketplace.email.models import OutboundEmail
from marketplace.media.storage import get_storage
from marketplace.payouts import services
from marketplace.seller.models import SellerFacilitator, SellerPayoutAccount
from marketplace.seller.payout_accounts import names_match
from marketplace.timezones import market_today
from marketplace.types import utcnow
from tests.factories import make_user
from tests.payouts.helpers import curator, log_in, make_shop, paid_order

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _artisan_shop(session, *, helper_email="agus@example.test", artisan="Sumiati"):
    """A shop without an account, run by a facilitator the curator linked; one delivered sale."""
    desk = curator(session)
    helper = make_user(session, email=helper_email, name="Agus")
    seller, product = make_shop(session, price=100_000, name="Batik Tulis Bu Sumiati", account=False)
    seller.artisan_name = artisan
    session.add(
        SellerFacilitator(
            seller_id=seller.id, facilitator_id=helper.id, granted_by_id=desk.id, granted_via="curator"
        )
    )
    session.commit()
    paid_order(session, {product: 1}, delivered=True)
    return desk, helper, seller


def _form(**overrides):
    values = {
        "bank_name": "BRI",
        "account_number": "0021-0100-4455",
        "account_holder": "SUMIATI",
        "holder_explanation": "",
        "consent_on": (market_today() - timedelta(days=3)).isoformat(),
        "consent_file": (io.BytesIO(PDF), "persetujuan.pdf"),
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def _account(session, seller_id):
    session.expire_all()
    return session.scalar(sa.select(SellerPayoutAccount).where(SellerPayoutAccount.seller_id == seller_id))


def test_names_match_ignores_case_order_accents_and_words_of_address():
    assert names_match("SUMIATI", "Bu Sumiati")
    assert names_match("Riyadi Slamet", "Pak Slamet Riyadi")
    assert not names_match("Siti Khotijah", "Slamet")
    assert not names_match("Sumiati", "")


def test_facilitator_records_the_account_with_consent_audited_emailed_and_in_the_bank_file(app, session):
    _desk, helper, seller = _artisan_shop(session)
    year, month = utcnow().year, utcnow().month
    _text, missing = services.bulk_transfer_csv(session, year=year, month=month)
    assert [row.seller_id for row in missing] == [seller.id]

    agus = log_in(app, "agus@example.test")
    url = f"/seller/shops/{seller.id}/payout-account"
    page = agus.get(url)
    assert page.status_code == 200 and "consent" in page.get_data(as_text=True)
    saved = agus.post(url, data=_form(), content_type="multipart/form-data")
    assert saved.status_code == 303

    account = _account(session, seller.id)
    assert (account.account_number, account.recorded_via, account.recorded_by_id) == (
        "002101004455",
        "facilitator",
        helper.id,
    )
    assert account.consent_on == market_today() - timedelta(days=3)
    assert account.consent_evidence_key.startswith("private/payout-consent/")
    assert get_storage(current_app).read(account.consent_evidence_key) == PDF
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "payout_account.record")).one()
    assert (audit.actor_role, audit.seller_id) == ("facilitator", seller.id)
    assert "00210100" not in str(audit.after)  # the number is shown by its last digits only
    # One audit row (the seller area's tracker does not log the same change twice).
    assert (
        session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.seller_id == seller.id)
        )
        == 1
    )
    emails = session.scalars(
        sa.select(OutboundEmail).where(OutboundEmail.template == "artisan_payout_account")
    ).all()
    assert [e.to_address for e in emails] == ["curator@example.test"]

    text, missing = services.bulk_transfer_csv(session, year=year, month=month)
    assert missing == []
    assert text.splitlines()[1].startswith("Batik Tulis Bu Sumiati,BRI,002101004455,SUMIATI,95000,")

    # The consent scan: the facilitator who recorded it and curators, nobody else; never /media/.
    assert agus.get(f"{url}/consent").status_code == 200
    assert (
        log_in(app, "curator@example.test").get(f"/curator/sellers/{seller.id}/payout-account/consent").data
        == PDF
    )
    make_user(session, email="other@example.test")
    session.commit()
    assert log_in(app, "other@example.test").get(f"{url}/consent").status_code == 404
    assert app.test_client().get("/media/" + account.consent_evidence_key).status_code == 404


def test_facilitator_refusals_write_nothing(app, session):
    _desk, _helper, seller = _artisan_shop(session)
    other_helper = make_user(session, email="lain@example.test")
    _other_shop, _p = make_shop(session, price=5_000, account=False)
    session.add(
        SellerFacilitator(seller_id=_other_shop.id, facilitator_id=other_helper.id, granted_via="curator")
    )
    session.commit()
    url = f"/seller/shops/{seller.id}/payout-account"
    agus = log_in(app, "agus@example.test")

    no_file = agus.post(url, data=_form(consent_file=None), content_type="multipart/form-data")
    assert no_file.status_code == 400 and "consent form" in no_file.get_data(as_text=True)
    no_date = agus.post(url, data=_form(consent_on=""), content_type="multipart/form-data")
    assert no_date.status_code == 400
    future = (market_today() + timedelta(days=2)).isoformat()
    assert (
        agus.post(url, data=_form(consent_on=future), content_type="multipart/form-data").status_code == 400
    )
    not_a_scan = agus.post(
        url,
        data=_form(consent_file=(io.BytesIO(b"<html>hi</html>"), "x.pdf")),
        content_type="multipart/form-data",
    )
    assert not_a_scan.status_code == 400
    mismatch = agus.post(url, data=_form(account_holder="Siti Khotijah"), content_type="multipart/form-data")
    assert mismatch.status_code == 400 and "explain why" in mismatch.get_data(as_text=True)
    # Another facilitator's shop is not there at all.
    other = log_in(app, "lain@example.test").post(url, data=_form(), content_type="multipart/form-data")
    assert other.status_code == 404
    assert _account(session, seller.id) is None
    assert (
        session.scalar(
            sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.seller_id == seller.id)
        )
        == 0
    )

    explained = agus.post(
        url,
        data=_form(
            account_holder="Siti Khotijah", holder_explanation="Rekening anak Bu Sumiati, disaksikan kades."
        ),
        content_type="multipart/form-data",
    )
    assert explained.status_code == 303
    assert _account(session, seller.id).holder_explanation.startswith("Rekening anak")


def test_curator_records_the_artisan_name_and_account_but_never_for_a_shop_with_an_owner(app, session):
    desk, _helper, seller = _artisan_shop(session, artisan="")
    owner = make_user(session, email="owner@example.test")
    owned, _product = make_shop(session, price=1_000, owner=owner, account=False)
    session.commit()
    kurator = log_in(app, "curator@example.test")
    url = f"/curator/sellers/{seller.id}/payout-account"
    assert kurator.get(url).status_code == 200
    saved = kurator.post(url, data=_form(artisan_name="Sumiati"), content_type="multipart/form-data")
    assert saved.status_code == 303
    account = _account(session, seller.id)
    assert account.recorded_via == "curator" and account.seller.artisan_name == "Sumiati"
    assert kurator.get("/curator/payouts").status_code == 200

    refused = kurator.post(
        f"/curator/sellers/{owned.id}/payout-account", data=_form(), content_type="multipart/form-data"
    )
    assert refused.status_code == 303 and _account(session, owned.id) is None
    # The owner's own form stays the owner's: a facilitator of an owned shop still gets 403.
    assert (
        log_in(app, "owner@example.test").get(f"/seller/shops/{owned.id}/payout-account").status_code == 200
    )


def test_the_facilitators_dashboard_links_to_the_artisans_bank_account_form(app, session):
    _desk, _helper, seller = _artisan_shop(session)
    page = log_in(app, "agus@example.test").get("/seller/").get_data(as_text=True)
    assert f"/seller/shops/{seller.id}/payout-account" in page
