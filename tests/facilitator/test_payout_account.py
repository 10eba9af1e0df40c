"""Only a shop's owner changes its payout bank account; a facilitator is refused with a message."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.seller.models import SellerPayoutAccount
from tests.facilitator.conftest import log_in

FORM = {"bank_name": "BRI", "account_number": "0123-4567-89", "account_holder": "Ani Rahayu"}


def _account(session, seller_id):
    session.expire_all()
    row = session.execute(
        sa.select(SellerPayoutAccount.bank_name, SellerPayoutAccount.account_number).where(
            SellerPayoutAccount.seller_id == seller_id
        )
    ).first()
    return tuple(row) if row else None


def test_the_owner_changes_the_bank_account_and_it_is_audited(app, session, world):
    owner = log_in(app.test_client(), world.user_a.email)
    url = f"/seller/shops/{world.seller_a.id}/payout-account"
    assert owner.get(url).status_code == 200
    assert url in owner.get("/seller/").get_data(as_text=True)
    assert owner.post(url, data=FORM).status_code == 303
    assert _account(session, world.seller_a.id) == ("BRI", "0123456789")
    entry = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.startswith("payout_account."))
    ).one()
    assert entry.actor_id == world.user_a.id and entry.actor_role == "seller"
    assert entry.after["account_number"] == "•••6789"

    response = owner.post(url, data={"bank_name": "", "account_number": "12", "account_holder": ""})
    assert response.status_code == 400
    assert "Enter the account number: 6 to 20 digits." in response.get_data(as_text=True)
    assert _account(session, world.seller_a.id) == ("BRI", "0123456789")


def test_a_facilitator_cannot_change_the_bank_account(app, session, world, facilitators):
    url = f"/seller/shops/{world.seller_a.id}/payout-account"
    before = _account(session, world.seller_a.id)
    audit_before = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    helper = log_in(app.test_client(), facilitators.active.email)
    assert url not in helper.get("/seller/").get_data(as_text=True)
    for response in (helper.get(url), helper.post(url, data=FORM)):
        assert response.status_code == 403
        assert "Only the shop&#39;s owner can change its bank account" in response.get_data(as_text=True)
    for email in (facilitators.revoked.email, world.user_b.email, world.buyer.email):
        assert log_in(app.test_client(), email).post(url, data=FORM).status_code == 404
    assert "/account/login" in app.test_client().post(url, data=FORM).headers["Location"]
    assert _account(session, world.seller_a.id) == before
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audit_before
