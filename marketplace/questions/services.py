"""Questions on a product: a logged-in buyer asks, the product's shop answers once, answered
questions are public; anyone logged in reports one, a curator hides it with a reason.

Every function takes the session first, raises marketplace.errors and only flushes: the view
commits once. Access is by shop ids, as in the seller area: the accounts running the product's shop
(`accounts.access.user_seller_ids`) answer; to anyone else the question is NotFound.
Emails (the asker's answer, the asker told of a hiding) are queued in the same transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from marketplace.accounts.models import User
from marketplace.audit.services import record_action
from marketplace.catalogue.models import Product
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.i18n import localized
from marketplace.i18n import message as _l
from marketplace.questions.models import (
    MAX_ANSWER,
    MAX_QUESTION,
    MIN_QUESTION,
    ProductQuestion,
    QuestionReport,
)
from marketplace.seller.visibility import public_products_filter

#: Questions one account may have waiting on one product: enough to ask, too few to flood a shop.
MAX_WAITING_PER_ASKER = 3
#: Answered questions shown on a product page (newest answers first).
PUBLIC_LIMIT = 20
MAX_REPORT_REASON = 500
MAX_HIDE_REASON = 1000


# --- reading ---------------------------------------------------------------------------------


def get_public_product(session: Session, product_id: int) -> Product:
    """A product the public may see (active, approved shop); NotFound otherwise."""
    product = session.scalar(sa.select(Product).where(Product.id == product_id, public_products_filter()))
    if product is None:
        raise NotFound("No such product.")
    return product


def list_public_questions(session: Session, product_id: int, *, limit: int = PUBLIC_LIMIT):
    """The product's answered, visible questions, newest answer first: one query."""
    return list(
        session.scalars(
            sa.select(ProductQuestion)
            .where(
                ProductQuestion.product_id == product_id,
                ProductQuestion.answered_at.is_not(None),
                ProductQuestion.hidden_at.is_(None),
            )
            .order_by(ProductQuestion.answered_at.desc(), ProductQuestion.id.desc())
            .limit(limit)
        )
    )


def list_product_questions(
    session: Session, product_id: int, *, asker_id: int, limit: int = PUBLIC_LIMIT
) -> tuple[list[ProductQuestion], list[ProductQuestion]]:
    """(`list_public_questions`, `list_waiting_for_asker`) in one statement, for a logged-in visitor.

    A window ranks the answered questions (newest answer first) apart from the asker's own waiting
    ones; `limit` of the first are kept, all of the second.
    """
    answered = ProductQuestion.answered_at.is_not(None)
    ranked = (
        sa.select(
            ProductQuestion.id.label("id"),
            sa.func.row_number()
            .over(
                partition_by=answered,
                order_by=(ProductQuestion.answered_at.desc(), ProductQuestion.id.desc()),
            )
            .label("rank"),
        )
        .where(
            ProductQuestion.product_id == product_id,
            ProductQuestion.hidden_at.is_(None),
            sa.or_(answered, ProductQuestion.asker_id == asker_id),
        )
        .subquery()
    )
    found = session.scalars(
        sa.select(ProductQuestion)
        .join(ranked, ranked.c.id == ProductQuestion.id)
        .where(sa.or_(ranked.c.rank <= limit, ProductQuestion.answered_at.is_(None)))
    ).all()
    public = sorted(
        (q for q in found if q.answered_at is not None), key=lambda q: (q.answered_at, q.id), reverse=True
    )
    waiting = sorted((q for q in found if q.answered_at is None), key=lambda q: q.id)
    return public, waiting


def list_waiting_for_asker(session: Session, product_id: int, asker_id: int) -> list[ProductQuestion]:
    """The asker's own questions on this product that wait for an answer (shown only to them)."""
    return list(session.scalars(_waiting_for_asker(), {"product_id": product_id, "asker_id": asker_id}))


@cache  # built once, values bound at execution: read on every product page a logged-in visitor opens
def _waiting_for_asker() -> sa.Select:
    return (
        sa.select(ProductQuestion)
        .where(
            ProductQuestion.product_id == sa.bindparam("product_id"),
            ProductQuestion.asker_id == sa.bindparam("asker_id"),
            ProductQuestion.answered_at.is_(None),
            ProductQuestion.hidden_at.is_(None),
        )
        .order_by(ProductQuestion.id)
    )


