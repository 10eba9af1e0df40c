"""Payout pages: the curators' ledger per period (mark paid, bank bulk CSV, commission rate) and
the seller's "Sales and payouts" page."""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from marketplace import params
from marketplace.accounts.access import curator_required, seller_area
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.payouts import availability, presenters, schedule, services
from marketplace.payouts.forms import CommissionForm, PayoutForm, new_token, parse_rupiah
from marketplace.payouts.refund_details import refund_items
from marketplace.seller import application as seller_application
from marketplace.seller.models import Seller
from marketplace.seller.payout_accounts import may_record_account
from marketplace.seller.presenters import payout_text
from marketplace.spreadsheets import safe_cell
from marketplace.timezones import jakarta_date, market_today
from marketplace.types import utcnow
from marketplace.views_support import csv_chunks, domain_errors, error_messages, streamed_csv

bp = Blueprint("payouts", __name__)


# -- curators -------------------------------------------------------------------------------------


def _render_index(pay_errors: dict | None = None, status: int = 200, failed_seller: int | None = None):
    """The period's balances; after a refused "mark paid", `pay_errors` (field or None → message)
    are shown at the top of the page and beside the inputs of `failed_seller`'s row."""
    lang = current_language()
    now = utcnow()
    year, month = services.parse_month(request.values.get("month"), now=now)
    summary = services.list_period_summary(db.session, year=year, month=month)
    prev_year, prev_month = (year - 1, 12) if month == 1 else (year, month - 1)
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    rows = presenters.period_rows(summary, lang=lang)
    pay_errors = pay_errors or {}
    refused = []
    for row in rows:
        row["token"] = new_token()
        # An artisan without an account: a curator records the bank account with their consent.
        row["artisan_url"] = (
            ""
            if row["has_owner"]
            else url_for("facilitators.curator_payout_account", seller_id=row["seller_id"])
        )
        failed = failed_seller == row["seller_id"]
        row["pay_inputs"] = _pay_inputs(row, pay_errors if failed else {}, request.form if failed else None)
        if failed:
            refused = _refused_payout(row, pay_errors)
    if failed_seller is not None and not refused:  # the seller is not listed this month
        refused = [{"message": message} for message in pay_errors.values()]
    return render_template(
        "payouts/index.html",
        rows=rows,
        refused=refused,
        # Nothing to correct on the page (another tab paid first, an old form): say what happened.
        refused_title=_("The payout was not recorded.")
        if refused and not any(r.get("id") for r in refused)
        else "",
        month_value=f"{year:04d}-{month:02d}",
        month_label=presenters.month_label(year, month, lang, "MMMM y"),
        prev_month=f"{prev_year:04d}-{prev_month:02d}",
        next_month=f"{next_year:04d}-{next_month:02d}",
        missing_accounts=[row for row in rows if row["owed"] and not row["has_account"]],
        rate=presenters.percent_text(services.rate_on(db.session, jakarta_date(now)), lang),
        payout_run=_payout_run_text(now, lang),
    ), status


def _payout_run_text(now, lang: str) -> str:
    """ "Payouts are made every Friday. Next payout run: Friday 11 December." (PAYOUT_WEEKDAY)"""
    weekday = current_app.config["PAYOUT_WEEKDAY"]
    return _(
        "Payouts are made every %(weekday)s. Next payout run: %(day)s.",
        weekday=presenters.weekday_name(weekday, lang),
        day=presenters.payout_day_text(schedule.next_payout_day(market_today(now), weekday), lang),
    )


def _pay_inputs(row: dict, errors: dict, typed) -> list[dict]:
    """The mark-paid form's two inputs: what was typed in a refused form (`typed`), else the balance."""
    seller_id = row["seller_id"]
    return [
        {
            "id": f"amount-{seller_id}", "name": "amount", "label": _("Amount (Rp)"), "numeric": True,
            "maxlength": 20, "size": 10, "error": errors.get("amount", ""),
            "value": typed.get("amount", "") if typed is not None else row["balance_value"],
        },
        {
            "id": f"ref-{seller_id}", "name": "bank_reference", "label": _("Bank reference"),
            "numeric": False, "maxlength": 120, "size": 12, "error": errors.get("bank_reference", ""),
            "value": typed.get("bank_reference", "") if typed is not None else "",
        },
    ]  # fmt: skip


