"""With the page cache on, an answer, a hiding and a WhatsApp opt-in show on the very next request,
and a logged-in visitor's question form never reaches an anonymous visitor's cached copy."""

from __future__ import annotations

import re

import pytest

from marketplace.questions import services
from marketplace.seller.whatsapp import set_whatsapp
from marketplace.types import utcnow
from tests.factories import make_product, make_seller, make_user
from tests.login import logged_in_as


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)


@pytest.fixture
def app_overrides() -> dict:
    return {"PAGE_CACHE_ENABLED": True}


def test_cached_product_page_follows_questions_and_contact(app, session):
    owner = make_user(session)
    shop = make_seller(session, user_id=owner.id)
    product = make_product(session, seller=shop)
    buyer, curator = make_user(session), make_user(session, is_curator=True)
    session.commit()
    page = f"/products/{product.id}-{product.slug}"
    anonymous = app.test_client()
    logged_in_as(app.test_client(), buyer).get(page)  # rendered with the form first: never stored
    first = anonymous.get(page).get_data(as_text=True)
    assert "Log in to ask the maker a question" in first and 'name="body"' not in first
    again = anonymous.get(page)
    # From the cache: the same page, each form with a token of this request (timed to the second).
    assert again.headers["X-Cache"] == "HIT"
    assert _without_tokens(again.get_data(as_text=True)) == _without_tokens(first)

    now = utcnow()
    question = services.ask_question(
        session, product, asker=buyer, body="Ukuran kainnya berapa?", lang="id", asker_seller_ids=[], now=now
    )
    services.answer_question(
        session, question.id, seller_ids=[shop.id], author=owner, answer="2 x 1,15 m.", now=now
    )
    set_whatsapp(session, shop, number="0812 3456 7890", publish=True)
    session.commit()
    html = anonymous.get(page).get_data(as_text=True)
    assert "2 x 1,15 m." in html and "https://wa.me/6281234567890?text=" in html

    services.edit_answer(
        session, question.id, seller_ids=[shop.id], answer="2 x 1,10 m.", previous="2 x 1,15 m.", now=now
    )
    session.commit()
    html = anonymous.get(page).get_data(as_text=True)
    assert "2 x 1,10 m." in html and "2 x 1,15 m." not in html

    services.hide_question(session, question.id, curator=curator, reason="Tes.", now=now)
    session.commit()
    assert "2 x 1,10 m." not in anonymous.get(page).get_data(as_text=True)
