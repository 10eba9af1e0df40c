"""Reviews: the gate (a completed line of the buyer's own), once per line, photos, the shop's one
reply, reports, hiding with the reviewer's email, and the product's counters through all of it."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.catalogue.models import Product
from marketplace.email.models import OutboundEmail
from marketplace.errors import Conflict, NotFound, ValidationError
from marketplace.media.storage import get_storage
from marketplace.reviews.models import Review
from tests.factories import make_user
from tests.login import logged_in_as
from tests.reviews.helpers import delivered_order, jpeg, write_review

_review = write_review


def _counters(session, product_id):
    session.expire_all()
    product = session.get(Product, product_id)
    return product.rating_count, product.rating_sum, product.units_sold


def test_only_the_buyer_of_a_completed_line_reviews_it_once(app, session):
    buyer, _owner, _order, line = delivered_order(session, delivered=False)
    stranger = make_user(session)
    session.commit()
    # Shipped but not arrived: refused, and no units sold yet.
    with pytest.raises(ValidationError):
        _review(app, session, line, buyer)
    assert _counters(session, line.product_id) == (0, 0, 0)

    buyer, _owner, order, line = delivered_order(session)
    assert _counters(session, line.product_id) == (0, 0, 2)  # the delivery counted the units
    with pytest.raises(NotFound):
        _review(app, session, line, stranger)
    review = _review(app, session, line, buyer, rating=4)
    assert (review.rating, review.lang, review.author_name) == (4, "id", "Siti")
    assert _counters(session, line.product_id) == (1, 4, 2)
    with pytest.raises(Conflict):
        _review(app, session, line, buyer, rating=1)
    assert _counters(session, line.product_id) == (1, 4, 2)


def test_stars_text_and_photo_rules(app, session):
    buyer, _owner, _order, line = delivered_order(session)
    for rating in (0, 6, None):
        with pytest.raises(ValidationError):
            _review(app, session, line, buyer, rating=rating)
    with pytest.raises(ValidationError):
        _review(app, session, line, buyer, body="x" * 2001)
    with pytest.raises(ValidationError):
        _review(app, session, line, buyer, photos=[jpeg()] * 4)
    with pytest.raises(ValidationError):
        _review(app, session, line, buyer, photos=[b"not a picture"])
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Review)) == 0
    review = _review(app, session, line, buyer, photos=[jpeg(), jpeg(colour=(10, 90, 200))])
    assert review.photo_count == 2 and len(review.photos) == 2
    storage = get_storage(app)
    key = f"products/{review.photos[0].storage_key}-320.webp"
    assert storage.read(key)[:4] == b"RIFF"  # re-encoded to WebP


def test_write_a_review_from_the_order_page_with_a_photo(app, session):
    buyer, _owner, order, line = delivered_order(session)
    client = logged_in_as(app.test_client(), buyer, lang="en")
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert f"/orders/lines/{line.id}/review" in page and "Write a review" in page
    form = client.get(f"/orders/lines/{line.id}/review")
    assert form.status_code == 200 and 'name="rating"' in form.get_data(as_text=True)
    bad = client.post(f"/orders/lines/{line.id}/review", data={"rating": "9", "body": "?"})
    assert bad.status_code == 400 and "Choose from 1 to 5 stars." in bad.get_data(as_text=True)
    done = client.post(
        f"/orders/lines/{line.id}/review",
        data={"rating": "5", "body": "Lovely batik, fast parcel.", "photos": [(io.BytesIO(jpeg()), "a.jpg")]},
        content_type="multipart/form-data",
    )
    assert done.status_code == 303
    session.expire_all()
    review = session.scalars(sa.select(Review)).one()
    assert (review.rating, review.lang, review.photo_count) == (5, "en", 1)
    assert "You reviewed this" in client.get(f"/orders/{order.number}").get_data(as_text=True)
    # A second review of the line (another tab) changes nothing: it fills the form of the review
    # written already, to save in its place (test_edit_reviews.py).
    again = client.post(f"/orders/lines/{line.id}/review", data={"rating": "1"})
    assert again.status_code == 409 and f'action="/reviews/{review.id}/edit"' in again.get_data(as_text=True)
    assert _counters(session, line.product_id)[:2] == (1, 5)
    # Someone else's line: 404.
    other = logged_in_as(app.test_client(), make_user(session))
    session.commit()
    assert other.get(f"/orders/lines/{line.id}/review").status_code == 404


def test_the_shop_replies_once_publicly(app, session):
    buyer, owner, _order, line = delivered_order(session)
    review = _review(app, session, line, buyer)
    seller_client = logged_in_as(app.test_client(), owner, lang="en")
    page = seller_client.get("/seller/reviews")
    assert page.status_code == 200 and "Bagus sekali" in page.get_data(as_text=True)
    assert seller_client.post(f"/seller/reviews/{review.id}/reply", data={"body": ""}).status_code == 400
    first = seller_client.post(f"/seller/reviews/{review.id}/reply", data={"body": "Terima kasih, Kak!"})
    assert first.status_code == 303
    second = seller_client.post(f"/seller/reviews/{review.id}/reply", data={"body": "Again"})
    assert second.status_code == 303
    session.expire_all()
    assert session.get(Review, review.id).reply_body == "Terima kasih, Kak!"
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "review.reply")).one()
    assert (entry.actor_id, entry.seller_id) == (owner.id, review.seller_id)
    assert "Reply to a buyer&#39;s review" in seller_client.get("/seller/history").get_data(as_text=True)
    product = session.get(Product, line.product_id)
    public = app.test_client().get(f"/products/{product.id}-{product.slug}").get_data(as_text=True)
    assert "Terima kasih, Kak!" in public
    # Another shop's owner cannot reply.
    stranger_owner = delivered_order(session)[1]
    other = logged_in_as(app.test_client(), stranger_owner)
    assert other.post(f"/seller/reviews/{review.id}/reply", data={"body": "Hi"}).status_code == 404


def test_report_then_hide_with_a_reason_tells_the_reviewer_and_leaves_the_rating(app, session):
    buyer, _owner, _order, line = delivered_order(session)
    buyer.locale = "en"
    other_buyer, _o, _order2, line2 = delivered_order(session)
    session.commit()
    # Same product? No: each order has its own shop. Review both, hide one.
    hidden = _review(app, session, line, buyer, rating=1, body="Call 0812 for cheaper!", photos=[jpeg()])
    photo_file = f"products/{hidden.photos[0].storage_key}-320.webp"
    assert get_storage(app).exists(photo_file)
    reporter = make_user(session)
    curator = make_user(session, is_curator=True)
    session.commit()
    assert app.test_client().get(f"/reviews/{hidden.id}/report").status_code == 302  # log in first
    reporting = logged_in_as(app.test_client(), reporter)
    assert reporting.post(f"/reviews/{hidden.id}/report", data={"reason": "Advertising"}).status_code == 303
    assert reporting.post(f"/reviews/{hidden.id}/report", data={"reason": "Again"}).status_code == 303
    session.expire_all()
    assert session.get(Review, hidden.id).open_reports == 1

    console = logged_in_as(app.test_client(), curator, lang="en")
    queue = console.get("/curator/reviews").get_data(as_text=True)
    assert "Call 0812 for cheaper!" in queue and "Advertising" in queue
    assert console.post(f"/curator/reviews/{hidden.id}/hide", data={"reason": ""}).status_code == 400
    assert (
        console.post(f"/curator/reviews/{hidden.id}/hide", data={"reason": "Advertising."}).status_code == 303
    )
    assert console.post(f"/curator/reviews/{hidden.id}/hide", data={"reason": "Twice"}).status_code == 303
    assert _counters(session, line.product_id)[:2] == (0, 0)
    assert not get_storage(app).exists(photo_file)  # its public files are deleted
    emails = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.to_address == buyer.email)).all()
    hidden_emails = [e for e in emails if "is hidden" in e.subject]
    assert len(hidden_emails) == 1 and "Advertising." in hidden_emails[0].body_text
    assert session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "review.hide")) == 1
    assert "review.hide" in console.get("/curator/audit").get_data(as_text=True)
    product = session.get(Product, line.product_id)
    public = app.test_client().get(f"/products/{product.id}-{product.slug}").get_data(as_text=True)
    assert "Call 0812" not in public and "No reviews yet" in public
    assert "Call 0812" not in console.get("/curator/reviews").get_data(as_text=True)
    # A hidden review cannot be reported any more.
    assert reporting.get(f"/reviews/{hidden.id}/report").status_code == 404
    # Strangers do not reach the console.
    assert reporting.get("/curator/reviews").status_code == 404
