"""Reviews: the gate, once per line, photos, the seller's one reply, reports and moderation.

Rules:
- Only the account that placed the order reviews, only a line whose seller's part was delivered
  (`FulfilmentStatus.DELIVERED`: the buyer's "I received it", the seller, a closed case or the
  auto-complete job), only a line with units left after cancellations, and only once (the unique
  `reviews.order_line_id`). Guests' orders (no account) are not reviewed: a review needs an
  account the curators can hold to it and an email address to tell it of a decision.
- 1–5 stars, text (at most MAX_TEXT characters, may be empty) stored with the language it was
  written in, up to 3 photos checked and re-encoded like product photos (media.images) and
  stored public: the product page shows them.
- The product's counters (`rating_count`, `rating_sum`) change in the same transaction as the
  review (conditional UPDATEs, so concurrent reviews add up); a hidden review leaves them.
- The author changes their review (stars, text, photos; at most 3 in all) until a curator hides it;
  the product's counters follow the new stars in the same transaction.
- The shop replies once (a conditional UPDATE on `reply_at`), publicly.
- Any logged-in account reports a review once; a curator hides it with a reason (the reviewer
  is emailed in their language, audited `review.hide`) or keeps it (`review.keep`).
Every function flushes only; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.audit.services import record_action
from marketplace.catalogue.models import Product
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.errors import Conflict, InvalidInput, NotFound, ValidationError
from marketplace.i18n import message as _l
from marketplace.media.images import (
    DEFAULT_MAX_PIXELS,
    delete_quietly,
    new_storage_key,
    process_upload,
    rendition_key,
    rendition_widths,
    save_renditions,
)
from marketplace.media.storage import MediaStorage
from marketplace.orders.models import FulfilmentStatus, OrderLine
from marketplace.reviews.models import MAX_PHOTOS, Review, ReviewPhoto, ReviewReport

MAX_TEXT = 2000
LANGUAGES = ("id", "en")


def get_reviewable_line(session: Session, *, line_id: int, buyer: User) -> OrderLine:
    """The buyer's order line that may be reviewed now.

    Raises NotFound (not the buyer's line), ValidationError (its part has not arrived, or
    nothing of it was kept), Conflict (already reviewed)."""
    line = session.get(OrderLine, line_id)
    if line is None or buyer is None or line.order.buyer_id != buyer.id:
        raise NotFound(_l("This item is not in one of your orders."))
    if line.fulfilment.status != FulfilmentStatus.DELIVERED:
        raise ValidationError(_l("You can review an item once its parcel has arrived."))
    if line.product_id is None or line.quantity - line.cancelled_quantity <= 0:
        raise ValidationError(_l("This item cannot be reviewed."))
    if session.scalar(sa.select(Review.id).where(Review.order_line_id == line.id)) is not None:
        raise Conflict(_l("You already reviewed this item."))
    return line


def _clean_text(text: str, field: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT:
        raise ValidationError(_l("Please write at most %(n)d characters.", n=MAX_TEXT), field=field)
    return text


def _processed_photos(photos: Sequence[bytes], max_pixels: int) -> list:
    photos = [data for data in photos if data]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError(_l("Attach at most %(n)d photos.", n=MAX_PHOTOS), field="photos")
    processed = []
    for data in photos:
        try:
            processed.append(process_upload(data, max_pixels=max_pixels))
        except ValidationError as error:
            raise ValidationError(error.message, field="photos") from error
    return processed


def _checked(
    rating: int | None, body: str, photos: Sequence[bytes], *, kept_photos: int, max_pixels: int
) -> tuple[str, list]:
    """The text cleaned and the new photos processed; InvalidInput naming every wrong part at once
    (stars, text, photos), so the buyer corrects them in one go."""
    problems: dict[str, str] = {}
    if rating is None or not 1 <= int(rating) <= 5:
        problems["rating"] = _l("Choose from 1 to 5 stars.")
    try:
        body = _clean_text(body, "body")
    except ValidationError as error:
        problems["body"] = error.message
    processed: list = []
    photos = [data for data in photos if data]
    if kept_photos + len(photos) > MAX_PHOTOS:
        problems["photos"] = (
            _l("Attach at most %(n)d photos.", n=MAX_PHOTOS)
            if not kept_photos
            else _l("A review has at most %(n)d photos: remove one of yours to add another.", n=MAX_PHOTOS)
        )
    else:
        try:
            processed = _processed_photos(photos, max_pixels)
        except ValidationError as error:
            problems["photos"] = error.message
    if problems:
        raise InvalidInput(problems)
    return body, processed


def _save_photos(storage: MediaStorage, review: Review, processed: list, written: list[str]) -> None:
    """Store the processed photos' renditions (their keys added to `written`) after the review's own."""
    start = max((photo.position for photo in review.photos), default=-1) + 1
    for offset, image in enumerate(processed):
        key = new_storage_key()
        written += save_renditions(storage, image, key)
        review.photos.append(
            ReviewPhoto(position=start + offset, storage_key=key, width=image.width, height=image.height)
        )


def create_review(
    session: Session,
    *,
    line_id: int,
    author: User,
    rating: int | None,
    body: str,
    lang: str,
    photos: Sequence[bytes],
    storage: MediaStorage,
    now: datetime,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Review:
    """The buyer's review of one completed line; the product's rating counts it at once.

    Raises what get_reviewable_line raises, and InvalidInput (a ValidationError) naming every wrong
    part: stars outside 1–5, text too long, more than 3 photos or one media refuses. Stored photos
    are deleted if anything fails."""
    line = get_reviewable_line(session, line_id=line_id, buyer=author)
    body, processed = _checked(rating, body, photos, kept_photos=0, max_pixels=max_pixels)
    written: list[str] = []
    try:
        review = Review(
            order_line_id=line.id,
            product_id=line.product_id,
            seller_id=line.seller_id,
            author_id=author.id,
            author_name=((author.name or "").split() or [""])[0][:60],
            rating=int(rating),
            body=body,
            lang=lang if lang in LANGUAGES else "id",
            photo_count=len(processed),
            created_at=now,
        )
        _save_photos(storage, review, processed, written)
        session.add(review)
        session.flush()
        _count_rating(session, review.product_id, +1, review.rating)
    except BaseException:
        delete_quietly(storage, written)
        raise
    return review


def get_own_review(session: Session, review_id: int, *, author: User) -> Review:
    """The author's own review, to change it. NotFound for anyone else's, or one the curators hid
    (its photos are gone and the reviewer was told why)."""
    review = session.get(Review, review_id)
    if review is None or author is None or review.author_id != author.id or review.hidden_at is not None:
        raise NotFound(_l("This review does not exist."))
    return review


@dataclass(frozen=True)
class EditResult:
    review: Review
    #: (storage key, width) of the photos taken off: delete their files after the commit.
    removed_photos: list[tuple[str, int]]
    #: Rendition keys written for new photos: delete them if the transaction rolls back.
    written: list[str]


def edit_review(
    session: Session,
    review: Review,
    *,
    author: User,
    rating: int | None,
    body: str,
    lang: str,
    remove_photo_ids: Sequence[int] = (),
    photos: Sequence[bytes] = (),
    storage: MediaStorage,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> EditResult:
    """The author changes their review: stars, text, photos taken off or added (at most 3 in all).

    The product's rating follows the new stars in the same transaction. The review is read under a
    row lock, so two tabs saving at once each count from the other's stars (the last text wins).
    Changed text takes the language it was written in now. Raises NotFound (not theirs, hidden) and
    InvalidInput naming every wrong part, as `create_review`; new photo files are deleted on error.
    """
    locked = session.scalar(
        sa.select(Review)
        .where(Review.id == review.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise NotFound(_l("This review does not exist."))
    review = get_own_review(session, locked.id, author=author)
    removing = {int(pid) for pid in remove_photo_ids}
    kept = [photo for photo in review.photos if photo.id not in removing]
    body, processed = _checked(rating, body, photos, kept_photos=len(kept), max_pixels=max_pixels)
    removed = [(photo.storage_key, photo.width) for photo in review.photos if photo.id in removing]
    written: list[str] = []
    try:
        old_rating = review.rating
        for photo in [photo for photo in review.photos if photo.id in removing]:
            review.photos.remove(photo)
        _save_photos(storage, review, processed, written)
        if body != review.body:
            review.body = body
            review.lang = lang if lang in LANGUAGES else review.lang
        review.rating = int(rating)
        review.photo_count = len(review.photos)
        session.flush()
        if review.rating != old_rating:
            _count_rating(session, review.product_id, 0, 0, change=review.rating - old_rating)
    except BaseException:
        delete_quietly(storage, written)
        raise
    return EditResult(review=review, removed_photos=removed, written=written)


def _count_rating(session: Session, product_id: int, sign: int, rating: int, *, change: int = 0) -> None:
    """Add (+1) or take away (-1) one review's stars in the product's counters, or `change` the
    stars of one already counted: one UPDATE."""
    session.execute(
        sa.update(Product)
        .where(Product.id == product_id)
        .values(
            rating_count=Product.rating_count + sign,
            rating_sum=Product.rating_sum + sign * rating + change,
        )
        .execution_options(synchronize_session=False)
    )


def get_review(session: Session, review_id: int) -> Review:
    review = session.get(Review, review_id)
    if review is None:
        raise NotFound(_l("This review does not exist."))
    return review


def reply_to_review(
    session: Session,
    review: Review,
    *,
    seller_ids: Sequence[int],
    author: User,
    body: str,
    now: datetime,
    actor_role: str = "",
) -> None:
    """The shop's one public reply, audited as "review.reply" (in the shop's history). NotFound
    for another shop's review; ValidationError for an empty or too long text; Conflict when the
    shop already replied (two tabs: one wins). `actor_role`: owner or facilitator (ActorRole)."""
    if review.seller_id not in set(seller_ids):
        raise NotFound(_l("This review does not exist."))
    body = _clean_text(body, "body")
    if not body:
        raise ValidationError(_l("Write your reply."), field="body")
    result = session.execute(
        sa.update(Review)
        .where(Review.id == review.id, Review.reply_at.is_(None))
        .values(reply_body=body, reply_at=now, reply_by_id=author.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_l("Your shop already replied to this review."))
    session.expire(review)
    record_action(
        session,
        actor=author,
        action="review.reply",
        target_type="review",
        target_id=review.id,
        seller_id=review.seller_id,
        after={"reply": body},
        actor_role=actor_role,
    )
    session.flush()


def report_review(session: Session, review: Review, *, reporter: User, reason: str, now: datetime) -> bool:
    """A logged-in account reports a visible review; False when it had reported it already."""
    if review.hidden_at is not None:
        raise NotFound(_l("This review does not exist."))
    reason = _clean_text(reason, "reason")
    exists = session.scalar(
        sa.select(ReviewReport.id).where(
            ReviewReport.review_id == review.id, ReviewReport.reporter_id == reporter.id
        )
    )
    if exists is not None:
        return False
    session.add(ReviewReport(review_id=review.id, reporter_id=reporter.id, reason=reason, created_at=now))
    session.execute(
        sa.update(Review)
        .where(Review.id == review.id)
        .values(open_reports=Review.open_reports + 1)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.expire(review)
    return True


def hide_review(session: Session, review: Review, *, curator: User, reason: str, now: datetime) -> bool:
    """A curator hides a review: gone from public pages and the product's rating, the reviewer is
    told why by email in their language. False when it was hidden already (nothing happens twice).
    ValidationError without a reason."""
    reason = _clean_text(reason, "reason")
    if not reason:
        raise ValidationError(_l("Say why the review is hidden: the reviewer reads it."), field="reason")
    result = session.execute(
        sa.update(Review)
        .where(Review.id == review.id, Review.hidden_at.is_(None))
        .values(hidden_at=now, hidden_reason=reason, hidden_by_id=curator.id, open_reports=0)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    session.expire(review)
    _count_rating(session, review.product_id, -1, review.rating)
    product = session.get(Product, review.product_id)
    title_id = product.title_id if product else ""
    title_en = (product.title_en or title_id) if product else ""
    record_action(
        session,
        actor=curator,
        action="review.hide",
        target_type="review",
        target_id=review.id,
        target_label=title_id,
        seller_id=review.seller_id,
        before={"hidden": False},
        after={"hidden": True},
        note=reason,
    )
    author = session.get(User, review.author_id)
    if author is not None and author.email:
        lang = author.locale if author.locale in LANGUAGES else review.lang
        send_email(
            session,
            to=author.email,
            template="review_hidden",
            lang=lang,
            context={
                "name": author.name or "",
                "product": title_en if lang == "en" else title_id,
                "reason": reason,
                "link": external_url("orders.index"),
            },
        )
    session.flush()
    return True


def keep_review(session: Session, review: Review, *, curator: User, now: datetime) -> bool:
    """A curator read the reports and keeps the review: its reports leave the queue."""
    result = session.execute(
        sa.update(Review)
        .where(Review.id == review.id, Review.open_reports > 0)
        .values(open_reports=0)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    session.expire(review)
    record_action(
        session,
        actor=curator,
        action="review.keep",
        target_type="review",
        target_id=review.id,
        seller_id=review.seller_id,
    )
    session.flush()
    return True


def delete_photo_files(storage: MediaStorage, photos: Sequence[tuple[str, int]]) -> None:
    """Delete the renditions of (storage key, width) photos, e.g. a hidden review's. Call after the
    commit; a file that cannot be deleted is left (a random name nobody links to any more)."""
    keys = [rendition_key(key, size) for key, largest in photos for size in rendition_widths(largest)]
    delete_quietly(storage, keys)
