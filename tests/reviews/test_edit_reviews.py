"""A buyer changes their review (stars, words, photos) from the order page; a second tab's review
of the same item is not lost; a refused review names every problem at once and says the photos
must be chosen again; one's own review is changed, not reported."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.errors import InvalidInput, NotFound
from marketplace.media.storage import get_storage
from marketplace.reviews import services
from marketplace.reviews.models import Review, ReviewPhoto
from marketplace.types import utcnow
from tests.factories import make_user
from tests.login import logged_in_as
from tests.reviews.helpers import delivered_order, jpeg, write_review

#: The "2 stars" radio button, chosen.
TWO_STARS = 'checked id="rating-3" name="rating" type="radio" value="2"'


def _review(app, session, line, author, **values):
    return write_review(app, session, line, author, **{"rating": 4, "body": "Bagus", **values})


def _rating(session, product_id):
    session.expire_all()
    product = session.get(Product, product_id)
    return product.rating_count, product.rating_sum


def _upload(*photos):
    return [(io.BytesIO(data), f"p{index}.jpg") for index, data in enumerate(photos)]


def test_the_buyer_changes_stars_words_and_photos_from_the_order_page(app, session):
    buyer, _owner, order, line = delivered_order(session)
    review = _review(app, session, line, buyer, rating=2, photos=[jpeg(), jpeg(colour=(1, 2, 3))])
    first_file = f"products/{review.photos[0].storage_key}-320.webp"
    client = logged_in_as(app.test_client(), buyer, lang="en")
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "You reviewed this" in page and f'href="/reviews/{review.id}/edit"' in page
    form = client.get(f"/reviews/{review.id}/edit").get_data(as_text=True)
    assert "Change your review" in form and TWO_STARS in form and "Bagus" in form
    assert form.count('name="remove_photo"') == 2

    done = client.post(
        f"/reviews/{review.id}/edit",
        data={
            "rating": "5",
            "body": "Better than I thought: the colours stay after washing.",
            "remove_photo": str(review.photos[0].id),
            "photos": _upload(jpeg(colour=(9, 9, 9))),
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 303 and done.location.endswith(f"/orders/{order.number}")
    session.expire_all()
    changed = session.get(Review, review.id)
    assert (changed.rating, changed.lang, changed.photo_count, len(changed.photos)) == (5, "en", 2, 2)
    assert changed.body.startswith("Better than")
    assert _rating(session, line.product_id) == (1, 5)  # counted once, with the new stars
    assert not get_storage(app).exists(first_file)  # the photo taken off was public: gone
    product = session.get(Product, line.product_id)
    public = app.test_client().get(f"/products/{product.id}-{product.slug}").get_data(as_text=True)
    assert "Better than I thought" in public


def test_at_most_three_photos_and_every_problem_at_once(app, session):
    buyer, _owner, _order, line = delivered_order(session)
    review = _review(app, session, line, buyer, photos=[jpeg(), jpeg()])
    client = logged_in_as(app.test_client(), buyer, lang="en")
    refused = client.post(
        f"/reviews/{review.id}/edit",
        data={"rating": "", "body": "x" * 2001, "photos": _upload(jpeg(), jpeg())},
        content_type="multipart/form-data",
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Choose from 1 to 5 stars." in page and "at most 2000 characters." in page
    assert "remove one of yours to add another" in page
    assert "Your photos were not kept when the review was refused: choose them again." in page
    session.expire_all()
    assert session.get(Review, review.id).rating == 4 and len(session.get(Review, review.id).photos) == 2
    assert _rating(session, line.product_id) == (1, 4)


def test_writing_names_every_problem_and_asks_for_the_photos_again(app, session):
    buyer, _owner, _order, line = delivered_order(session)
    client = logged_in_as(app.test_client(), buyer, lang="en")
    refused = client.post(
        f"/orders/lines/{line.id}/review",
        data={"body": "Nice", "photos": [(io.BytesIO(b"not a picture"), "x.jpg")]},
        content_type="multipart/form-data",
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="error-summary"' in page
    assert "Choose from 1 to 5 stars." in page
    assert page.count('class="error" id="photos-error"') == 1  # the photo's problem too, beside it
    assert "choose them again" in page and "Nice" in page


def test_a_second_tab_review_fills_the_form_of_the_one_written(app, session):
    buyer, _owner, order, line = delivered_order(session)
    tab = logged_in_as(app.test_client(), buyer, lang="en")
    assert tab.get(f"/orders/lines/{line.id}/review").status_code == 200  # both tabs open the form
    assert (
        tab.post(f"/orders/lines/{line.id}/review", data={"rating": "5", "body": "First tab"}).status_code
        == 303
    )
    second = tab.post(f"/orders/lines/{line.id}/review", data={"rating": "2", "body": "Second tab words"})
    page = second.get_data(as_text=True)
    review = session.scalars(sa.select(Review)).one()
    assert second.status_code == 409 and "perhaps in another tab" in page
    assert "Second tab words" in page and TWO_STARS in page  # what they typed, not lost
    assert f'action="/reviews/{review.id}/edit"' in page
    assert (review.rating, review.body) == (5, "First tab") and _rating(session, line.product_id) == (1, 5)
    # Opening "Write a review" again leads to the review to change.
    again = tab.get(f"/orders/lines/{line.id}/review")
    assert again.status_code == 303 and again.location.endswith(f"/reviews/{review.id}/edit")


def test_only_the_author_changes_a_visible_review(app, session):
    buyer, _owner, _order, line = delivered_order(session)
    review = _review(app, session, line, buyer)
    stranger = make_user(session)
    curator = make_user(session, is_curator=True)
    session.commit()
    other = logged_in_as(app.test_client(), stranger)
    assert other.get(f"/reviews/{review.id}/edit").status_code == 404
    assert other.post(f"/reviews/{review.id}/edit", data={"rating": "1"}).status_code == 404
    assert app.test_client().get(f"/reviews/{review.id}/edit").status_code == 302  # log in first
    # Reporting one's own review (the link is on the product page for everyone) leads to changing it.
    own = logged_in_as(app.test_client(), buyer, lang="en")
    reported = own.post(f"/reviews/{review.id}/report", data={"reason": "typo"})
    assert reported.status_code == 303 and reported.location.endswith(f"/reviews/{review.id}/edit")
    assert session.get(Review, review.id).open_reports == 0
    services.hide_review(session, review, curator=curator, reason="Advertising", now=utcnow())
    session.commit()
    assert own.get(f"/reviews/{review.id}/edit").status_code == 404
    with pytest.raises(NotFound):
        services.edit_review(
            session,
            review,
            author=buyer,
            rating=5,
            body="",
            lang="en",
            storage=get_storage(app),
        )
    assert _rating(session, line.product_id) == (0, 0)


def test_each_change_of_stars_counts_once_and_bad_changes_keep_nothing(app, session):
    buyer, _owner, _order, line = delivered_order(session)
    review = _review(app, session, line, buyer, rating=3)
    for stars in (5, 1, 4):
        services.edit_review(
            session,
            review,
            author=buyer,
            rating=stars,
            body="Bagus",
            lang="id",
            storage=get_storage(app),
        )
        session.commit()
    assert _rating(session, line.product_id) == (1, 4)
    with pytest.raises(InvalidInput) as refused:
        services.edit_review(
            session, review, author=buyer, rating=9, body="", lang="id", photos=[jpeg()] * 4,
            storage=get_storage(app),
        )  # fmt: skip
    assert set(refused.value.errors) == {"rating", "photos"}
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(ReviewPhoto)) == 0