def list_seller_questions(
    session: Session, seller_ids: Sequence[int], *, answered_limit: int = 20
) -> tuple[list[ProductQuestion], list[ProductQuestion]]:
    """(waiting oldest first, the latest answered) of these shops' visible questions: two queries."""
    if not seller_ids:
        return [], []
    base = (
        sa.select(ProductQuestion)
        .options(joinedload(ProductQuestion.product))
        .where(ProductQuestion.seller_id.in_(list(seller_ids)), ProductQuestion.hidden_at.is_(None))
    )
    waiting = session.scalars(
        base.where(ProductQuestion.answered_at.is_(None)).order_by(
            ProductQuestion.asked_at, ProductQuestion.id
        )
    )
    answered = session.scalars(
        base.where(ProductQuestion.answered_at.is_not(None))
        .order_by(ProductQuestion.answered_at.desc(), ProductQuestion.id.desc())
        .limit(answered_limit)
    )
    return list(waiting), list(answered)


def waiting_count_select(seller_ids: sa.BindParameter | Sequence[int]) -> sa.ScalarSelect:
    """`SELECT count(*)` of the shops' visible questions still to answer, as a scalar subquery."""
    return (
        sa.select(sa.func.count())
        .select_from(ProductQuestion)
        .where(
            ProductQuestion.seller_id.in_(seller_ids),
            ProductQuestion.answered_at.is_(None),
            ProductQuestion.hidden_at.is_(None),
        )
        .scalar_subquery()
    )


def reported_count_select() -> sa.ScalarSelect:
    """`SELECT count(*)` of visible questions with open reports, as a scalar subquery (curator menu)."""
    return (
        sa.select(sa.func.count())
        .select_from(ProductQuestion)
        .where(ProductQuestion.open_reports > 0, ProductQuestion.hidden_at.is_(None))
        .scalar_subquery()
    )


def list_reported(session: Session) -> list[ProductQuestion]:
    """Visible questions with reports no curator has looked at, most reported first: one query."""
    return list(
        session.scalars(
            sa.select(ProductQuestion)
            .options(joinedload(ProductQuestion.product).joinedload(Product.seller))
            .where(ProductQuestion.open_reports > 0, ProductQuestion.hidden_at.is_(None))
            .order_by(ProductQuestion.open_reports.desc(), ProductQuestion.id)
        )
    )


def report_reasons(session: Session, question_ids: Sequence[int]) -> dict[int, list[str]]:
    """{question id: the reasons its reporters gave (non-empty ones)}: one query."""
    if not question_ids:
        return {}
    reasons: dict[int, list[str]] = {question_id: [] for question_id in question_ids}
    rows = session.execute(
        sa.select(QuestionReport.question_id, QuestionReport.reason)
        .where(QuestionReport.question_id.in_(list(question_ids)), QuestionReport.reason != "")
        .order_by(QuestionReport.id)
    )
    for question_id, reason in rows:
        reasons[question_id].append(reason)
    return reasons


def get_question(session: Session, question_id: int) -> ProductQuestion:
    question = session.get(ProductQuestion, question_id)
    if question is None:
        raise NotFound("No such question.")
    return question


# --- asking ----------------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    # Lines kept (a question may list sizes), trailing spaces and blank runs dropped.
    lines = [line.rstrip() for line in (text or "").strip().splitlines()]
    cleaned: list[str] = []
    for line in lines:
        if line or (cleaned and cleaned[-1]):
            cleaned.append(line)
    return "\n".join(cleaned)


