"""Evidence is private: only the owning shop's account and curators may download it, as an attachment."""

from __future__ import annotations

import pytest

from marketplace.labels.models import LabelStatus
from marketplace.media import get_storage
from tests.factories import make_product_label
from tests.labels.conftest import MINIMAL_PDF, log_in


@pytest.fixture
def label(app, session, world):
    key = "private/label-evidence/test-evidence-key.pdf"
    get_storage(app).save(key, MINIMAL_PDF, "application/pdf")
    label = make_product_label(
        session,
        product=world.product_a,
        label_type=world.halal,
        status=LabelStatus.REQUESTED,
        evidence_key=key,
    )
    session.commit()
    return label


def _client(app, world, who):
    if who == "anonymous":
        return app.test_client()
    email = {
        "owner": world.user_a,
        "other_seller": world.user_b,
        "buyer": world.buyer,
        "curator": world.curator,
    }[who]
    return log_in(app.test_client(), email.email)


SELLER_ROUTE = {"owner": 200, "other_seller": 404, "buyer": 404, "curator": 404, "anonymous": 302}
CURATOR_ROUTE = {"owner": 404, "other_seller": 404, "buyer": 404, "curator": 200, "anonymous": 302}


@pytest.mark.parametrize("who", sorted(SELLER_ROUTE))
def test_evidence_access_matrix(app, world, label, who):
    client = _client(app, world, who)
    for url, expected in (
        (f"/seller/labels/{label.id}/evidence", SELLER_ROUTE[who]),
        (f"/curator/labels/{label.id}/evidence", CURATOR_ROUTE[who]),
    ):
        response = client.get(url)
        assert response.status_code == expected, (url, who)
        if expected == 200:
            assert response.data == MINIMAL_PDF
            assert response.headers["Content-Disposition"].startswith("attachment;")
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.mimetype == "application/pdf"
            assert "no-store" in response.headers["Cache-Control"]
            assert "sandbox" in response.headers["Content-Security-Policy"]
        elif expected == 302:
            assert "/account/login" in response.headers["Location"]
        else:
            assert MINIMAL_PDF not in response.data


def test_public_media_route_never_serves_evidence(app, world, label):
    for client in (app.test_client(), log_in(app.test_client(), world.user_a.email)):
        assert client.get("/media/" + label.evidence_key).status_code == 404


def test_label_without_evidence_or_unknown_label_is_404(app, session, world):
    bare = make_product_label(session, product=world.product_a, label_type=world.handmade, evidence_key=None)
    session.commit()
    owner = log_in(app.test_client(), world.user_a.email)
    assert owner.get(f"/seller/labels/{bare.id}/evidence").status_code == 404
    assert owner.get("/seller/labels/987654/evidence").status_code == 404
    curator = log_in(app.test_client(), world.curator.email)
    assert curator.get("/curator/labels/987654/evidence").status_code == 404