def _refused_payout(row: dict, pay_errors: dict) -> list[dict]:
    """The error summary's lines for a refused payout: each linked to its input in the seller's row
    while the form is still there (another tab may have paid the balance: then the message alone)."""
    shown = bool(row["owed"] and row["has_account"])
    inputs = {item["name"]: item for item in row["pay_inputs"]}
    lines = []
    for field, message in pay_errors.items():
        if shown and field in inputs:
            label = f"{row['name']} · {inputs[field]['label']}"
            lines.append({"id": inputs[field]["id"], "label": label, "message": message})
        else:
            lines.append({"message": f"{row['name']}: {message}"})
    return lines


def _pay_form_errors(form: PayoutForm) -> tuple[dict, int | None]:
    """Every wrong field of the mark-paid form at once, and the amount in rupiah when it reads."""
    errors: dict = {}
    if form.errors.keys() - {"amount", "bank_reference"}:  # the CSRF token: an old or foreign page
        errors[None] = _("The form expired. Please open the page again.")
    amount = parse_rupiah(form.amount.data)
    if form.amount.errors:
        errors["amount"] = " ".join(map(str, form.amount.errors))
    elif amount is None:
        errors["amount"] = _("Enter the amount in whole rupiah, e.g. 125000.")
    if form.bank_reference.errors:
        errors["bank_reference"] = " ".join(map(str, form.bank_reference.errors))
    return errors, amount


@bp.get("/curator/payouts")
@curator_required
def index():
    return _render_index()


@bp.post("/curator/payouts/<int:seller_id>/pay")
@curator_required
def pay(seller_id: int):
    form = PayoutForm()
    form.validate()
    errors, amount = _pay_form_errors(form)
    if errors:
        return _render_index(errors, 400, seller_id)
    try:
        with domain_errors() as outcome:
            services.create_payout(
                db.session,
                seller_id=seller_id,
                amount_idr=amount,
                bank_reference=form.bank_reference.data or "",
                token=form.token.data or "",
                actor=current_user,
                now=utcnow(),
            )
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        if services.find_payout_by_token(db.session, form.token.data or "") is None:
            raise
    if not outcome.ok:
        if outcome.error.status == 404:
            abort(404)
        return _render_index(error_messages(outcome.error), 400, seller_id)
    flash(_("The payout is recorded."), "success")
    return redirect(url_for("payouts.index", month=request.form.get("month") or None), code=303)


@bp.get("/curator/payouts/transfers.csv")
@curator_required
def bulk_csv():
    year, month = services.parse_month(request.args.get("month"), now=utcnow())
    text, _missing = services.bulk_transfer_csv(db.session, year=year, month=month)
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="payouts-{year:04d}-{month:02d}.csv"'},
    )


def _render_commission(form: CommissionForm, status: int = 200):
    lang = current_language()
    rates = [
        {
            "percent": presenters.percent_text(rate.percent, lang),
            "from": rate.effective_from.isoformat(),
            "note": rate.note,
        }
        for rate in services.list_commission_rates(db.session)
    ]
    return render_template(
        "payouts/commission.html",
        form=form,
        rates=rates,
        current=presenters.percent_text(services.rate_on(db.session, jakarta_date(utcnow())), lang),
        default=presenters.percent_text(services.DEFAULT_COMMISSION_PERCENT, lang),
        lang=lang,
    ), status


@bp.get("/curator/payouts/commission")
@curator_required
def commission():
    return _render_commission(CommissionForm(formdata=None))


@bp.post("/curator/payouts/commission")
@curator_required
def set_commission():
    form = CommissionForm()
    if not form.validate():
        return _render_commission(form, 400)
    with domain_errors(form) as outcome:
        percent = services.parse_percent(form.percent.data)
        services.set_commission_rate(
            db.session,
            percent=percent,
            effective_from=form.effective_from.data,
            actor=current_user,
            note=form.note.data or "",
            now=utcnow(),
        )
        db.session.commit()
    if not outcome.ok:
        return _render_commission(form, 400)
    flash(_("The commission rate is saved."), "success")
    return redirect(url_for("payouts.commission"), code=303)


# -- sellers --------------------------------------------------------------------------------------


