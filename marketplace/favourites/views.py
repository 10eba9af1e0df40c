"""Favourites pages: the heart's POST (a plain form; the script asks for JSON), /account/favourites,
"tell me when it is back", and the recently viewed cookie written after a product page."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    after_this_request,
    flash,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import user_logged_in
from werkzeug.http import dump_cookie

from marketplace import params
from marketplace.accounts.redirects import safe_next_url
from marketplace.cache.cookieless import HIT_COOKIES
from marketplace.catalogue.models import Product
from marketplace.errors import DomainError, NotFound
from marketplace.extensions import db, limiter
from marketplace.favourites import alerts, presenters, services
from marketplace.favourites.current import (
    ALERTS_COOKIE_DAYS,
    MAX_RECENT,
    RECENT_COOKIE,
    guest_alert_ids,
    guest_alert_pairs,
    guest_favourite_ids,
    recent_ids,
    request_user,
    set_alerts_cookie,
    set_id_cookie,
)
from marketplace.i18n import current_language
from marketplace.request_locals import this_request
from marketplace.seller.visibility import public_products_select
from marketplace.types import utcnow
from marketplace.views_support import asks_for_json, error_messages, json_error

bp = Blueprint("favourites", __name__)
# Hearts on every card and product page read the visitor's favourites lazily, once per request;
# a Jinja global (not a context value) so the imported card macros see it too.
bp.add_app_template_global(presenters.heart, "favourite_heart")
bp.add_app_template_global(presenters.page_heart, "page_heart")
bp.add_app_template_global(presenters.card_heart, "card_heart")

#: Days the guest's favourites and the recently viewed list are kept in the browser.
GUEST_COOKIE_DAYS = 180
RECENT_COOKIE_DAYS = 30
#: Guests' back-in-stock sign-ups per client address (each may email a confirmation to the address
#: typed: a script must not turn the form into a mailer; one address is limited in alerts.py).
GUEST_SIGNUP_LIMIT = "20 per hour"


def _first_message(error: DomainError) -> str:
    return next(iter(error_messages(error).values()), "") or _("Something went wrong. Please try again.")


@bp.post("/account/favourites")
def toggle():
    """Save (action=add) or forget (action=remove) a product; back to `next` without JavaScript."""
    action = request.form.get("action", "add")
    product_id = request.form.get("product_id", "")
    back = safe_next_url(request.form.get("next")) or url_for("favourites.index")
    user = request_user()
    try:
        if user is not None:
            if action == "remove":
                services.remove_favourite(db.session, user=user, product_id=product_id)
            else:
                services.add_favourite(db.session, user=user, product_id=product_id)
            db.session.commit()
        else:
            ids = guest_favourite_ids()
            if action == "remove":
                ids = services.remove_guest_favourite(ids, product_id)
            else:
                _product, ids = services.add_guest_favourite(db.session, ids, product_id)
            after_this_request(lambda response: _with_guest_cookie(response, ids))
    except DomainError as error:
        db.session.rollback()
        status = 404 if isinstance(error, NotFound) else 400
        if asks_for_json():
            return json_error(status, _first_message(error))
        flash(_first_message(error), "error")
        return redirect(back, 303)
    saved = action != "remove"
    message = _("Saved to your favourites.") if saved else _("Removed from your favourites.")
    if asks_for_json():  # the heart's script
        return jsonify(saved=saved, message=message)
    flash(message, "success")
    return redirect(back, 303)


def _with_guest_cookie(response, ids: list[int]):
    set_id_cookie(response, services.FAVOURITES_COOKIE, ids, days=GUEST_COOKIE_DAYS)
    return response


@bp.get("/account/favourites")
def index():
    """The visitor's favourites with today's price (buyer's currency) and stock; guests' too."""
    user = request_user()
    lang = current_language()
    products = services.list_favourites(
        db.session, user=user, guest_ids=() if user else guest_favourite_ids()
    )
    if user is not None:
        waiting = alerts.list_pending_alerts(db.session, user=user)
    else:
        waiting = alerts.list_guest_alerts(db.session, alert_ids=guest_alert_ids())
    return render_template(
        "favourites/index.html",
        rows=presenters.favourite_rows(products, lang),
        alert_rows=presenters.alert_rows(waiting, lang),
        is_guest=user is None,
        login_url=url_for("accounts.login", next=url_for("favourites.index")),
    )


def _signed_up(response) -> bool:
    return response.status_code == 303


def _has_login() -> bool:
    return request_user() is not None


@bp.route("/products/<int:product_id>/notify", methods=["GET", "POST"])
@limiter.limit(GUEST_SIGNUP_LIMIT, methods=["POST"], deduct_when=_signed_up, exempt_when=_has_login)
def back_in_stock(product_id: int):
    """ "Tell me when it is back" for a sold-out product: the form (GET, or again with its errors)
    and the subscription (POST), then back to the product page."""
    product = db.session.scalar(public_products_select().where(Product.id == product_id))
    if product is None:
        raise NotFound(_("Product not found."))
    user = request_user()
    # A sold-out variant (a size) comes as ?variant= from the picker, then in the form.
    variant = alerts.find_product_variant(
        db.session, product, request.form.get("variant_id") or request.args.get("variant")
    )
    product_url = url_for("storefront.product", product_id=product.id, slug=product.slug)
    errors: dict = {}
    email = ""
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()[:254]
        try:
            alert = alerts.subscribe_back_in_stock(
                db.session,
                product_id=product.id,
                variant_id=variant.id if variant is not None else None,
                user=user,
                email=email,
                lang=current_language(),
                now=utcnow(),
            )
        except DomainError as error:
            db.session.rollback()
            errors = error_messages(error)
        else:
            db.session.commit()
            if user is None:
                # The guest's browser remembers it: the product page then shows it, with "Stop".
                pairs = [(product.id, alert.id), *(p for p in guest_alert_pairs() if p[1] != alert.id)]
                after_this_request(lambda response: _with_alerts_cookie(response, pairs))
                flash(
                    _(
                        "We will email %(email)s once when it is back in stock. The confirmation we "
                        "sent there has a link to stop it.",
                        email=alert.email,
                    ),
                    "success",
                )
            else:
                flash(_("We will email you once when it is back in stock."), "success")
            return redirect(product_url, 303)
    status = 400 if errors else 200
    # Asked already (and still waiting): say so, with "Stop", rather than the empty form.
    waiting = (
        alerts.find_waiting_alert(
            db.session,
            product_id=product.id,
            variant_id=variant.id if variant is not None else None,
            user=user,
            alert_ids=guest_alert_ids(product.id) if user is None else (),
        )
        if not errors
        else None
    )
    return (
        render_template(
            "favourites/back_in_stock.html",
            title=alerts.alert_title(product, variant, current_language()),
            product_url=product_url,
            form=presenters.back_in_stock_form(
                product.id,
                user=user,
                variant_id=variant.id if variant is not None else None,
                alert=waiting,
            ),
            email=email,
            email_error=errors.get("email", ""),
            form_error=errors.get(None, ""),
        ),
        status,
        {"Cache-Control": "private, no-store"},
    )  # it may name the visitor's own address


@bp.post("/account/alerts/<int:alert_id>/stop")
def stop_alert(alert_id: int):
    """The "Stop" button beside one of the account's back-in-stock alerts on the favourites page,
    or under a sold-out product's "we will email you" (its `next` brings the buyer back there)."""
    back = safe_next_url(request.form.get("next")) or url_for("favourites.index")
    user = request_user()
    if user is None and alert_id not in guest_alert_ids():
        return redirect(url_for("accounts.login", next=back), 303)
    try:
        if user is not None:
            alert = alerts.stop_alert(db.session, alert_id=alert_id, user=user)
        else:  # a guest's, named by their signed cookie
            alert = alerts.stop_guest_alert(db.session, alert_id=alert_id, alert_ids=guest_alert_ids())
    except NotFound as error:
        db.session.rollback()
        flash(_first_message(error), "error")
    else:
        title = alerts.alert_title(alert.product, alert.variant, current_language())
        db.session.commit()
        flash(_("Stopped: we will not email you when “%(title)s” is back.", title=title), "success")
    if user is None:  # stopped or already gone: the browser forgets it
        pairs = [p for p in guest_alert_pairs() if p[1] != alert_id]
        after_this_request(lambda response: _with_alerts_cookie(response, pairs))
    return redirect(back, 303)


def _with_alerts_cookie(response, pairs: list[tuple[int, int]]):
    set_alerts_cookie(response, pairs, days=ALERTS_COOKIE_DAYS)
    return response


@bp.route("/alerts/stop/<token>", methods=["GET", "POST"])
def stop_alerts(token: str):
    """The back-in-stock email's "stop" link, without a login: the question (GET: a link opened by
    a mail scanner must not stop anything), then the answer (POST, with the form's CSRF token)."""
    email = alerts.read_stop_token(token)
    if email is None:
        return render_template(
            "favourites/stop_alerts.html", invalid=True, email="", waiting=0, stopped=None
        ), 404
    stopped = None
    if request.method == "POST":
        stopped = alerts.stop_alerts_for_email(db.session, email=email)
        db.session.commit()
    return render_template(
        "favourites/stop_alerts.html",
        invalid=False,
        email=email,
        waiting=alerts.pending_alert_count(db.session, email=email),
        stopped=stopped,
    )


@bp.after_app_request
def remember_product_view(response):
    """After a product page (rendered or from the page cache), put it first in the visitor's
    recently viewed cookie. Runs after the page cache stored the page, so no stored page carries it."""
    req = this_request()
    if req.endpoint != "storefront.product" or response.status_code != 200:
        return response
    product_id = (req.view_args or {}).get("product_id")
    ids = recent_ids()
    if not isinstance(product_id, int) or ids[:1] == [product_id]:
        return response
    ids = [product_id, *(pid for pid in ids if pid != product_id)][:MAX_RECENT]
    set_id_cookie(response, RECENT_COOKIE, ids, days=RECENT_COOKIE_DAYS)
    return response


_PRODUCT_PAGE = re.compile(r"/products/([0-9]{1,10})-[^/]*")


def _recent_cookie_on_cookieless_hit(environ, *, secure: bool) -> list[str]:
    """The same cookie for a product page the page cache answers before Flask runs (a browser
    without any cookie: its first product page starts the list)."""
    match = _PRODUCT_PAGE.fullmatch(environ.get("PATH_INFO", ""))
    product_id = params.find_id(match.group(1)) if match else None
    if product_id is None:
        return []
    return [
        dump_cookie(
            RECENT_COOKIE,
            str(product_id),
            max_age=RECENT_COOKIE_DAYS * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=secure,
        )
    ]


@bp.record_once
def _mirror_on_cookieless_hits(state) -> None:
    secure = bool(state.app.config.get("PRODUCTION", False))
    state.app.extensions.setdefault(HIT_COOKIES, []).append(
        lambda environ: _recent_cookie_on_cookieless_hit(environ, secure=secure)
    )


@user_logged_in.connect
def _merge_favourites_on_login(sender, user, **extra):
    """Flask-Login signal: the guest's cookie favourites join the account's; the cookie goes."""
    if not has_request_context() or not request.cookies.get(services.FAVOURITES_COOKIE):
        return
    services.merge_guest_favourites(db.session, user=user, ids=guest_favourite_ids())

    @after_this_request
    def _commit_and_forget_cookie(response):
        if response.status_code < 400:
            db.session.commit()
            set_id_cookie(response, services.FAVOURITES_COOKIE, [], days=0)
        return response
