"""The demo seed includes a facilitator running two artisans' shops; a second run adds no link."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.access import user_seller_roles
from marketplace.accounts.models import User
from marketplace.demo import data, seed
from marketplace.media.storage import LocalStorage
from marketplace.seller.models import SellerFacilitator


def test_the_demo_facilitator_runs_two_shops(session, tmp_path):
    storage = LocalStorage(tmp_path / "media")
    seed.seed_demo(session, storage, with_images=False, hash_password=lambda p: "x")
    session.commit()
    helper = session.scalars(sa.select(User).where(User.email == data.FACILITATOR_EMAIL)).one()
    roles = user_seller_roles(session, helper)
    assert len(roles) == 2 and set(roles.values()) == {"facilitator"}

    seed.seed_demo(session, storage, with_images=False, hash_password=lambda p: "x")
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(SellerFacilitator)) == 2
