"""A shop corrects its published answer: the page marks it edited, the asker is emailed, and a
correction made meanwhile in another tab is never silently replaced."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.email.models import OutboundEmail
from marketplace.errors import Conflict, NotFound, ValidationError
from marketplace.questions import services
from marketplace.questions.models import ProductQuestion
from marketplace.types import utcnow
from tests.factories import make_product, make_seller, make_user
from tests.login import logged_in_as


@pytest.fixture
def answered(session):
    """(owner, seller, product, buyer, question answered by the shop)."""
    owner = make_user(session, name="Siti")
    seller = make_seller(session, user_id=owner.id, name="Sanggar Kepuh")
    product = make_product(
        session, seller=seller, title_id="Kain Batik Gajah Oling", title_en="Gajah Oling Batik"
    )
    buyer = make_user(session, name="Ayu", locale="id")
    now = utcnow()
    question = services.ask_question(
        session, product, asker=buyer, body="Ada ukuran XL?", lang="id", asker_seller_ids=[], now=now
    )
    services.answer_question(
        session,
        question.id,
        seller_ids=[seller.id],
        author=owner,
        answer="Ada, Kak, lingkar dada 110 cm.",
        now=now,
    )
    session.commit()
    return owner, seller, product, buyer, question


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html).group(1)


def test_the_shop_corrects_its_answer_and_the_page_and_the_buyer_see_it(app, session, answered):
    owner, seller, product, buyer, question = answered
    page = f"/products/{product.id}-{product.slug}"
    seller_client = logged_in_as(app.test_client(), owner, lang="en")
    listing = seller_client.get("/seller/questions").get_data(as_text=True)
    assert "Correct the answer" in listing and "You can correct an answer later" in listing
    prefix = f"e{question.id}"
    previous = _hidden(listing, f"{prefix}-previous")
    assert previous == "Ada, Kak, lingkar dada 110 cm."

    url = f"/seller/questions/{question.id}/answer/edit"
    empty = seller_client.post(url, data={f"{prefix}-answer": " ", f"{prefix}-previous": previous})
    assert empty.status_code == 400 and "Write your answer." in empty.get_data(as_text=True)
    assert "<details open>" in empty.get_data(as_text=True)  # the refused form stays open

    fixed = {f"{prefix}-answer": "Ada, Kak, lingkar dada 112 cm.", f"{prefix}-previous": previous}
    response = seller_client.post(url, data=fixed)
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#answer-{question.id}")
    session.expire_all()
    stored = session.get(ProductQuestion, question.id)
    assert stored.answer == "Ada, Kak, lingkar dada 112 cm." and stored.answer_edited_at is not None

    public = app.test_client().get(page + "?lang=id").get_data(as_text=True)
    assert "lingkar dada 112 cm" in public and "110 cm" not in public and "diubah" in public
    english = app.test_client().get(page + "?lang=en").get_data(as_text=True)
    assert "edited" in english
    email = session.scalars(
        sa.select(OutboundEmail)
        .where(OutboundEmail.to_address == buyer.email)
        .order_by(OutboundEmail.id.desc())
    ).first()
    assert email.template == "question_answer_edited" and email.lang == "id"
    assert "112 cm" in email.body_text and "Sanggar Kepuh" in email.subject

    # Sending the same text again writes nothing and emails nobody.
    emails = session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail))
    same = {
        f"{prefix}-answer": "Ada, Kak, lingkar dada 112 cm.",
        f"{prefix}-previous": fixed[f"{prefix}-answer"],
    }
    assert seller_client.post(url, data=same).status_code == 303
    assert session.scalar(sa.select(sa.func.count()).select_from(OutboundEmail)) == emails


def test_a_correction_from_a_stale_tab_is_refused_and_shows_the_answer_as_it_is_now(app, session, answered):
    owner, seller, product, buyer, question = answered
    prefix = f"e{question.id}"
    url = f"/seller/questions/{question.id}/answer/edit"
    first_tab = logged_in_as(app.test_client(), owner, lang="en")
    second_tab = logged_in_as(app.test_client(), owner, lang="en")
    previous = _hidden(first_tab.get("/seller/questions").get_data(as_text=True), f"{prefix}-previous")
    _hidden(second_tab.get("/seller/questions").get_data(as_text=True), f"{prefix}-previous")

    ok = first_tab.post(url, data={f"{prefix}-answer": "Ada, 112 cm.", f"{prefix}-previous": previous})
    assert ok.status_code == 303
    stale = second_tab.post(url, data={f"{prefix}-answer": "Ada, 115 cm.", f"{prefix}-previous": previous})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "changed meanwhile" in html and "Ada, 112 cm." in html
    assert _hidden(html, f"{prefix}-previous") == "Ada, 112 cm."  # correcting again starts from it
    session.expire_all()
    assert session.get(ProductQuestion, question.id).answer == "Ada, 112 cm."


def test_only_the_shop_corrects_and_only_an_answered_visible_question(session, answered):
    owner, seller, product, buyer, question = answered
    other_owner = make_user(session)
    other_shop = make_seller(session, user_id=other_owner.id)
    now = utcnow()
    with pytest.raises(NotFound):
        services.edit_answer(
            session, question.id, seller_ids=[other_shop.id], answer="x", previous=question.answer, now=now
        )
    with pytest.raises(ValidationError):
        services.edit_answer(
            session, question.id, seller_ids=[seller.id], answer="x" * 2001, previous=question.answer, now=now
        )
    waiting = services.ask_question(
        session, product, asker=buyer, body="Bisa kirim ke Bali?", lang="id", asker_seller_ids=[], now=now
    )
    with pytest.raises(NotFound):  # nothing to correct yet: it is answered through the answer form
        services.edit_answer(session, waiting.id, seller_ids=[seller.id], answer="Bisa", previous="", now=now)
    with pytest.raises(Conflict):
        services.edit_answer(
            session, question.id, seller_ids=[seller.id], answer="Ada.", previous="not what it said", now=now
        )


def test_a_stranger_cannot_post_a_correction(app, session, answered):
    owner, seller, product, buyer, question = answered
    url = f"/seller/questions/{question.id}/answer/edit"
    prefix = f"e{question.id}"
    data = {f"{prefix}-answer": "Spam", f"{prefix}-previous": question.answer}
    stranger = make_user(session)
    other_shop = make_seller(session, user_id=stranger.id)
    session.commit()
    assert other_shop.id
    response = logged_in_as(app.test_client(), stranger, lang="en").post(url, data=data)
    assert response.status_code == 404
    session.expire_all()
    assert session.get(ProductQuestion, question.id).answer == "Ada, Kak, lingkar dada 110 cm."
