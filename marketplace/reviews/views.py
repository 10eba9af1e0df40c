"""Reviews over HTTP: the buyer writes one from their order page, the shop replies from its
reviews page, logged-in visitors report, curators hide (with a reason) or keep reported reviews.

Accounts only: guests' orders are not reviewed (see services). Anything not the visitor's own is 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.access import curator_required, seller_area
from marketplace.cache import cache_public_page, page_shows_products
from marketplace.catalogue.models import Product
from marketplace.errors import Conflict, DomainError, NotFound
from marketplace.extensions import db, login_manager
from marketplace.i18n import current_language, localized
from marketplace.media.images import delete_quietly, upload_limits
from marketplace.media.storage import get_storage
from marketplace.orders.models import OrderLine
from marketplace.params import find_int
from marketplace.reviews import presenters, queries, services
from marketplace.reviews.forms import HideForm, KeepForm, ReplyForm, ReportForm, ReviewForm
from marketplace.reviews.models import Review
from marketplace.reviews.services import delete_photo_files
from marketplace.seller.visibility import public_products_select
from marketplace.types import utcnow
from marketplace.views_support import domain_errors

bp = Blueprint("reviews", __name__)

#: Reviews per page of a product's review list.
ALL_REVIEWS_PAGE = 20


def _account_required():
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())


# ---------------------------------------------------------------------------------------------
# The buyer
# ---------------------------------------------------------------------------------------------


def _reviewable_line(line_id: int):
    """The buyer's line that may be reviewed; one already reviewed leads to the review to change
    it; one that may not be reviewed (yet) sends them back to their order with the reason;
    someone else's: 404."""
    try:
        return services.get_reviewable_line(db.session, line_id=line_id, buyer=current_user), None
    except NotFound:
        abort(404)
    except DomainError as error:
        line = db.session.get(OrderLine, line_id)
        review = queries.reviews_by_line(db.session, [line.id]).get(line.id)
        if isinstance(error, Conflict) and review is not None and review.hidden_at is None:
            flash(_("You already reviewed this item. You can change your review here."), "info")
            return None, redirect(url_for("reviews.edit", review_id=review.id), code=303)
        flash(error.message, "info")
        return None, redirect(url_for("orders.show", number=line.order.number), code=303)


def _render_write(line, form: ReviewForm, status: int = 200, *, photos_dropped: bool = False):
    lang = current_language()
    return render_template(
        "reviews/write.html",
        form=form,
        title=localized(line, "title", lang),
        seller_name=line.seller_name,
        order_url=url_for("orders.show", number=line.order.number),
        action=url_for("reviews.write", line_id=line.id),
        photos_dropped=photos_dropped,
        editing=False,
    ), status


def _render_edit(review: Review, form: ReviewForm, status: int = 200, **extra):
    """The review form filled with the author's review (or what they just typed), its photos to
    keep or take off."""
    line = db.session.get(OrderLine, review.order_line_id)
    title = localized(line, "title", current_language())
    return render_template(
        "reviews/write.html",
        form=form,
        title=title,
        seller_name=line.seller_name,
        order_url=url_for("orders.show", number=line.order.number),
        action=url_for("reviews.edit", review_id=review.id),
        current_photos=presenters.editable_photos(review, alt=title, removing=extra.pop("removing", ())),
        editing=True,
        **extra,
    ), status


def _uploads() -> list[bytes]:
    return [f.read() for f in request.files.getlist("photos") if f and f.filename]


@bp.route("/orders/lines/<int:line_id>/review", methods=["GET", "POST"])
def write(line_id: int):
    _account_required()
    if request.method == "POST":
        mine = _own_review_of(line_id)
        if mine is not None:  # written meanwhile, in another tab
            return _already_reviewed(mine, ReviewForm(), bool(_uploads()))
    line, elsewhere = _reviewable_line(line_id)
    if elsewhere is not None:
        return elsewhere
    form = ReviewForm()
    if not form.is_submitted():
        return _render_write(line, form)
    uploads = _uploads()
    if form.validate():
        number = line.order.number
        try:
            with domain_errors(form) as outcome:
                services.create_review(
                    db.session,
                    line_id=line.id,
                    author=current_user,
                    rating=form.rating.data,
                    body=form.body.data or "",
                    lang=current_language(),
                    photos=uploads,
                    storage=get_storage(current_app),
                    now=utcnow(),
                    max_pixels=upload_limits(current_app.config)["max_pixels"],
                )
                db.session.commit()
        except IntegrityError:
            db.session.rollback()  # the same review sent twice at once: the other one counted
            outcome.error = Conflict(_("You already reviewed this item."))
        if outcome.ok:
            flash(_("Thank you! Your review is on the product page."), "success")
            return redirect(url_for("orders.show", number=number), code=303)
        mine = _own_review_of(line_id) if isinstance(outcome.error, Conflict) else None
        if mine is not None:
            return _already_reviewed(mine, form, bool(uploads))
        line, elsewhere = _reviewable_line(line_id)
        if elsewhere is not None:
            return elsewhere
    return _render_write(line, form, 400, photos_dropped=bool(uploads))


