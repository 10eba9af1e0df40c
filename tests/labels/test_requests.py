"""Sellers ask for labels with evidence: good files are stored privately, hostile ones refused."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.catalogue.models import ProductStatus
from marketplace.errors import InvalidInput, ValidationError
from marketplace.labels import evidence as labels_evidence
from marketplace.labels import requests, review
from marketplace.labels.models import LabelStatus
from marketplace.media import get_storage
from marketplace.timezones import market_today
from marketplace.types import utcnow
from tests.factories import make_product_label
from tests.labels.conftest import MINIMAL_PDF, audit, labels, log_in, post_request, private_files
from tests.media import samples


def _future(days=200) -> str:
    return (market_today() + timedelta(days=days)).isoformat()


def test_request_with_a_pdf_is_stored_privately(app, session, world, media_root):
    client = log_in(app.test_client(), world.user_a.email)
    response = post_request(
        client, world.product_a.id, label_type_id=world.halal.id, certificate_number="ID3511000041234",
        valid_until=_future(), issuer="",
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/seller/labels")
    (label,) = labels(session)
    assert label.status == LabelStatus.REQUESTED
    assert label.product_id == world.product_a.id
    assert label.certificate_number == "ID3511000041234"
    assert label.issuer == "BPJPH"  # the type's usual issuer when left empty
    assert label.evidence_key.startswith("private/label-evidence/") and label.evidence_key.endswith(".pdf")
    assert "sertifikat" not in label.evidence_key  # never the uploader's name
    assert (media_root / label.evidence_key).read_bytes() == MINIMAL_PDF
    assert len(audit(session, "label.request")) == 1

    # The public media route never serves it, whatever the name.
    assert app.test_client().get("/media/" + label.evidence_key).status_code == 404
    page = client.get("/seller/labels").get_data(as_text=True)
    assert "Waiting for a curator" in page and "ID3511000041234" in page


def test_a_photo_is_re_encoded_without_metadata(app, session, world, media_root):
    client = log_in(app.test_client(), world.user_a.email)
    response = post_request(
        client, world.product_a.id, evidence=samples.jpeg_with_gps(), name="foto.jpg",
        label_type_id=world.halal.id, certificate_number="ID1",
    )  # fmt: skip
    assert response.status_code == 303
    (label,) = labels(session)
    assert label.evidence_key.endswith(".webp")
    stored = (media_root / label.evidence_key).read_bytes()
    assert stored[:4] == b"RIFF" and stored[8:12] == b"WEBP"
    assert samples.GPS_MAKER.encode() not in stored


HOSTILE = {
    "html_posing_as_pdf": (samples.HTML_AS_JPEG, "x.pdf", "PDF file or as a JPEG"),
    "svg": (samples.SVG, "x.svg", "PDF file or as a JPEG"),
    "html_with_jpeg_magic": (samples.HTML_WITH_JPEG_MAGIC, "x.jpg", "damaged or incomplete"),
    "oversized_pdf": (b"%PDF-1.4\n" + b"0" * labels_evidence.EVIDENCE_MAX_BYTES, "big.pdf", "at most 5 MB"),
    "empty": (b"", "x.pdf", "Attach the certificate"),
    # A few bytes whose header claims 50 megapixels: refused before a pixel is decoded.
    "header_says_50_megapixels": (samples.png_bomb(10_000, 5_000), "x.png", "too many pixels"),
    "truncated_png": (samples.truncated_png(), "x.png", "damaged or incomplete"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_evidence_is_refused_and_nothing_stored(app, session, world, media_root, case):
    data, name, message = HOSTILE[case]
    client = log_in(app.test_client(), world.user_a.email)
    response = post_request(
        client, world.product_a.id, evidence=data, name=name, label_type_id=world.halal.id,
        certificate_number="ID1", valid_until=_future(),
    )  # fmt: skip
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert labels(session) == []
    assert private_files(media_root) == []
    assert audit(session, "label.request") == []


def test_body_over_the_server_limit_shows_the_form_again(app, session, world, media_root):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    client = log_in(app.test_client(), world.user_a.email)
    response = post_request(
        client, world.product_a.id, evidence=b"%PDF-" + b"0" * (2 * 1024 * 1024), label_type_id=world.halal.id
    )
    assert response.status_code == 413
    assert "at most 5 MB" in response.get_data(as_text=True)
    assert labels(session) == [] and private_files(media_root) == []


def test_missing_and_wrong_fields_are_all_reported(app, session, world, media_root):
    client = log_in(app.test_client(), world.user_a.email)
    response = post_request(
        client, world.product_a.id, evidence=None, label_type_id=world.halal.id,
        valid_until=(market_today() - timedelta(days=1)).isoformat(),
    )  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the number printed on the certificate." in page
    assert "This date has passed" in page
    assert "Attach the certificate" in page
    assert labels(session) == []

    response = post_request(client, world.product_a.id, label_type_id="999999")
    assert response.status_code == 400 and "Choose the label" in response.get_data(as_text=True)
    assert labels(session) == [] and private_files(media_root) == []


def test_a_curator_given_label_needs_no_certificate(app, session, world):
    client = log_in(app.test_client(), world.user_a.email)
    response = post_request(client, world.product_a.id, evidence=None, label_type_id=world.handmade.id)
    assert response.status_code == 303
    (label,) = labels(session)
    assert label.evidence_key is None and label.valid_until is None


def test_another_sellers_product_is_404_and_nothing_stored(app, session, world, media_root):
    client = log_in(app.test_client(), world.user_a.email)
    assert client.get(f"/seller/products/{world.product_b.id}/labels/new").status_code == 404
    response = post_request(
        client,
        world.product_b.id,
        label_type_id=world.halal.id,
        certificate_number="X1",
        valid_until=_future(),
    )
    assert response.status_code == 404
    assert labels(session) == [] and private_files(media_root) == []
    # Posting a field the form does not offer (another shop's id) changes nothing either.
    response = post_request(
        client,
        world.product_a.id,
        label_type_id=world.halal.id,
        certificate_number="X1",
        seller_id=world.seller_b.id,
    )
    assert response.status_code == 303
    assert [label.product_id for label in labels(session)] == [world.product_a.id]


def test_buyers_and_anonymous_cannot_request(app, session, world):
    anonymous = app.test_client()
    response = post_request(
        anonymous, world.product_a.id, label_type_id=world.halal.id, certificate_number="X"
    )
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    buyer = log_in(app.test_client(), world.buyer.email)
    assert buyer.get("/seller/labels").status_code == 404
    response = post_request(buyer, world.product_a.id, label_type_id=world.halal.id, certificate_number="X")
    assert response.status_code == 404
    assert labels(session) == []


def _input(world, **overrides):
    values = {"label_type_id": world.halal.id, "certificate_number": "ID9", "valid_until": None}
    values.update(overrides)
    return requests.LabelRequestInput(**values)


def test_one_waiting_request_per_label_and_product_but_re_requests_are_new_rows(app, session, world):
    storage = get_storage(app)
    today = market_today()

    def ask():
        return requests.request_label(
            session, storage, product=world.product_a, data=_input(world), evidence=MINIMAL_PDF,
            actor=world.user_a, today=today, now=utcnow(),
        )  # fmt: skip

    first = ask()
    session.commit()
    with pytest.raises(InvalidInput) as refused:
        ask()
    assert "already waiting" in refused.value.errors["label_type_id"]
    session.rollback()

    assert review.decide_label(
        session, label=first, approve=False, curator=world.curator, note="Foto buram", now=utcnow()
    )
    session.commit()
    second = ask()  # after a rejection: a new request, the old one keeps its reason
    session.commit()
    assert second.id != first.id
    assert [(label.status, label.reviewer_note) for label in labels(session)] == [
        (LabelStatus.REJECTED, "Foto buram"),
        (LabelStatus.REQUESTED, ""),
    ]


def test_renewal_can_be_requested_while_the_label_is_still_valid(app, session, world):
    make_product_label(
        session,
        product=world.product_a,
        label_type=world.halal,
        valid_until=market_today() + timedelta(days=5),
    )
    session.commit()
    client = log_in(app.test_client(), world.user_a.email)
    page = client.get("/seller/labels").get_data(as_text=True)
    assert "Expires in 5 days" in page and "Send the renewed certificate" in page
    response = post_request(
        client,
        world.product_a.id,
        label_type_id=world.halal.id,
        certificate_number="NEW",
        valid_until=_future(700),
    )
    assert response.status_code == 303
    assert [label.status for label in labels(session)] == [LabelStatus.VERIFIED, LabelStatus.REQUESTED]


def test_archived_products_get_no_new_labels(app, session, world):
    world.product_a.status = ProductStatus.ARCHIVED
    session.commit()
    with pytest.raises(InvalidInput):
        requests.request_label(
            session, get_storage(app), product=world.product_a, data=_input(world), evidence=MINIMAL_PDF,
            actor=world.user_a, today=market_today(), now=utcnow(),
        )  # fmt: skip


def test_check_evidence_accepts_only_pdf_and_photos():
    assert labels_evidence.check_evidence(MINIMAL_PDF).content_type == "application/pdf"
    assert labels_evidence.check_evidence(samples.png_with_alpha()).content_type == "image/webp"
    for data in (samples.gif(), b"<?xml version='1.0'?><svg/>", b"MZ\x90\x00", b"PK\x03\x04zip"):
        with pytest.raises(ValidationError):
            labels_evidence.check_evidence(data)


def test_a_refused_request_and_label_type_are_named_at_the_top(app, session, world):
    seller = log_in(app.test_client(), world.user_a.email)
    response = post_request(seller, world.product_a.id, evidence=None, label_type_id=world.halal.id)
    page = response.get_data(as_text=True)
    box = page[page.index('id="error-summary"') : page.index("<form", page.index('id="error-summary"'))]
    assert 'href="#certificate_number"' in box and 'href="#evidence"' in box
    assert "Attach the certificate" in box

    curator = log_in(app.test_client(), world.curator.email)
    page = curator.post("/curator/label-types/new", data={"code": "Bad Code", "name_id": ""}).get_data(
        as_text=True
    )
    box = page[page.index('id="error-summary"') : page.index("<form", page.index('id="error-summary"'))]
    assert 'href="#code"' in box and 'href="#name_id"' in box
