"""With CSRF on, as in production: the pages' own tokens work and a post without one changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from marketplace.labels.models import LabelStatus
from marketplace.timezones import market_today
from tests.factories import TEST_PASSWORD, make_product_label
from tests.labels.conftest import BOUNDARY, MINIMAL_PDF, labels, multipart


@pytest.fixture
def app_overrides(media_root):
    return {"MEDIA_ROOT": str(media_root), "WTF_CSRF_ENABLED": True}


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _log_in(app, email):
    client = app.test_client()
    client.set_cookie("lang", "en")
    token = _token(client.get("/account/login").get_data(as_text=True))
    response = client.post(
        "/account/login", data={"email": email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code in (302, 303)
    return client


def test_request_then_verify_with_csrf_tokens(app, session, world):
    seller = _log_in(app, world.user_a.email)
    url = f"/seller/products/{world.product_a.id}/labels/new"
    token = _token(seller.get(url).get_data(as_text=True))
    fields = {
        "label_type_id": world.halal.id,
        "certificate_number": "CSRF-1",
        "issuer": "",
        "valid_until": (market_today() + timedelta(days=90)).isoformat(),
    }
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    refused = seller.post(url, data=multipart(fields, MINIMAL_PDF, "c.pdf"), content_type=content_type)
    assert refused.status_code == 400 and labels(session) == []
    body = multipart({**fields, "csrf_token": token}, MINIMAL_PDF, "c.pdf")
    assert seller.post(url, data=body, content_type=content_type).status_code == 303
    (label,) = labels(session)

    curator = _log_in(app, world.curator.email)
    page = curator.get("/curator/labels").get_data(as_text=True)
    assert curator.post(f"/curator/labels/{label.id}/verify").status_code == 400
    assert labels(session)[0].status == LabelStatus.REQUESTED
    response = curator.post(f"/curator/labels/{label.id}/verify", data={"csrf_token": _token(page)})
    assert response.status_code == 303
    assert labels(session)[0].status == LabelStatus.VERIFIED


def test_reject_with_csrf_token(app, session, world):
    label = make_product_label(
        session, product=world.product_a, label_type=world.halal, status=LabelStatus.REQUESTED
    )
    session.commit()
    curator = _log_in(app, world.curator.email)
    token = _token(curator.get("/curator/labels").get_data(as_text=True))
    response = curator.post(f"/curator/labels/{label.id}/reject", data={"note": "Buram", "csrf_token": token})
    assert response.status_code == 303
    assert labels(session)[0].status == LabelStatus.REJECTED