def _own_review_of(line_id: int) -> Review | None:
    """The visitor's own visible review of the line, if they wrote one."""
    review = queries.reviews_by_line(db.session, [line_id]).get(line_id)
    if review is None or review.hidden_at is not None or review.author_id != current_user.id:
        return None
    return review


def _already_reviewed(review: Review, form: ReviewForm, photos_dropped: bool):
    """The same item reviewed meanwhile (another tab, a double submit): what the buyer just typed
    is not lost, it fills the form of the review they already wrote, to save in its place."""
    form.form_errors.append(
        _(
            "You already reviewed this item, perhaps in another tab. What you just wrote is below: "
            "save it to replace your review, or go back to keep the review as it is."
        )
    )
    return _render_edit(review, form, 409, photos_dropped=photos_dropped)


@bp.route("/reviews/<int:review_id>/edit", methods=["GET", "POST"])
def edit(review_id: int):
    """The author changes their review: stars, text, photos (the product page shows it at once)."""
    _account_required()
    try:
        review = services.get_own_review(db.session, review_id, author=current_user)
    except NotFound:
        abort(404)
    if request.method == "GET":
        form = ReviewForm(formdata=None, data={"rating": review.rating, "body": review.body})
        return _render_edit(review, form)
    form = ReviewForm()
    uploads = _uploads()
    removing = [pid for pid in (find_int(raw) for raw in request.form.getlist("remove_photo")) if pid]
    if form.validate():
        storage = get_storage(current_app)
        with domain_errors(form) as outcome:
            result = services.edit_review(
                db.session,
                review,
                author=current_user,
                rating=form.rating.data,
                body=form.body.data or "",
                lang=current_language(),
                remove_photo_ids=removing,
                photos=uploads,
                storage=storage,
                max_pixels=upload_limits(current_app.config)["max_pixels"],
            )
            try:
                db.session.commit()
            except BaseException:
                delete_quietly(storage, result.written)
                raise
        if outcome.ok:
            # The photos taken off were public: their files go once the change is committed.
            delete_photo_files(storage, result.removed_photos)
            flash(_("Your review is changed. The product page shows it now."), "success")
            line = db.session.get(OrderLine, result.review.order_line_id)
            return redirect(url_for("orders.show", number=line.order.number), code=303)
        try:
            review = services.get_own_review(db.session, review_id, author=current_user)
        except NotFound:
            abort(404)
    return _render_edit(review, form, 400, photos_dropped=bool(uploads), removing=removing)


@bp.route("/reviews/<int:review_id>/report", methods=["GET", "POST"])
def report(review_id: int):
    """Any logged-in account reports a review to the curators (a link on the product page)."""
    _account_required()
    review = db.session.get(Review, review_id)
    if review is None or review.hidden_at is not None:
        abort(404)
    if review.author_id == current_user.id:  # the link is on the (shared) product page
        flash(_("This is your own review. You can change it here instead of reporting it."), "info")
        return redirect(url_for("reviews.edit", review_id=review.id), code=303)
    form = ReportForm()
    product_url = url_for("storefront.product", product_id=review.product_id)
    if form.validate_on_submit():
        with domain_errors(form) as outcome:
            services.report_review(
                db.session, review, reporter=current_user, reason=form.reason.data or "", now=utcnow()
            )
            db.session.commit()
        if outcome.ok:
            flash(_("Thank you. The district's curators will look at this review."), "success")
            return redirect(product_url, code=303)
    product = db.session.get(Product, review.product_id)
    card = presenters.review_card(
        review, alt=localized(product, "title", current_language()) if product else ""
    )
    return render_template(
        "reviews/report.html", form=form, review=card, product_url=product_url
    ), 400 if form.is_submitted() else 200


