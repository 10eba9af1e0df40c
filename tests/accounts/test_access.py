"""Roles: curator-only views answer 404 to others; a user's shops are found by user_id."""

from __future__ import annotations

import pytest
from flask import g

from marketplace.accounts.access import curator_required, is_seller, seller_area, user_seller_ids
from marketplace.audit.tracking import is_tracking
from marketplace.extensions import db
from tests.accounts.conftest import log_in
from tests.factories import make_seller, make_user

# These tests add routes, which only an app that has not served yet accepts.
pytestmark = pytest.mark.own_app


@pytest.fixture
def guarded_app(app):
    app.add_url_rule("/_test/curator", "test_curator", curator_required(lambda: "curator page"))
    app.add_url_rule("/_test/seller", "test_seller", seller_area(_seller_page))
    return app


def _seller_page():
    # The guard hands the view the account's shops and always has the audit on for the request.
    return f"seller page {g.seller_ids} audited={is_tracking(db.session)}"


def test_curator_required(guarded_app, session):
    curator = make_user(session, is_curator=True)
    buyer = make_user(session)
    session.commit()

    anonymous = guarded_app.test_client()
    response = anonymous.get("/_test/curator")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")

    as_buyer = guarded_app.test_client()
    log_in(as_buyer, buyer.email)
    assert as_buyer.get("/_test/curator").status_code == 404

    as_curator = guarded_app.test_client()
    log_in(as_curator, curator.email)
    response = as_curator.get("/_test/curator")
    assert response.status_code == 200 and response.data == b"curator page"


def test_user_seller_ids_and_seller_area(guarded_app, session):
    owner, buyer = make_user(session), make_user(session)
    first, second = make_seller(session, user_id=owner.id), make_seller(session, user_id=owner.id)
    make_seller(session)  # an offline artisan's shop, run by nobody
    session.commit()
    assert user_seller_ids(session, owner) == sorted([first.id, second.id])
    assert user_seller_ids(session, buyer) == []
    assert user_seller_ids(session, None) == []
    assert is_seller(session, owner) and not is_seller(session, buyer)

    as_owner = guarded_app.test_client()
    log_in(as_owner, owner.email)
    response = as_owner.get("/_test/seller")
    assert response.status_code == 200
    assert response.text == f"seller page {sorted([first.id, second.id])} audited=True"
    assert not is_tracking(db.session)  # switched off again after the request
    as_buyer = guarded_app.test_client()
    log_in(as_buyer, buyer.email)
    assert as_buyer.get("/_test/seller").status_code == 404
