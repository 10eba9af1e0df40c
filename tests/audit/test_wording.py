"""The curator's audit log reads as words: every stored action, record type and key is named, in
Indonesian and English, and values read as values (statuses, money, days, yes/no), never as keys."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace.audit import tracking, wording
from marketplace.audit.services import record_action
from marketplace.dashboard.bulk import COLUMNS as BULK_COLUMNS
from marketplace.labels.label_types import _TYPE_FIELDS
from marketplace.orders.models import FulfilmentStatus
from marketplace.seller.common import REVIEWED_FIELDS
from marketplace.seller.profile import REVIEWED_PROFILE_FIELDS
from marketplace.stock.models import StockMovementKind
from tests.audit.conftest import log_in

ACTION = re.compile(r"[a-z_]+\.[a-z_]+")  # f"mentoring.{kind.value}" leaves "mentoring." alone
PACKAGE = Path(__file__).resolve().parents[2] / "marketplace"
#: Functions that build the before/after values a record_action call stores.
VALUE_BUILDERS = {"label_values", "_state", "_type_values", "_criterion_values", "_account_values"}


def _calls_record_action(node: ast.AST) -> bool:
    return any(
        isinstance(call, ast.Call)
        and getattr(call.func, "id", getattr(call.func, "attr", "")) == "record_action"
        for call in ast.walk(node)
    )


def _audit_functions() -> list[ast.FunctionDef]:
    """Every function calling record_action, and those building its values."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.parent.name == "audit":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and (
                node.name in VALUE_BUILDERS or _calls_record_action(node)
            ):
                found.append(node)
    return found


#: Names the functions writing the log give the values they store before passing them on.
VALUE_NAMES = {"before", "after", "old", "new"}


def _stored_values(function: ast.FunctionDef) -> list[ast.AST]:
    """The expressions holding what a function stores: record_action's before/after, what is
    assigned to `before`, `after`…, and what a value builder returns."""
    found: list[ast.AST] = []
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "record_action":
            found += [k.value for k in node.keywords if k.arg in ("before", "after")]
        elif isinstance(node, ast.Assign) and any(getattr(t, "id", "") in VALUE_NAMES for t in node.targets):
            found.append(node.value)
        elif isinstance(node, ast.Return) and function.name in VALUE_BUILDERS and node.value is not None:
            found.append(node.value)
    return found


def stored_keys() -> set[str]:
    """The keys the audit log stores: dict literals the functions writing it store, the lists of
    fields they copy, and the columns of every tracked record."""
    keys: set[str] = set()
    for function in _audit_functions():
        for value in _stored_values(function):
            for node in ast.walk(value):
                if isinstance(node, ast.Dict):
                    keys |= {
                        k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)
                    }
    # A spreadsheet import stores the columns it changed (never `id`, which finds the product).
    keys |= {*_TYPE_FIELDS, *REVIEWED_FIELDS, *REVIEWED_PROFILE_FIELDS, *(set(BULK_COLUMNS) - {"id"})}
    for cls in tracking._tracked_classes():
        keys |= {a.key for a in sa.inspect(cls).column_attrs if a.key not in tracking.SKIPPED_COLUMNS}
    return keys


def stored_actions() -> set[str]:
    """Actions written by record_action calls (literals, either side of an if, mentoring's kinds,
    the hang-tags' decisions) and by the tracker (each tracked record, parcel steps, stock kinds)."""
    actions = {"mentoring.note", "mentoring.visit", "origin_tag.revoke", "origin_tag.reinstate"}
    for function in _audit_functions():
        for call in ast.walk(function):
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "record_action"):
                continue
            for keyword in call.keywords:
                if keyword.arg == "action":
                    actions |= {
                        n.value
                        for n in ast.walk(keyword.value)
                        if isinstance(n, ast.Constant) and ACTION.fullmatch(str(n.value))
                    }
    for name in tracking._tracked_classes().values():
        if name not in ("fulfilment_event", "stock"):
            actions |= {f"{name}.create", f"{name}.update", f"{name}.delete"}
    actions |= {f"fulfilment.{status.value}" for status in FulfilmentStatus}
    actions |= {f"stock.{kind.value}" for kind in StockMovementKind}
    return actions


