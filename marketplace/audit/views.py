"""Audit pages: the curator's log (filters, CSV) and a shop's history in the seller dashboard.

Blueprint "audit" (no prefix). Both pages page by id (keyset: "?before=<id>"), one query per page.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace import params
from marketplace.accounts.access import curator_required, seller_area
from marketplace.accounts.models import ActorRole
from marketplace.audit import presenters, services, wording
from marketplace.audit import seller_history as seller_history_presenter
from marketplace.audit.forms import AuditFilterForm
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.spreadsheets import BOM, csv_style
from marketplace.views_support import csv_chunks, streamed_csv

bp = Blueprint("audit", __name__)

FILTER_NAMES = ("action", "actor", "role", "seller_id", "target_type", "target_id", "date_from", "date_to")


def _before_id() -> int | None:
    return params.find_id(request.args.get("before"))


def _page(
    entries, lang: str, endpoint: str, args: dict, *, name_curators: bool = True
) -> tuple[list[dict], str]:
    """Rows of one page, and the link to the next (older) page when there is one."""
    more = len(entries) > services.PAGE_SIZE
    entries = entries[: services.PAGE_SIZE]
    rows = [presenters.entry_row(entry, shop, lang, name_curators=name_curators) for entry, shop in entries]
    older = url_for(endpoint, **args, before=entries[-1][0].id) if more else ""
    return rows, older


# ---------------------------------------------------------------------------------------------
# Curator: the whole log
# ---------------------------------------------------------------------------------------------


def _filters() -> tuple[AuditFilterForm, services.AuditFilter | None]:
    form = AuditFilterForm(request.args)
    form.set_choices(services.list_sellers_in_log(db.session))
    if not form.validate():
        return form, None
    return form, services.AuditFilter(
        action=form.action.data or "",
        actor=form.actor.data or "",
        role=ActorRole(form.role.data) if form.role.data else "",
        seller_id=int(form.seller_id.data) if form.seller_id.data else None,
        target_type=form.target_type.data or "",
        target_id=form.target_id.data,
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )


def _filter_args() -> dict:
    return {name: request.args[name] for name in FILTER_NAMES if request.args.get(name)}


@bp.get("/curator/audit")
@curator_required
def log():
    form, filters = _filters()
    args = _filter_args()
    if filters is None:
        return render_template(
            "audit/log.html", form=form, rows=[], older="", newest="", csv_url="", **wording.suggestions()
        ), 400
    before = _before_id()
    entries = services.list_entries(
        db.session, filters=filters, before_id=before, limit=services.PAGE_SIZE + 1
    )
    rows, older = _page(entries, current_language(), "audit.log", args)
    return render_template(
        "audit/log.html",
        form=form,
        rows=rows,
        older=older,
        newest=url_for("audit.log", **args) if before else "",
        csv_url=url_for("audit.log_csv", **args),
        **wording.suggestions(),
    )


@bp.get("/curator/audit.csv")
@curator_required
def log_csv():
    form, filters = _filters()
    if filters is None:
        return Response(_("The filters are not valid."), status=400, mimetype="text/plain")
    entries = services.iter_entries(db.session, filters=filters)
    rows = map(presenters.csv_cells, entries)
    # The reader's spreadsheet style (";" in Indonesian), UTF-8 with a BOM, as every console CSV.
    style = csv_style(current_language())
    chunks = csv_chunks(presenters.CSV_HEADER, rows, prefix=BOM, delimiter=style.delimiter)
    return streamed_csv(chunks, "audit-log.csv")


# ---------------------------------------------------------------------------------------------
# Seller: the history of the account's shops
# ---------------------------------------------------------------------------------------------


@bp.get("/seller/history")
@seller_area
def seller_history():
    """Plain sentences for the seller (`seller_history`), SELLER_PAGE_SIZE at a time, older by link."""
    before = _before_id()
    page_size = seller_history_presenter.PAGE_SIZE
    entries = services.list_entries(
        db.session, seller_ids=g.seller_ids, before_id=before, limit=page_size + 1
    )
    lang = current_language()
    shown = entries[:page_size]
    label_names = seller_history_presenter.label_names(db.session, lang)
    rows = seller_history_presenter.history_rows(
        shown, lang, viewer_id=current_user.id, label_names=label_names
    )
    older = url_for("audit.seller_history", before=shown[-1][0].id) if len(entries) > page_size else ""
    return render_template(
        "audit/seller_history.html",
        rows=rows,
        older=older,
        newest=url_for("audit.seller_history") if before else "",
        multi_shop=len(g.seller_ids) > 1,
    )
