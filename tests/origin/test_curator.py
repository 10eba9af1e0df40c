"""Curators revoke (with a reason) and reinstate a product's tag: curators only, one effect per
decision, audited, and the public page says so at once, even with the page cache on."""

from __future__ import annotations

import pytest

from tests.origin.conftest import audit, give_tag, log_in, tags


def test_only_curators_reach_the_tags(app, session, world):
    tag = give_tag(session, world.product)
    assert app.test_client().get("/curator/origin-tags").status_code == 302  # to the login page
    seller = log_in(app.test_client(), world.owner)
    assert seller.get("/curator/origin-tags").status_code == 404
    assert seller.get(f"/curator/origin-tags/{tag.id}").status_code == 404
    assert seller.post(f"/curator/origin-tags/{tag.id}/revoke", data={"reason": "x"}).status_code == 404
    assert not tags(session)[0].is_revoked and audit(session, "origin_tag.revoke") == []


def test_revoke_needs_a_reason_is_audited_once_and_can_be_undone(app, session, world):
    tag = give_tag(session, world.product)
    other = give_tag(session, world.other_product)
    curator = log_in(app.test_client(), world.curator)
    listing = curator.get("/curator/origin-tags").get_data(as_text=True)
    assert "Gajah Oling hand-drawn" in listing and "Robusta coffee" in listing and "Origin tags" in listing

    refused = curator.post(f"/curator/origin-tags/{tag.id}/revoke", data={"reason": "  "})
    assert refused.status_code == 400 and "Write the reason" in refused.get_data(as_text=True)
    assert not tags(session)[0].is_revoked

    reason = "Tags copied onto machine-printed cloth at the Sunday market"
    assert curator.post(f"/curator/origin-tags/{tag.id}/revoke", data={"reason": reason}).status_code == 303
    again = curator.post(
        f"/curator/origin-tags/{tag.id}/revoke", data={"reason": "twice"}, follow_redirects=True
    )
    assert "already revoked" in again.get_data(as_text=True)
    [entry] = audit(session, "origin_tag.revoke")
    assert entry.actor_id == world.curator.id and entry.note == reason and entry.seller_id == world.seller.id
    assert entry.after == {"status": "revoked"}
    revoked, untouched = tags(session)
    assert revoked.revoke_reason == reason and revoked.revoked_by_id == world.curator.id
    assert not untouched.is_revoked
    assert reason in app.test_client().get(f"/t/{tag.code}").get_data(as_text=True)

    only_revoked = curator.get("/curator/origin-tags?state=revoked").get_data(as_text=True)
    assert "Gajah Oling hand-drawn" in only_revoked and "Robusta coffee" not in only_revoked
    assert "Gajah Oling" not in curator.get("/curator/origin-tags?q=kopi").get_data(as_text=True)
    assert "Robusta coffee" in curator.get(f"/curator/origin-tags?q={other.code}").get_data(as_text=True)

    assert (
        curator.post(f"/curator/origin-tags/{tag.id}/reinstate", data={"note": "Checked"}).status_code == 303
    )
    assert len(audit(session, "origin_tag.reinstate")) == 1
    assert not tags(session)[0].is_revoked
    assert "This tag was issued by" in app.test_client().get(f"/t/{tag.code}").get_data(as_text=True)


class TestWithThePageCache:
    @pytest.fixture
    def app_overrides(self):
        return {"PAGE_CACHE_ENABLED": True}

    def test_a_revocation_shows_on_the_next_scan(self, app, session, world):
        tag = give_tag(session, world.product)
        visitor = app.test_client()
        visitor.get(f"/t/{tag.code}")
        assert visitor.get(f"/t/{tag.code}").headers.get("X-Cache") is None
        curator = log_in(app.test_client(), world.curator)
        curator.post(f"/curator/origin-tags/{tag.id}/revoke", data={"reason": "Maker left the group"})
        assert "Maker left the group" in visitor.get(f"/t/{tag.code}").get_data(as_text=True)