def test_every_stored_key_and_action_has_a_name():
    keys = stored_keys()
    assert {"no_end_date", "status", "visited_on", "follow_up_on", "resolution", "price_minor"} <= keys
    assert sorted(keys - set(wording.FIELDS)) == []
    actions = stored_actions()
    assert {"label.verify", "seller.reject", "product_change.approve", "stock.adjustment"} <= actions
    assert sorted(actions - set(wording.ACTIONS)) == []


def test_every_target_type_has_a_name():
    found = set()
    for function in _audit_functions():
        for call in ast.walk(function):
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "record_action":
                found |= {
                    k.value.value
                    for k in call.keywords
                    if k.arg == "target_type" and isinstance(k.value, ast.Constant)
                }
    found |= {
        name for name in tracking._tracked_classes().values() if name not in ("fulfilment_event", "stock")
    }
    assert "label" in found and "seller" in found
    assert sorted(found - set(wording.TARGET_TYPES)) == []


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("en", ["Status: requested → verified", "Certificate without an end date (curator's word): yes"]),
        (
            "id",
            ["Status: diajukan → terverifikasi", "Sertifikat tanpa tanggal berakhir (menurut kurator): ya"],
        ),
    ],
)
def test_changes_read_as_words(app, lang, expected):
    with app.test_request_context(), force_locale(lang):
        rows = wording.changes({"status": "requested"}, {"status": "verified", "no_end_date": True}, lang)
        assert [f"{row['field']}: {row['text']}" for row in rows] == expected
        visit = wording.changes(
            None,
            {"note_id": 4, "kind": "visit", "visited_on": "2026-12-03", "follow_up_on": None, "body": "Cek"},
            lang,
        )
        texts = {row["field"]: row["text"] for row in visit}
        assert texts[str(wording.FIELDS["kind"])] == ("field visit" if lang == "en" else "kunjungan lapangan")
        assert texts[str(wording.FIELDS["visited_on"])] == ("3 Dec 2026" if lang == "en" else "3 Des 2026")
        assert texts[str(wording.FIELDS["note_id"])] == "#4"
        refund = wording.changes({"refunded_minor": 0}, {"amount_minor": 1250, "currency": "EUR"}, lang)
        assert "12" in refund[1]["text"] and "€" in refund[1]["text"]
        unknown = wording.changes({}, {"some_new_key": "x"}, lang)
        assert unknown[0]["field"] == "some new key"


def test_the_log_page_names_actions_fields_and_values(app, session, world):
    record_action(
        session, actor=world.curator, action="label.verify", target_type="label", target_id=7,
        target_label="halal · Kopi", seller_id=world.seller_a.id,
        before={"status": "requested"}, after={"status": "verified", "no_end_date": True},
    )  # fmt: skip
    record_action(
        session, actor=world.curator, action="mentoring.visit", target_type="seller",
        target_id=world.seller_a.id, seller_id=world.seller_a.id,
        after={"note_id": 1, "kind": "visit", "visited_on": datetime(2026, 12, 3, tzinfo=UTC).date(),
               "follow_up_on": None, "body": "Visited the workshop"},
    )  # fmt: skip
    session.commit()
    curator = log_in(app.test_client(), world.curator.email, lang="id")
    html = curator.get("/curator/audit").get_data(as_text=True)
    assert "Label mutu diverifikasi" in html and "<code>label.verify</code>" in html
    assert "<strong>Sertifikat tanpa tanggal berakhir (menurut kurator)</strong>: ya" in html
    assert "<strong>Status</strong>: diajukan → terverifikasi" in html
    assert "Kunjungan pendampingan dicatat" in html and "<strong>Jenis</strong>: kunjungan lapangan" in html
    assert "<strong>Hari</strong>: 3 Des 2026" in html
    for key in ("no_end_date", "visited_on", "note_id", "follow_up_on", "— → True", ">status<"):
        assert key not in html, key
    # The filter suggests actions and record types by name, in the reader's language.
    assert '<option value="label.verify" label="Label mutu diverifikasi">' in html


def test_a_status_reads_as_its_record_means_it(app):
    with app.test_request_context(), force_locale("id"):
        tag = wording.changes({"status": "active"}, {"status": "revoked"}, "id", target_type="origin_tag")
        product = wording.changes({"status": "active"}, {"status": "archived"}, "id", target_type="product")
    assert tag[0]["text"] == "berlaku → ditarik"  # a hang-tag is valid, not "on sale"
    assert product[0]["text"] == "dijual → diarsipkan"
