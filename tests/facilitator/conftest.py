"""Facilitator fixtures: the seller dashboard's world, plus a facilitator of shop A and a revoked one."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from marketplace.seller.models import SellerFacilitator
from marketplace.types import utcnow
from tests.factories import make_user
from tests.seller import conftest as seller_fixtures
from tests.seller import test_access as seller_access
from tests.seller.conftest import log_in, snapshot  # noqa: F401  (re-exported for the tests here)

# The seller dashboard's fixtures, shared (assigned, so pytest finds them in this directory too).
app = seller_fixtures.app
app_overrides = seller_fixtures.app_overrides
media_root = seller_fixtures.media_root
world = seller_fixtures.world
ids = seller_access.ids


@dataclass
class Facilitators:
    active: object  # the facilitator of shop A
    revoked: object  # was a facilitator of shop A, access revoked
    link: object


def link_facilitator(session, *, seller, user, granted_by=None, revoked: bool = False) -> SellerFacilitator:
    now = utcnow()
    link = SellerFacilitator(
        seller_id=seller.id,
        facilitator_id=user.id,
        granted_by_id=granted_by.id if granted_by else seller.user_id,
        granted_via="owner",
        granted_at=now,
        revoked_at=now if revoked else None,
    )
    session.add(link)
    session.flush()
    return link


@pytest.fixture
def facilitators(session, world) -> Facilitators:
    active = make_user(session, email="pendamping@example.test", name="Pendamping", locale="id")
    revoked = make_user(session, email="mantan@example.test", name="Mantan pendamping")
    link = link_facilitator(session, seller=world.seller_a, user=active)
    link_facilitator(session, seller=world.seller_a, user=revoked, revoked=True)
    session.commit()
    return Facilitators(active, revoked, link)
