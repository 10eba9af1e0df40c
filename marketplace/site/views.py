"""Site-wide endpoints: health check, robots.txt, the sitemap, and the links every page's head and
header show (language switch, canonical and hreflang alternates)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, url_for
from flask_babel import refresh as babel_refresh
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from marketplace.cache import database_pool_status as pool_status
from marketplace.extensions import db
from marketplace.i18n import current_language, language_switch_urls
from marketplace.jobs.status import health_report
from marketplace.markets.context import kept_for_generation
from marketplace.site.layout import site_footer, site_header
from marketplace.storefront import seo

bp = Blueprint("site", __name__)
bp.add_app_template_global(site_header, "site_header")
bp.add_app_template_global(site_footer, "site_footer")


@bp.get("/healthz")
def healthz():
    """Whether the database answers, how many connections this process holds, and the job runner.

    `pools` lets an operator (and the test of `make run`) see that connections go back to their
    pools: `checked_out` counts the ones in use right now (this request's own included), `open`
    the ones kept in all; neither may grow with the number of requests served.

    `jobs` reports every periodic task (marketplace/jobs/status.py); `jobs.status` is "attention"
    when one never ran, is overdue or failed last time. The answer stays 200 then: load balancers
    read /healthz to route traffic, and a failing email task is no reason to take a server that
    serves pages out of rotation (they would all go at once). Monitors that should alert on jobs
    poll /healthz/jobs, which answers 503 in that case.
    """
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy, reported not raised
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    try:
        _, jobs = health_report(db.session)
    except SQLAlchemyError:  # no job_tasks table yet (code deployed before `db upgrade`): still serving
        db.session.rollback()
        jobs = {"status": "unknown", "attention": [], "tasks": {}}
    return jsonify(status="ok", database="ok", pools=pool_status(), jobs=jobs)


@bp.get("/healthz/jobs")
def healthz_jobs():
    """The periodic tasks alone: 200 when all ran on time and succeeded, 503 when one needs attention."""
    try:
        healthy, jobs = health_report(db.session)
    except Exception:  # noqa: BLE001 - any database failure means unhealthy, reported not raised
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(jobs), 200 if healthy else 503


ROBOTS_DISALLOW = ("/account/", "/cart", "/checkout", "/orders", "/payments/", "/curator/", "/seller/")


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on pages that name no icon (JSON, images): the site's icon."""
    return redirect(url_for("static", filename="img/favicon.ico"), code=301)


@bp.get("/robots.txt")
def robots():
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in ROBOTS_DISALLOW),
        "Allow: /",
        f"Sitemap: {url_for('site.sitemap_index', _external=True)}",
        "",
    ]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.before_app_request
def forget_previous_locale() -> None:
    """Choose the language afresh for every request.

    Flask-Babel caches the locale on `g`, and `g` outlives a request whenever an app context was
    already pushed (tests, CLI-driven rendering); without this a `?lang=` could be ignored.
    """
    babel_refresh()


@bp.app_context_processor
def language_links() -> dict:
    """`lang_urls`: {"id": "<this page>?lang=id", "en": "…?lang=en"} for the header's switch."""
    return {"lang_urls": language_switch_urls()}


@bp.app_context_processor
def page_links() -> dict:
    """`seo`: canonical URL, hreflang alternates and OpenGraph locales for indexable pages."""
    return {"seo": seo.kept_page_links(current_language())}


#: A sitemap is data, never a page: nothing may load, but the browser's own XML viewer (opened on
#: the file) styles itself inline and draws its fold arrows as data: images, which the pages'
#: policy (style-src 'self') would block. The request hook keeps a header a view set, and adds
#: the other security headers as for any response.
XML_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
)


def _xml(template: str, **values) -> Response:
    response = Response(render_template(template, **values), mimetype="application/xml")
    response.headers["Content-Security-Policy"] = XML_CONTENT_SECURITY_POLICY
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


#: `kept_for_generation` store of the number of public products the sitemap lists.
SITEMAP_COUNT = "site.sitemap_count"


@bp.get("/sitemap.xml")
def sitemap_index():
    """A sitemap index: the site's pages, then the products in files of SITEMAP_CHUNK each. The
    count of public products is kept per catalogue generation (publishing or hiding moves it)."""
    count = kept_for_generation(SITEMAP_COUNT, seo.count_sitemap_products)
    if count is None:
        count = seo.count_sitemap_products(db.session)
    chunks = max(1, -(-count // seo.SITEMAP_CHUNK))
    files = [url_for("site.sitemap_pages", _external=True)] + [
        url_for("site.sitemap_products", chunk=index + 1, _external=True) for index in range(chunks)
    ]
    return _xml("site/sitemap_index.xml", files=files)


def _entries_xml(entries):
    return _xml("site/sitemap.xml", urls=seo.sitemap_urls(entries))


@bp.get("/sitemaps/pages.xml")
def sitemap_pages():
    return _entries_xml(seo.list_sitemap_pages(db.session))


@bp.get("/sitemaps/products-<int:chunk>.xml")
def sitemap_products(chunk: int):
    if chunk < 1:
        abort(404)
    entries = seo.list_sitemap_products(db.session, chunk=chunk - 1)
    if not entries and chunk > 1:
        abort(404)
    return _entries_xml(entries)