def ask_question(
    session: Session,
    product: Product,
    *,
    asker: User,
    body: str,
    lang: str,
    asker_seller_ids: Sequence[int],
    now: datetime,
) -> ProductQuestion:
    """Record `asker`'s question on a public product, for its shop to answer.

    Raises ValidationError (field "body") for a question shorter than MIN_QUESTION or longer than
    MAX_QUESTION characters, when the asker runs the product's shop, or when MAX_WAITING_PER_ASKER
    of their questions on it already wait.
    """
    text = _clean(body)
    if len(text) < MIN_QUESTION:
        raise ValidationError(str(_l("Write your question (at least 5 characters).")), field="body")
    if len(text) > MAX_QUESTION:
        raise ValidationError(
            str(_l("The question is too long (%(max)d characters at most).", max=MAX_QUESTION)), field="body"
        )
    if product.seller_id in set(asker_seller_ids):
        raise ValidationError(str(_l("This is your own shop's product: buyers ask here.")), field="body")
    waiting = session.scalar(
        sa.select(sa.func.count())
        .select_from(ProductQuestion)
        .where(
            ProductQuestion.product_id == product.id,
            ProductQuestion.asker_id == asker.id,
            ProductQuestion.answered_at.is_(None),
            ProductQuestion.hidden_at.is_(None),
        )
    )
    if waiting >= MAX_WAITING_PER_ASKER:
        raise ValidationError(
            str(_l("You already have %(num)d questions waiting for the maker's answer.", num=waiting)),
            field="body",
        )
    question = ProductQuestion(
        product_id=product.id,
        seller_id=product.seller_id,
        asker_id=asker.id,
        lang=lang if lang in ("id", "en") else "id",
        body=text,
        asked_at=now,
    )
    session.add(question)
    session.flush()
    return question


# --- answering -------------------------------------------------------------------------------


