"""Questions as plain values for templates: text split in lines, Jakarta times, links, who may act."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import url_for

from marketplace.i18n import localized
from marketplace.questions.models import MAX_QUESTION, ProductQuestion
from marketplace.timezones import jakarta_time


def lines(text: str) -> list[str]:
    """Plain text as lines (templates print each escaped, with <br> between)."""
    return text.replace("\r\n", "\n").split("\n") if text else []


@dataclass(frozen=True)
class PublicQuestion:
    id: int
    lang: str
    body: list[str]
    asked: str
    answer: list[str]
    answered: str
    #: When the shop last corrected the answer ("" if never).
    edited: str
    #: Where a logged-in visitor reports it ("" for anonymous visitors: the page may be cached).
    report_url: str


@dataclass(frozen=True)
class ProductQuestions:
    """The questions section of a product page."""

    shop: str
    rows: list[PublicQuestion]
    #: The visitor's own questions still waiting (logged-in visitors only).
    waiting: list[PublicQuestion] = field(default_factory=list)
    #: A logged-in buyer gets the form; an anonymous visitor the login link; the shop a note.
    can_ask: bool = False
    own_shop: bool = False
    ask_url: str = ""
    login_url: str = ""
    #: A first-time visitor has no account to log in to: creating one comes back to the form too.
    register_url: str = ""
    seller_questions_url: str = ""
    max_length: int = MAX_QUESTION
    #: The page's path, where a report sends the visitor back.
    back: str = ""


def _public(question: ProductQuestion, lang: str, *, report: bool) -> PublicQuestion:
    return PublicQuestion(
        id=question.id,
        lang=question.lang,
        body=lines(question.body),
        asked=jakarta_time(question.asked_at, lang),
        answer=lines(question.answer),
        answered=jakarta_time(question.answered_at, lang) if question.answered_at else "",
        edited=_edited(question, lang),
        report_url=url_for("questions.report", question_id=question.id) if report else "",
    )


def product_questions(
    *,
    product_id: int,
    shop: str,
    answered: Sequence[ProductQuestion],
    waiting: Sequence[ProductQuestion],
    logged_in: bool,
    own_shop: bool,
    back: str,
    lang: str,
) -> ProductQuestions:
    ask_url = url_for("questions.ask", product_id=product_id)
    return ProductQuestions(
        shop=shop,
        rows=[_public(q, lang, report=logged_in) for q in answered],
        waiting=[_public(q, lang, report=False) for q in waiting],
        can_ask=logged_in and not own_shop,
        own_shop=own_shop,
        ask_url=ask_url,
        login_url=url_for("accounts.login", next=ask_url),
        register_url=url_for("accounts.register", next=ask_url),
        seller_questions_url=url_for("questions.seller_questions") if own_shop else "",
        back=back,
    )


def _edited(question: ProductQuestion, lang: str) -> str:
    return jakarta_time(question.answer_edited_at, lang) if question.answer_edited_at else ""


def seller_row(question: ProductQuestion, lang: str) -> dict:
    product = question.product
    return {
        "id": question.id,
        "product": localized(product, "title", lang),
        "product_url": url_for("storefront.product", product_id=product.id, slug=product.slug),
        "lang": question.lang,
        "body": lines(question.body),
        "asked": jakarta_time(question.asked_at, lang),
        "answer": lines(question.answer),
        "answered": jakarta_time(question.answered_at, lang) if question.answered_at else "",
        "edited": _edited(question, lang),
        "answer_url": url_for("questions.answer", question_id=question.id),
        "edit_url": url_for("questions.edit_answer", question_id=question.id),
        "report_url": url_for("questions.report", question_id=question.id),
    }


def curator_row(question: ProductQuestion, reasons: Sequence[str], lang: str) -> dict:
    product = question.product
    return {
        **seller_row(question, lang),
        "shop": product.seller.name,
        "reports": question.open_reports,
        "reasons": list(reasons),
        "hide_url": url_for("questions.hide", question_id=question.id),
        "keep_url": url_for("questions.keep", question_id=question.id),
    }
