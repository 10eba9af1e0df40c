"""Questions on a product: a logged-in buyer asks, only the product's shop answers (once), answered
questions are public, anyone logged in reports, curators hide with a reason the asker is told."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.email.models import OutboundEmail
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.questions import services
from marketplace.questions.models import ProductQuestion, QuestionReport
from marketplace.types import utcnow
from tests.factories import make_product, make_seller, make_user
from tests.login import logged_in_as


def _emails(session, address: str) -> list[OutboundEmail]:
    return list(
        session.scalars(
            sa.select(OutboundEmail).where(OutboundEmail.to_address == address).order_by(OutboundEmail.id)
        )
    )


@pytest.fixture
def shop(session):
    """(owner, shop, product, buyer, curator)."""
    owner = make_user(session, name="Siti")
    seller = make_seller(session, user_id=owner.id, name="Sanggar Kepuh")
    product = make_product(
        session, seller=seller, title_id="Kain Batik Gajah Oling", title_en="Gajah Oling Batik"
    )
    buyer = make_user(session, name="Ayu", locale="id")
    curator = make_user(session, is_curator=True)
    session.commit()
    return owner, seller, product, buyer, curator


def test_ask_answer_report_hide_through_the_pages(app, session, shop):
    owner, seller, product, buyer, curator = shop
    page = f"/products/{product.id}-{product.slug}"
    ask_url = f"/products/{product.id}/questions"

    # Anonymous visitors are sent to log in, and come back to the question form.
    anonymous = app.test_client()
    assert "Log in to ask the maker a question" in anonymous.get(page).get_data(as_text=True)
    assert anonymous.post(ask_url, data={"body": "Ada ukuran XL?"}).status_code == 302
    assert session.scalar(sa.select(sa.func.count()).select_from(ProductQuestion)) == 0

    buyer_client = logged_in_as(app.test_client(), buyer, lang="id")
    assert 'action="' + ask_url + '"' in buyer_client.get(page).get_data(as_text=True)
    too_short = buyer_client.post(ask_url, data={"body": " ok "})
    assert too_short.status_code == 400
    assert "minimal 5 karakter" in too_short.get_data(as_text=True)
    response = buyer_client.post(ask_url, data={"body": "Apakah warnanya luntur?\n\nBagaimana mencucinya?"})
    assert response.status_code == 303 and response.headers["Location"].endswith("#questions")
    question = session.scalars(sa.select(ProductQuestion)).one()
    assert (question.seller_id, question.asker_id, question.lang) == (seller.id, buyer.id, "id")
    # Not public until answered; the asker sees it waiting.
    assert "Apakah warnanya luntur?" not in anonymous.get(page).get_data(as_text=True)
    assert "Pertanyaan Anda yang menunggu jawaban" in buyer_client.get(page).get_data(as_text=True)

    # The shop sees it with a count in its menu, and answers once.
    seller_client = logged_in_as(app.test_client(), owner, lang="en")
    listing = seller_client.get("/seller/questions").get_data(as_text=True)
    assert "Waiting for your answer (1)" in listing and "Apakah warnanya luntur?" in listing
    assert "Questions from buyers" in listing
    # The dashboard names it among what waits, as the menu's count adds it.
    assert re.search(
        r"Questions from buyers</a>: 1 to answer", seller_client.get("/seller/").get_data(as_text=True)
    )
    answer_url = f"/seller/questions/{question.id}/answer"
    field = f"q{question.id}-answer"
    assert seller_client.post(answer_url, data={field: "  "}).status_code == 400
    assert seller_client.post(answer_url, data={field: "Tidak luntur, Kak."}).status_code == 303
    assert seller_client.post(answer_url, data={field: "Second answer"}).status_code == 303  # refused, told
    session.expire_all()
    assert session.get(ProductQuestion, question.id).answer == "Tidak luntur, Kak."
    (email,) = _emails(session, buyer.email)
    assert email.lang == "id" and "Sanggar Kepuh menjawab pertanyaan Anda" in email.subject
    assert "Tidak luntur, Kak." in email.body_text and f"{page}#questions" in email.body_text

    # Public now, for everyone (the anonymous page has no report button).
    public = anonymous.get(page).get_data(as_text=True)
    assert "Tidak luntur, Kak." in public and "Apakah warnanya luntur?" in public
    assert f"/questions/{question.id}/report" not in public

    # Anyone logged in reports it, once; the curators see it, with a count in their menu.
    stranger = make_user(session)
    session.commit()
    stranger_client = logged_in_as(app.test_client(), stranger, lang="en")
    assert f"/questions/{question.id}/report" in stranger_client.get(page).get_data(as_text=True)
    report = {"reason": "Spam link", "next": page}
    assert stranger_client.post(f"/questions/{question.id}/report", data=report).status_code == 303
    assert stranger_client.post(f"/questions/{question.id}/report", data=report).status_code == 303
    assert session.scalar(sa.select(sa.func.count()).select_from(QuestionReport)) == 1
    assert stranger_client.get("/curator/questions").status_code == 404
    curator_client = logged_in_as(app.test_client(), curator, lang="en")
    console = curator_client.get("/curator/questions").get_data(as_text=True)
    assert "Spam link" in console and "1 report" in console and "Reported questions" in console

    hide_url = f"/curator/questions/{question.id}/hide"
    assert curator_client.post(hide_url, data={f"q{question.id}-reason": ""}).status_code == 400
    assert stranger_client.post(hide_url, data={f"q{question.id}-reason": "x"}).status_code == 404
    assert curator_client.post(hide_url, data={f"q{question.id}-reason": "Tautan iklan."}).status_code == 303
    assert "Tidak luntur, Kak." not in anonymous.get(page).get_data(as_text=True)
    assert "No reported questions." in curator_client.get("/curator/questions").get_data(as_text=True)
    hidden_email = _emails(session, buyer.email)[-1]
    assert hidden_email.template == "question_hidden" and "Tautan iklan." in hidden_email.body_text


def test_only_the_products_shop_answers_and_only_once(session, shop):
    owner, seller, product, buyer, curator = shop
    other_owner = make_user(session)
    other_shop = make_seller(session, user_id=other_owner.id)
    now = utcnow()
    question = services.ask_question(
        session, product, asker=buyer, body="Can it ship to Japan?", lang="en", asker_seller_ids=[], now=now
    )
    # The shop cannot ask about its own product.
    with pytest.raises(ValidationError):
        services.ask_question(
            session,
            product,
            asker=owner,
            body="Ask myself?",
            lang="id",
            asker_seller_ids=[seller.id],
            now=now,
        )
    with pytest.raises(NotFound):
        services.answer_question(
            session, question.id, seller_ids=[other_shop.id], author=other_owner, answer="Yes", now=now
        )
    services.answer_question(
        session, question.id, seller_ids=[seller.id], author=owner, answer="Yes, by EMS.", now=now
    )
    with pytest.raises(Conflict):
        services.answer_question(
            session, question.id, seller_ids=[seller.id], author=owner, answer="No", now=now
        )
    session.commit()
    assert session.get(ProductQuestion, question.id).answer == "Yes, by EMS."
    # A buyer with three questions waiting on one product waits for answers first.
    for n in range(3):
        services.ask_question(
            session,
            product,
            asker=buyer,
            body=f"Question number {n}",
            lang="en",
            asker_seller_ids=[],
            now=now,
        )
    with pytest.raises(ValidationError):
        services.ask_question(
            session, product, asker=buyer, body="One more?", lang="en", asker_seller_ids=[], now=now
        )
    # Only curators hide; a hidden question is no longer the shop's to answer.
    waiting = services.list_seller_questions(session, [seller.id])[0]
    with pytest.raises(PermissionDenied):
        services.hide_question(session, waiting[0].id, curator=buyer, reason="no", now=now)
    services.hide_question(session, waiting[0].id, curator=curator, reason="Duplicate.", now=now)
    with pytest.raises(Conflict):
        services.hide_question(session, waiting[0].id, curator=curator, reason="Again.", now=now)
    with pytest.raises(NotFound):
        services.answer_question(
            session, waiting[0].id, seller_ids=[seller.id], author=owner, answer="x", now=now
        )
    assert len(services.list_seller_questions(session, [seller.id])[0]) == 2
    # Unanswered questions are not public: only their shop may report one.
    with pytest.raises(NotFound):
        services.report_question(
            session, waiting[1], reporter=buyer, reason="", reporter_seller_ids=[], now=now
        )
    assert services.report_question(
        session, waiting[1], reporter=owner, reason="Rude", reporter_seller_ids=[seller.id], now=now
    )


def test_the_product_page_reads_questions_in_a_fixed_number_of_queries(app, session, shop, count_queries):
    owner, seller, product, buyer, _curator = shop
    page = f"/products/{product.id}-{product.slug}"
    now = utcnow()

    def add_answered(count: int) -> None:
        for n in range(count):
            question = services.ask_question(
                session, product, asker=make_user(session), body=f"Pertanyaan {n}", lang="id",
                asker_seller_ids=[], now=now,
            )  # fmt: skip
            services.answer_question(
                session, question.id, seller_ids=[seller.id], author=owner, answer=f"Jawaban {n}", now=now
            )
        session.commit()

    def counts() -> tuple[int, int]:
        result = []
        for client in (app.test_client(), logged_in_as(app.test_client(), buyer)):
            client.get(page)
            with count_queries() as counter:
                assert client.get(page).status_code == 200
            result.append(counter.count)
        return tuple(result)

    add_answered(1)
    small = counts()
    add_answered(15)
    assert counts() == small
    assert "Jawaban 14" in app.test_client().get(page).get_data(as_text=True)


def test_a_logged_in_visitors_questions_load_in_one_statement_as_in_two(session, shop, count_queries):
    from datetime import timedelta

    owner, seller, product, buyer, _curator = shop
    other = make_user(session)
    now = utcnow()

    def question(asker, minutes: int, *, answered: bool = False, hidden: bool = False) -> ProductQuestion:
        row = ProductQuestion(
            product_id=product.id,
            seller_id=seller.id,
            asker_id=asker.id,
            body=f"question {minutes}",
            asked_at=now - timedelta(minutes=minutes),
            answer="yes" if answered else "",
            answered_at=now - timedelta(minutes=minutes - 1) if answered else None,
            hidden_at=now if hidden else None,
        )
        session.add(row)
        return row

    for minutes in range(10, 10 + services.PUBLIC_LIMIT + 3):  # more answered than a page shows
        question(other if minutes % 2 else buyer, minutes, answered=True)
    question(buyer, 3)
    question(buyer, 2)
    question(buyer, 4, hidden=True)
    question(other, 1)  # someone else's, waiting: not shown to the buyer
    question(other, 5, answered=True, hidden=True)
    session.commit()
    product_id, buyer_id = product.id, buyer.id

    with count_queries() as counter:
        answered, waiting = services.list_product_questions(session, product_id, asker_id=buyer_id)
    assert counter.count == 1
    assert [q.id for q in answered] == [q.id for q in services.list_public_questions(session, product_id)]
    assert len(answered) == services.PUBLIC_LIMIT
    assert [q.id for q in waiting] == [
        q.id for q in services.list_waiting_for_asker(session, product_id, buyer_id)
    ]
    assert [q.body for q in waiting] == ["question 3", "question 2"]
