"""Curators manage label types: list, create, edit; every change audited; bad input re-rendered."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.labels.models import LabelType
from tests.labels.conftest import audit, log_in

GOOD = {
    "code": "sni-batik",
    "name_id": "SNI Batik",
    "name_en": "SNI batik standard",
    "description_id": "Standar nasional batik.",
    "description_en": "National batik standard.",
    "issuer": "BSN",
    "requires_certificate": "y",
    "position": "5",
}


def _types(session) -> list[LabelType]:
    session.expire_all()
    return list(session.scalars(sa.select(LabelType).order_by(LabelType.id)))


def test_create_and_edit_a_label_type(app, session, world):
    curator = log_in(app.test_client(), world.curator.email)
    assert curator.get("/curator/label-types/new").status_code == 200
    response = curator.post("/curator/label-types/new", data=GOOD)
    assert response.status_code == 303
    created = _types(session)[-1]
    assert (created.code, created.issuer, created.requires_certificate, created.position) == (
        "sni-batik",
        "BSN",
        True,
        5,
    )
    (entry,) = audit(session, "label_type.create")
    assert entry.after["code"] == "sni-batik" and entry.actor_id == world.curator.id

    page = curator.get("/curator/label-types").get_data(as_text=True)
    assert "sni-batik" in page and "SNI batik standard" in page

    edit_url = f"/curator/label-types/{created.id}"
    form = curator.get(edit_url).get_data(as_text=True)
    assert 'value="sni-batik"' in form
    changed = {**GOOD, "name_en": "SNI batik", "requires_certificate": ""}
    assert curator.post(edit_url, data=changed).status_code == 303
    created = _types(session)[-1]
    assert created.name_en == "SNI batik" and created.requires_certificate is False
    (entry,) = audit(session, "label_type.update")
    assert entry.before == {"name_en": "SNI batik standard", "requires_certificate": True}
    assert entry.after == {"name_en": "SNI batik", "requires_certificate": False}

    assert curator.post(edit_url, data=changed).status_code == 303  # nothing changed: no audit row
    assert len(audit(session, "label_type.update")) == 1


def test_bad_input_is_re_rendered_and_nothing_saved(app, session, world):
    curator = log_in(app.test_client(), world.curator.email)
    before = [(t.id, t.code, t.name_en) for t in _types(session)]
    for data, message in (
        ({**GOOD, "code": "halal"}, "Another label type already uses this code."),
        ({**GOOD, "code": "Bad Code!"}, "lowercase letters"),
        ({**GOOD, "name_id": ""}, "This field is required."),
        ({**GOOD, "position": "lots"}, "Enter a whole number"),
    ):
        response = curator.post("/curator/label-types/new", data=data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True)
    response = curator.post(f"/curator/label-types/{world.handmade.id}", data={**GOOD, "code": "halal"})
    assert response.status_code == 400
    assert [(t.id, t.code, t.name_en) for t in _types(session)] == before
    assert audit(session, "label_type.create") == [] and audit(session, "label_type.update") == []


def test_only_curators_manage_label_types(app, session, world):
    for email in (world.user_a.email, world.buyer.email):
        client = log_in(app.test_client(), email)
        assert client.get("/curator/label-types").status_code == 404
        assert client.post("/curator/label-types/new", data=GOOD).status_code == 404
        assert client.post(f"/curator/label-types/{world.halal.id}", data=GOOD).status_code == 404
    assert app.test_client().get("/curator/label-types").status_code == 302
    curator = log_in(app.test_client(), world.curator.email)
    assert curator.get("/curator/label-types/987654").status_code == 404
    assert len(_types(session)) == 2 and _types(session)[0].code == "halal"