def _shops() -> tuple[list[tuple[int, str]], int]:
    """The account's shops and the one chosen (?shop=); another shop → 404."""
    shops = list(
        db.session.execute(
            sa.select(Seller.id, Seller.name).where(Seller.id.in_(g.seller_ids)).order_by(Seller.id)
        )
    )
    raw = request.args.get("shop", "")
    if not raw:
        return [tuple(s) for s in shops], shops[0][0]
    shop_id = params.find_id(raw)
    if shop_id not in g.seller_ids:
        abort(404)
    return [tuple(s) for s in shops], shop_id


@bp.get("/seller/sales")
@seller_area
def seller_sales():
    lang = current_language()
    now = utcnow()
    shops, shop_id = _shops()
    figures = services.monthly_sales(db.session, [shop_id], now=now)
    top = services.top_products(db.session, [shop_id], now=now)
    return render_template(
        "payouts/seller_sales.html",
        shops=[{"id": sid, "name": name, "current": sid == shop_id} for sid, name in shops],
        shop_id=shop_id,
        payout_account=payout_text(account := seller_application.find_payout_account(db.session, shop_id)),
        add_account_url="" if account else _add_account_url(shop_id),
        chart=presenters.chart(figures, lang=lang),
        months=presenters.month_rows(figures, lang=lang),
        top=[
            {
                "title": t_en if lang == "en" and t_en else t_id,
                "units": units,
                "revenue": presenters.rupiah(rev, lang),
            }
            for t_id, t_en, units, rev in top
        ],
        totals=presenters.totals_view(
            services.ledger_totals(db.session, [shop_id]),
            lang=lang,
            balances=availability.balances_of(db.session, shop_id),
        ),
        entries=_ledger_rows(shop_id, lang),
        rate=presenters.percent_text(services.rate_on(db.session, jakarta_date(now)), lang),
        **_payout_schedule(shop_id, now, lang),
    )


def _add_account_url(shop_id: int) -> str:
    """Where this account adds the shop's payout bank account, when it may (`may_record_account`)."""
    owner_id = db.session.scalar(sa.select(Seller.user_id).where(Seller.id == shop_id))
    if not may_record_account(owner_id, current_user.id):
        return ""
    return url_for("facilitators.payout_account", seller_id=shop_id)


def _payout_schedule(shop_id: int, now, lang: str) -> dict:
    """When the shop's money is paid: the rule's sentences and its pending parcels (two queries)."""
    weekday = current_app.config["PAYOUT_WEEKDAY"]
    return {
        "schedule": presenters.payout_schedule_view(
            rule=schedule.auto_complete_rule(db.session),
            weekday=weekday,
            next_run=schedule.next_payout_day(market_today(now), weekday),
            lang=lang,
        ),
        "pending_parcels": presenters.pending_parcel_rows(
            schedule.list_pending_parcels(db.session, shop_id, weekday=weekday),
            lang=lang,
            parcel_url=lambda fulfilment_id: url_for("seller.order", fulfilment_id=fulfilment_id),
        ),
        "pending_limit": schedule.PENDING_LIST_LIMIT,
    }


def _ledger_rows(shop_id: int, lang: str) -> list[dict]:
    """The last 50 entries; refunds say which units they took back, and link to the parcel; entries of
    parcels not delivered yet say they are pending."""
    entries = services.list_entries(db.session, [shop_id], limit=50)
    return presenters.entry_rows(
        entries,
        lang=lang,
        refund_items=refund_items(db.session, entries),
        parcel_url=lambda fulfilment_id: url_for("seller.order", fulfilment_id=fulfilment_id),
        delivered=availability.delivered_fulfilment_ids(db.session, [e.fulfilment_id for e in entries]),
    )


@bp.get("/seller/sales.csv")
@seller_area
def seller_sales_csv():
    _shops_list, shop_id = _shops()
    header = ["date_wib", "kind", "reference", "amount_idr"]
    rows = _sales_csv_rows(services.iter_entry_rows(db.session, [shop_id]))
    return streamed_csv(csv_chunks(header, rows), f"sales-{shop_id}.csv")


def _sales_csv_rows(entries) -> Iterator[list]:
    """The file's rows. Entries come newest first, so a Jakarta day's text is made once and kept
    while the rows stay on that day (80,000 rows, about a thousand days)."""
    day = day_text = None
    for entry_day, kind, reference, amount_idr in entries:
        if entry_day != day:
            day, day_text = entry_day, entry_day.isoformat()
        yield [day_text, kind, safe_cell(reference), amount_idr]