@bp.get("/products/<int:product_id>/reviews")
@cache_public_page
def product_reviews(product_id: int):
    """Every visible review of a public product, a page at a time (the product page shows the first)."""
    product = db.session.scalar(public_products_select().where(Product.id == product_id))
    if product is None:
        abort(404)
    page_shows_products([product.id], whole=True)
    pages = max(1, -(-product.rating_count // ALL_REVIEWS_PAGE))
    page = find_int(request.args.get("page", "1"), high=pages)
    if page is None:
        abort(404)
    title = localized(product, "title", current_language())
    reviews = queries.list_product_reviews_page(db.session, product.id, page=page, per_page=ALL_REVIEWS_PAGE)
    return render_template(
        "reviews/product_reviews.html",
        title=title,
        summary=presenters.rating_summary(product.rating_count, product.rating_sum),
        cards=[presenters.review_card(review, alt=title) for review in reviews],
        product_url=url_for("storefront.product", product_id=product.id, slug=product.slug),
        page_text=_("Page %(page)d of %(pages)d", page=page, pages=pages) if pages > 1 else "",
        prev_url=url_for("reviews.product_reviews", product_id=product.id, page=page - 1) if page > 1 else "",
        next_url=url_for("reviews.product_reviews", product_id=product.id, page=page + 1)
        if page < pages
        else "",
        current_lang=current_language(),
    )


# ---------------------------------------------------------------------------------------------
# The shop
# ---------------------------------------------------------------------------------------------


def _seller_cards(reply_forms: dict | None = None) -> list:
    lang = current_language()
    reviews = queries.list_seller_reviews(db.session, g.seller_ids)
    titles = queries.product_titles(db.session, [review.product_id for review in reviews])
    cards = []
    for review in reviews:
        title = localized(titles[review.product_id], "title", lang) if review.product_id in titles else ""
        card = presenters.review_card(review, alt=title)
        card.product = title
        card.product_url = url_for("storefront.product", product_id=review.product_id)
        if not review.reply_at and review.hidden_at is None:
            card.reply_url = url_for("reviews.reply", review_id=review.id)
        cards.append(card)
    return cards


@bp.get("/seller/reviews")
@seller_area
def seller_reviews():
    return render_template(
        "reviews/seller.html", cards=_seller_cards(), reply_forms={}, blank=ReplyForm(formdata=None)
    )


@bp.post("/seller/reviews/<int:review_id>/reply")
@seller_area
def reply(review_id: int):
    review = db.session.get(Review, review_id)
    if review is None or review.seller_id not in g.seller_ids:
        abort(404)
    form = ReplyForm()
    if form.validate():
        with domain_errors(form) as outcome:
            services.reply_to_review(
                db.session,
                review,
                seller_ids=g.seller_ids,
                author=current_user,
                body=form.body.data or "",
                now=utcnow(),
                actor_role=g.seller_roles.get(review.seller_id, ""),
            )
            db.session.commit()
        if outcome.ok:
            flash(_("Your reply is published under the review."), "success")
            return redirect(url_for("reviews.seller_reviews"), code=303)
        if isinstance(outcome.error, Conflict):
            flash(outcome.error.message, "info")
            return redirect(url_for("reviews.seller_reviews"), code=303)
    return render_template(
        "reviews/seller.html",
        cards=_seller_cards(),
        reply_forms={review_id: form},
        blank=ReplyForm(formdata=None),
    ), 400


# ---------------------------------------------------------------------------------------------
# Curators
# ---------------------------------------------------------------------------------------------


def _render_queue(hide_forms: dict | None = None, status: int = 200):
    lang = current_language()
    reviews = queries.list_reported_reviews(db.session)
    titles = queries.product_titles(db.session, [review.product_id for review in reviews])
    reasons = queries.report_reasons(db.session, [review.id for review in reviews])
    cards = []
    for review in reviews:
        title = localized(titles[review.product_id], "title", lang) if review.product_id in titles else ""
        card = presenters.review_card(review, alt=title)
        card.product = title
        card.product_url = url_for("storefront.product", product_id=review.product_id)
        card.reasons = [reason for reason in reasons.get(review.id, []) if reason]
        cards.append(card)
    return render_template(
        "reviews/queue.html",
        cards=cards,
        hide_forms=hide_forms or {},
        blank=HideForm(formdata=None),
        keep_form=KeepForm(formdata=None),
    ), status


@bp.get("/curator/reviews")
@curator_required
def queue():
    return _render_queue()


@bp.post("/curator/reviews/<int:review_id>/hide")
@curator_required
def hide(review_id: int):
    review = db.session.get(Review, review_id)
    if review is None:
        abort(404)
    form = HideForm()
    if form.validate():
        photos = [(photo.storage_key, photo.width) for photo in review.photos]
        with domain_errors(form) as outcome:
            done = services.hide_review(
                db.session, review, curator=current_user, reason=form.reason.data or "", now=utcnow()
            )
            db.session.commit()
        if outcome.ok:
            if done:
                # A hidden review's photos go too: their files were public (after the commit).
                delete_photo_files(get_storage(current_app), photos)
                flash(_("The review is hidden and the reviewer is told why."), "success")
            else:
                flash(_("This review was already hidden: nothing changed."), "info")
            return redirect(url_for("reviews.queue"), code=303)
    return _render_queue({review_id: form}, 400)


@bp.post("/curator/reviews/<int:review_id>/keep")
@curator_required
def keep(review_id: int):
    review = db.session.get(Review, review_id)
    if review is None:
        abort(404)
    if not KeepForm().validate_on_submit():
        abort(400)
    services.keep_review(db.session, review, curator=current_user, now=utcnow())
    db.session.commit()
    flash(_("The review stays; its reports are cleared."), "success")
    return redirect(url_for("reviews.queue"), code=303)