def answer_question(
    session: Session,
    question_id: int,
    *,
    seller_ids: Sequence[int],
    author: User,
    answer: str,
    now: datetime,
) -> ProductQuestion:
    """The product's shop answers, once; the answer is public at once and the asker is emailed.

    Raises NotFound when the question is not one of `seller_ids`' shops' (or was hidden),
    ValidationError (field "answer") for an empty or too long answer, Conflict when it was
    answered already — by a conditional UPDATE, so two answers sent at once make one.
    """
    question = _shop_question(session, question_id, seller_ids)
    text = _answer_text(answer)
    updated = session.execute(
        sa.update(ProductQuestion)
        .where(
            ProductQuestion.id == question.id,
            ProductQuestion.answered_at.is_(None),
            ProductQuestion.hidden_at.is_(None),
        )
        .values(answer=text, answered_at=now, answered_by_id=author.id)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        raise Conflict(str(_l("This question was already answered.")), field="answer")
    session.refresh(question)
    _tell_asker(session, question, template="question_answered")
    return question


def edit_answer(
    session: Session,
    question_id: int,
    *,
    seller_ids: Sequence[int],
    answer: str,
    previous: str,
    now: datetime,
) -> ProductQuestion | None:
    """The product's shop corrects its published answer; the page marks it edited and the asker is
    emailed the new text. `previous` is the answer the shop's form showed: when it no longer is
    the answer (changed in another tab, or by someone else running the shop) nothing is written and
    Conflict is raised, so no correction silently replaces another. Returns None when the text is
    unchanged (nothing written).

    Raises NotFound (not these shops' question, hidden, or not answered yet) and ValidationError
    (field "answer") as `answer_question` does.
    """
    question = _shop_question(session, question_id, seller_ids)
    if question.answered_at is None:
        raise NotFound("No such answer.")
    text = _answer_text(answer)
    if text == question.answer and text == _clean(previous):
        return None
    updated = session.execute(
        sa.update(ProductQuestion)
        .where(
            ProductQuestion.id == question.id,
            ProductQuestion.answer == _clean(previous),
            ProductQuestion.answered_at.is_not(None),
            ProductQuestion.hidden_at.is_(None),
        )
        .values(answer=text, answer_edited_at=now)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        raise Conflict(
            str(
                _l(
                    "This answer was changed meanwhile, in another tab or by someone else in your shop. "
                    "It now reads as shown below: correct it again if needed."
                )
            ),
            field="answer",
        )
    session.refresh(question)
    _tell_asker(session, question, template="question_answer_edited")
    return question


def _shop_question(session: Session, question_id: int, seller_ids: Sequence[int]) -> ProductQuestion:
    question = session.get(ProductQuestion, question_id)
    if question is None or question.seller_id not in set(seller_ids) or question.hidden_at is not None:
        raise NotFound("No such question.")
    return question


def _answer_text(answer: str) -> str:
    text = _clean(answer)
    if not text:
        raise ValidationError(str(_l("Write your answer.")), field="answer")
    if len(text) > MAX_ANSWER:
        raise ValidationError(
            str(_l("The answer is too long (%(max)d characters at most).", max=MAX_ANSWER)), field="answer"
        )
    return text


# --- moderation ------------------------------------------------------------------------------


def report_question(
    session: Session,
    question: ProductQuestion,
    *,
    reporter: User,
    reason: str,
    reporter_seller_ids: Sequence[int],
    now: datetime,
) -> bool:
    """Put a question before the curators; False when this account had reported it already.

    Anyone logged in reports a public (answered) question; an unanswered one is seen only by its
    shop, so only its shop reports it (NotFound for anyone else, and for a hidden question).
    A report raced by the same account's second one is refused by the UNIQUE constraint
    (IntegrityError for the view).
    """
    public = question.answered_at is not None
    if question.hidden_at is not None or not (public or question.seller_id in set(reporter_seller_ids)):
        raise NotFound("No such question.")
    text = " ".join((reason or "").split())
    if len(text) > MAX_REPORT_REASON:
        raise ValidationError(
            str(_l("The reason is too long (%(max)d characters at most).", max=MAX_REPORT_REASON)),
            field="reason",
        )
    already = session.scalar(
        sa.select(QuestionReport.id).where(
            QuestionReport.question_id == question.id, QuestionReport.reporter_id == reporter.id
        )
    )
    if already is not None:
        return False
    session.add(
        QuestionReport(question_id=question.id, reporter_id=reporter.id, reason=text, reported_at=now)
    )
    session.execute(
        sa.update(ProductQuestion)
        .where(ProductQuestion.id == question.id)
        .values(open_reports=ProductQuestion.open_reports + 1)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return True


def hide_question(
    session: Session, question_id: int, *, curator: User, reason: str, now: datetime
) -> ProductQuestion:
    """A curator takes a question (and its answer) off the product page and the shop's list.

    The asker is emailed the reason; the decision is in the audit log. Raises PermissionDenied for
    a non-curator, ValidationError (field "reason") without a reason, Conflict when it is hidden
    already (a conditional UPDATE: two curators at once hide it once).
    """
    if not curator.is_curator:
        raise PermissionDenied("Only curators hide questions.")
    question = get_question(session, question_id)
    text = _clean(reason)
    if not text:
        raise ValidationError(str(_l("Say why the question is hidden: the asker reads it.")), field="reason")
    if len(text) > MAX_HIDE_REASON:
        raise ValidationError(
            str(_l("The reason is too long (%(max)d characters at most).", max=MAX_HIDE_REASON)),
            field="reason",
        )
    updated = session.execute(
        sa.update(ProductQuestion)
        .where(ProductQuestion.id == question.id, ProductQuestion.hidden_at.is_(None))
        .values(hidden_at=now, hidden_reason=text, hidden_by_id=curator.id, open_reports=0)
        .execution_options(synchronize_session=False)
    )
    if updated.rowcount != 1:
        raise Conflict(str(_l("This question was already hidden.")))
    session.refresh(question)
    record_action(
        session,
        actor=curator,
        action="question.hide",
        target_type="product_question",
        target_id=question.id,
        target_label=question.body[:80],
        seller_id=question.seller_id,
        after={"hidden": True},
        note=text,
    )
    _tell_asker(session, question, template="question_hidden")
    return question


def keep_question(session: Session, question_id: int, *, curator: User, now: datetime) -> ProductQuestion:
    """A curator read the reports and keeps the question public: its reports stop waiting."""
    if not curator.is_curator:
        raise PermissionDenied("Only curators decide on reports.")
    question = get_question(session, question_id)
    if question.open_reports:
        question.open_reports = 0
        record_action(
            session,
            actor=curator,
            action="question.keep",
            target_type="product_question",
            target_id=question.id,
            target_label=question.body[:80],
            seller_id=question.seller_id,
        )
        session.flush()
    return question


def _tell_asker(session: Session, question: ProductQuestion, *, template: str) -> None:
    asker = question.asker
    if asker is None or not asker.email:
        return
    lang = asker.locale if asker.locale in ("id", "en") else "id"
    product = question.product
    path_args = {"product_id": product.id, "slug": product.slug}
    if lang == "en":
        path_args["lang"] = "en"
    title = localized(product, "title", lang)
    send_email(
        session,
        to=asker.email,
        template=template,
        lang=lang,
        context={
            "name": asker.name,
            "product": title,
            "shop": product.seller.name,
            "question": question.body,
            "answer": question.answer,
            "reason": question.hidden_reason,
            "link": external_url("storefront.product", **path_args) + "#questions",
        },
    )
