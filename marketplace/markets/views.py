"""HTTP side of markets: `?currency=`/`?country=` on any page, the header chooser's POST, curators' rates."""

from __future__ import annotations

from urllib.parse import urlencode

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from marketplace.accounts.access import curator_required
from marketplace.accounts.redirects import safe_next_url
from marketplace.contact import country_names
from marketplace.errors import ValidationError
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.markets import services
from marketplace.markets.context import (
    COUNTRY_COOKIE,
    CURRENCY_COOKIE,
    HOME_COUNTRY,
    HOME_CURRENCY,
    current_market,
    current_rates,
    market_from_accept_language,
    normalize_country,
    normalize_currency,
    resolve_market,
)
from marketplace.markets.forms import RateForm
from marketplace.markets.presenters import conversion_note, market_switcher
from marketplace.money import Money
from marketplace.request_locals import this_request
from marketplace.timezones import jakarta_time
from marketplace.types import utcnow
from marketplace.views_support import domain_errors

bp = Blueprint("markets", __name__)

#: A year, like the language cookie.
COOKIE_MAX_AGE = 365 * 24 * 3600


def _asked() -> bool:
    args = this_request().args
    return "currency" in args or "country" in args


def _granted(choice, market) -> tuple[str | None, str | None]:
    """(country, currency) of an explicit choice that this market grants, None for each half not
    chosen or refused (a currency without a rate is not kept)."""
    currency = normalize_currency(choice.get("currency"))
    return (
        market.country if normalize_country(choice.get("country")) else None,
        currency if currency == market.currency else None,
    )


def _set_market_cookies(response, *, country: str | None, currency: str | None) -> None:
    """Remember a visitor's choice in this browser for a year (cookies, not the account)."""
    secure = current_app.config.get("PRODUCTION", False)
    for name, value in ((COUNTRY_COOKIE, country), (CURRENCY_COOKIE, currency)):
        if value and request.cookies.get(name) != value:
            response.set_cookie(
                name, value, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True, secure=secure
            )
            response.vary.add("Cookie")


@bp.before_app_request
def choose_market_from_link():
    """`?currency=EUR&country=NL`: this response's market, with refusals explained.

    A GET changes nothing stored: the account's saved market is written only by the chooser's
    POST (`choose` below); the link is remembered in this browser's cookies (after_request).
    """
    if not _asked() or request.path.startswith("/static/"):
        return
    market, problems = resolve_market()
    g.market = market
    if request.path.startswith("/api/"):
        return  # the API is stateless: its currency is only the query
    for problem in problems:
        flash(problem, "error")


@bp.before_app_request
def offer_the_browsers_country():
    """Choosing Indonesian in a browser that names a country abroad in English (en-SG) prices the
    site in rupiah for delivery in Indonesia (markets.context: such phones are common in Indonesia).
    The page says so and offers that country back in one link: an Indonesian in Singapore who
    reads Indonesian and ships there is not left with rupiah and a checkout set to Indonesia."""
    if request.method != "GET" or request.path.startswith(("/api/", "/static/")) or _asked():
        return
    if not _chose_indonesian_first() or current_market().country != HOME_COUNTRY:
        return
    named = market_from_accept_language(request.headers.get("Accept-Language", ""))
    if named is None or named[0] == HOME_COUNTRY:
        return
    country, currency = named
    without_lang = {key: value for key, value in request.args.items() if key != "lang"}
    query = {"country": country}
    if current_rates().get(currency) is not None:
        query["currency"] = currency
    name = country_names(current_language()).get(country, country)
    offer = (
        _("Delivering to %(country)s? Show prices in %(currency)s", country=name, currency=currency)
        if "currency" in query
        else _("Delivering to %(country)s? Choose it", country=name)
    )
    flash(
        Markup('{} <a href="{}">{}</a>').format(
            _("Prices are in rupiah, for delivery within Indonesia."),
            f"{request.script_root}{request.path}?{urlencode({**without_lang, **query})}",
            offer,
        ),
        "info",
    )


