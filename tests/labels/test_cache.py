"""With the page cache on, verifying a label shows on the (cached) public page at once."""

from __future__ import annotations

import pytest

from marketplace.labels.models import LabelStatus
from tests.factories import make_product_label
from tests.labels.conftest import log_in


@pytest.fixture
def app_overrides(media_root):
    return {"MEDIA_ROOT": str(media_root), "PAGE_CACHE_ENABLED": True}


def test_verify_invalidates_cached_public_pages(app, session, world):
    label = make_product_label(
        session, product=world.product_a, label_type=world.halal, status=LabelStatus.REQUESTED,
        certificate_number="CACHED-CERT", evidence_key="private/label-evidence/cached.pdf",
    )  # fmt: skip
    session.commit()
    url = f"/products/{world.product_a.id}-{world.product_a.slug}"
    visitor = app.test_client()
    visitor.get(url)
    second = visitor.get(url)
    assert second.headers.get("X-Cache") == "HIT"
    assert "CACHED-CERT" not in second.get_data(as_text=True)

    curator = log_in(app.test_client(), world.curator.email)
    assert curator.post(f"/curator/labels/{label.id}/verify").status_code == 303
    assert "CACHED-CERT" in visitor.get(url).get_data(as_text=True)