@bp.after_app_request
def remember_market(response):
    if request.path.startswith(("/api/", "/static/")):
        return response
    if not _asked():
        if _chose_indonesian_first():
            # The market it shows now stays when the visitor switches to English later.
            _set_market_cookies(response, country=current_market().country, currency=None)
        return response
    # On a page-cache hit the before_request hook did not run: resolve here (one rate read).
    country, currency = _granted(request.args, g.get("market") or current_market())
    _set_market_cookies(response, country=country, currency=currency)
    return response


def _chose_indonesian_first() -> bool:
    """`?lang=id` in a browser with no country of its own yet (cookie or account): choosing
    Indonesian decides the market (markets.context), which then must not move with the language."""
    req = this_request()
    if req.args.get("lang", "").strip().lower() != "id" or req.cookies.get(COUNTRY_COOKIE):
        return False
    return not (current_user.is_authenticated and current_user.country)


@bp.post("/market")
def choose():
    """The header's chooser (a POST with CSRF): remember the choice in this browser's cookies and,
    for a logged-in buyer, on the account; then back to the page it was sent from."""
    market, problems = resolve_market(request.form)
    for problem in problems:
        flash(problem, "error")
    country, currency = _granted(request.form, market)
    if current_user.is_authenticated and services.save_market_choice(
        db.session, user=current_user._get_current_object(), country=country, currency=currency
    ):
        db.session.commit()
    target = safe_next_url(request.form.get("next")) or url_for("storefront.home")
    response = redirect(target, code=303)
    _set_market_cookies(response, country=country, currency=currency)
    return response


@bp.app_context_processor
def market_globals():
    if not has_request_context() or request.path.startswith("/api/"):
        return {}
    lang = current_language()
    try:
        return {"market_switch": market_switcher(lang), "price_note": conversion_note(lang)}
    except sa.exc.SQLAlchemyError:
        # An error page rendered while the database is down still renders, without the switcher.
        db.session.rollback()
        return {}


# ---------------------------------------------------------------------------------- curators


def _rate_rows(lang: str) -> list[dict]:
    table = current_rates()
    rows = []
    for row in services.list_latest_rates(db.session):
        rows.append(
            {
                "currency": row.currency,
                "rate": f"{row.rate.normalize():f}",
                "example": Money(100_000, HOME_CURRENCY).format(lang)
                + " = "
                + services.display_price(100_000, row.currency, table).format(lang),
                "date": row.effective_date.isoformat(),
                "source": row.source,
                "updated": jakarta_time(row.updated_at, lang),
                "stale": table.is_stale(row.currency),
            }
        )
    return rows


@bp.route("/curator/rates", methods=["GET", "POST"])
@curator_required
def rates():
    lang = current_language()
    form = RateForm()
    errors: dict[str, str] = {}
    status = 200
    if request.method == "GET" and not form.effective_date.data:
        form.effective_date.data = utcnow().date().isoformat()
    if form.validate_on_submit():
        with domain_errors(catch=ValidationError) as outcome:
            currency = services.parse_currency(form.currency.data)
            rate = services.parse_rate(form.rate.data, currency)
            effective = services.parse_date(form.effective_date.data, today=utcnow().date())
            services.set_rate(
                db.session,
                currency=currency,
                rate=rate,
                effective_date=effective,
                source=form.source.data or "",
                actor=current_user,
                note="curator page",
            )
        if not outcome.ok:
            errors[outcome.error.field or "rate"] = outcome.message
        else:
            db.session.commit()
            flash(_("Rate for %(currency)s saved.", currency=currency), "success")
            return redirect(url_for("markets.rates"), code=303)
    if request.method == "POST":
        status = 400
        for name, messages in form.errors.items():
            errors.setdefault(name, " ".join(str(m) for m in messages))
    return (
        render_template(
            "markets/rates.html",
            form=form,
            errors=errors,
            rows=_rate_rows(lang),
            stale_days=int(current_app.config.get("RATE_STALE_DAYS", services.DEFAULT_STALE_DAYS)),
        ),
        status,
    )
