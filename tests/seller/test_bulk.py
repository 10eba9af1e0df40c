"""CSV bulk edit: export, import with every row checked, all or nothing, review path, CLI."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.catalogue.models import ProductStatus, ProductVariant
from marketplace.curation.models import ProductRevision, RevisionStatus
from marketplace.dashboard import bulk, bulk_export
from marketplace.stock.models import StockMovement
from marketplace.types import utcnow
from tests.built_once import built_once
from tests.factories import make_product
from tests.seller.conftest import log_in, snapshot

DESCRIPTION = "Keranjang rotan anyaman tangan dari Tambong, kuat dan ringan."


@pytest.fixture
def shop(session, world):
    return built_once(session, _build_shop, world)


def _build_shop(session, world):
    """Seller A with two products whose data passes the listing rules (as the form leaves them)."""
    world.product_a.description_id = DESCRIPTION
    draft = make_product(
        session, seller=world.seller_a, cluster=world.cluster, title_id="Tikar pandan", title_en="Pandan mat",
        description_id=DESCRIPTION, status=ProductStatus.PENDING_REVIEW, stock=3, length_mm=300,
        width_mm=200, height_mm=150,
    )  # fmt: skip
    session.commit()
    world.draft = draft
    return world


def csv_bytes(*lines: str, bom: bool = False) -> bytes:
    return (("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n").encode("utf-8")


def plan(session, data: bytes, seller_ids):
    return bulk.plan_import(session, bulk.parse_csv(data), seller_ids=seller_ids)


def audit_rows(session):
    return list(session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "product.csv_import")))


def test_export_has_a_bom_every_column_and_only_the_shops_products(session, shop):
    text = bulk_export.export_csv(session, [shop.seller_a.id])
    assert text.startswith("\ufeff")
    lines = text.removeprefix("\ufeff").splitlines()
    assert lines[0] == ",".join(bulk.COLUMNS)
    assert len(lines) == 3  # product_a and the draft, not seller B's product
    a = dict(zip(bulk.COLUMNS, lines[1].split(","), strict=True))
    assert a["id"] == str(shop.product_a.id) and a["price_idr"] == "85000" and a["stock"] == "8"
    assert a["exportable"] == "no" and a["status"] == "active" and a["dimensions"] == ""
    assert "30x20x15" in lines[2]
    # The export, imported unchanged, changes nothing.
    unchanged = plan(session, text.encode("utf-8"), [shop.seller_a.id])
    assert unchanged.valid and unchanged.changes == [] and unchanged.rows == 2


def test_formula_cells_are_neutralised_and_survive_a_round_trip(session, shop):
    shop.draft.title_id = "=HYPERLINK(x)"
    session.commit()
    text = bulk_export.export_csv(session, [shop.seller_a.id])
    assert "'=HYPERLINK(x)" in text
    assert plan(session, text.encode(), [shop.seller_a.id]).changes == []


def test_a_good_file_applies_stock_direct_fields_and_sends_price_to_review(session, shop):
    a, draft = shop.product_a, shop.draft
    data = csv_bytes(
        "id,title_id,price_idr,stock,weight_grams,dimensions,exportable,hs_code,status",
        f'{a.id},Keranjang rotan,"95.000",20,750,30x20x10,yes,4602.10,archived',
        f"{draft.id},Tikar pandan besar,Rp 120000,3,500,,no,,active",
        bom=True,
    )
    result_plan = plan(session, data, [shop.seller_a.id])
    assert result_plan.errors == []
    by_id = {c.product.id: c.fields for c in result_plan.changes}
    assert by_id[a.id]["price_idr"] == ("85000", "95000") and by_id[a.id]["stock"] == ("8", "20")
    assert "status" not in by_id[a.id]  # reference only
    result = bulk.apply_import(session, plan=result_plan, actor=shop.user_a, now=utcnow())
    session.commit()
    assert (result.changed, result.sent_for_review, result.stock_changes) == (2, 1, 1)
    session.expire_all()
    # The live product keeps its price until a curator approves; direct fields apply at once.
    assert a.price_minor == 85_000 and a.status == ProductStatus.ACTIVE
    assert (a.stock, a.weight_grams, a.length_mm, a.height_mm, a.exportable, a.hs_code) == (
        20, 750, 300, 100, True, "4602.10",
    )  # fmt: skip
    revision = session.scalars(sa.select(ProductRevision).where(ProductRevision.product_id == a.id)).one()
    assert revision.status == RevisionStatus.PENDING and revision.changes == {"price_minor": 95_000}
    assert revision.submitted_by_id == shop.user_a.id
    # A product still in review takes the text and price directly (as the product form does).
    assert (draft.title_id, draft.price_minor, draft.length_mm, draft.stock) == (
        "Tikar pandan besar", 120_000, None, 3,
    )  # fmt: skip
    movement = session.scalars(
        sa.select(StockMovement).where(StockMovement.product_id == a.id).order_by(StockMovement.id.desc())
    ).first()
    assert (movement.quantity_delta, movement.reason, movement.actor_id) == (12, "CSV import", shop.user_a.id)
    entries = {e.target_id: e for e in audit_rows(session)}
    assert entries[a.id].actor_id == shop.user_a.id and entries[a.id].actor_role == "seller"
    assert entries[a.id].before["stock"] == "8" and entries[a.id].after["stock"] == "20"
    assert entries[a.id].seller_id == shop.seller_a.id


def test_semicolon_separated_without_bom_and_only_some_columns(session, shop):
    data = csv_bytes("ID;Stock", f"{shop.product_a.id};5", "", ";")
    result_plan = plan(session, data, [shop.seller_a.id])
    assert result_plan.valid and [c.fields for c in result_plan.changes] == [{"stock": ("8", "5")}]


@pytest.mark.parametrize(
    "case",
    [
        "bad_number", "other_sellers_id", "unknown_column", "duplicate_id", "negative_stock", "no_id",
        "exportable_without_hs", "bad_dimensions", "archived", "missing_id_column",
    ],
)  # fmt: skip
def test_broken_rows_are_reported_per_row_and_nothing_is_applied(session, shop, case):
    a, b, draft = shop.product_a, shop.product_b, shop.draft
    header = "id,price_idr,stock,exportable,hs_code,dimensions"
    good = f"{draft.id},120000,4,no,,"
    files = {
        "bad_number": ([header, good, f"{a.id},dua ratus,8,no,,"], (3, "price_idr")),
        "other_sellers_id": ([header, good, f"{b.id},1000,1,no,,"], (3, "id")),
        "unknown_column": (["id,stock,harga", f"{a.id},1,2"], (1, "harga")),
        "duplicate_id": ([header, good, f"{draft.id},1000,1,no,,"], (3, "id")),
        "negative_stock": ([header, good, f"{a.id},85000,-3,no,,"], (3, "stock")),
        "no_id": ([header, good, ",85000,3,no,,"], (3, "id")),
        "exportable_without_hs": ([header, good, f"{a.id},85000,8,yes,,"], (3, "hs_code")),
        "bad_dimensions": ([header, good, f"{a.id},85000,8,no,,30 by 20"], (3, "dimensions")),
        "archived": ([header, good, f"{a.id},85000,9,no,,"], (3, "")),
        "missing_id_column": (["stock", "3"], (1, "id")),
    }
    if case == "archived":
        a.status = ProductStatus.ARCHIVED
        session.commit()
    lines, expected = files[case]
    before = snapshot(session)
    result_plan = plan(session, csv_bytes(*lines), [shop.seller_a.id])
    assert [(e.row, e.column) for e in result_plan.errors] == [expected], result_plan.errors
    assert all(e.message for e in result_plan.errors)
    with pytest.raises(bulk.InvalidImport):
        bulk.apply_import(session, plan=result_plan, actor=shop.user_a, now=utcnow())
    session.rollback()
    assert snapshot(session) == before and audit_rows(session) == []


def test_every_row_is_checked_not_just_the_first_error(session, shop):
    a, draft = shop.product_a, shop.draft
    data = csv_bytes("id,stock,weight_grams", f"{a.id},-1,0", f"{draft.id},x,99999999", "999999,1,1")
    errors = plan(session, data, [shop.seller_a.id]).errors
    assert [(e.row, e.column) for e in errors] == [
        (2, "stock"), (2, "weight_grams"), (3, "stock"), (3, "weight_grams"), (4, "id"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"\xef\xbb\xbf  \r\n", "empty"),
        ("id,title_id\r\n1,Tas anyaman é\r\n".encode("latin-1"), "UTF-8"),
        (b"id,stock\r\n", "no product rows"),
        (b"id,stock\r\n" + b"1,1\r\n" * (bulk.MAX_ROWS + 1), "more than 5000 rows"),
        (b"id,stock\r\n" + b"1," + b"9" * bulk.MAX_BYTES + b"\r\n", "larger than"),
        (b'id,title_id\r\n1,"unterminated\r\n', "not a valid CSV"),
    ],
    ids=["empty", "only-bom", "latin-1", "header-only", "too-many-rows", "too-large", "broken-quotes"],
)
def test_files_that_are_not_usable_get_one_clear_message(session, shop, data, message):
    result_plan = plan(session, data, [shop.seller_a.id])
    assert len(result_plan.errors) == 1 and message in result_plan.errors[0].message
    assert result_plan.changes == []


def test_a_stock_change_lost_to_an_order_since_the_check_rolls_everything_back(session, shop):
    a, draft = shop.product_a, shop.draft
    result_plan = plan(session, csv_bytes("id,stock", f"{draft.id},30", f"{a.id},50"), [shop.seller_a.id])
    # An order took one: from the product's variant and its total.
    session.execute(sa.update(type(a)).where(type(a).id == a.id).values(stock=7))
    session.execute(sa.update(ProductVariant).where(ProductVariant.product_id == a.id).values(stock=7))
    session.commit()
    before = snapshot(session)
    with pytest.raises(bulk.InvalidImport) as error:
        bulk.apply_import(session, plan=result_plan, actor=shop.user_a, now=utcnow())
    session.rollback()
    assert [(e.row, "stock changed" in e.message) for e in error.value.errors] == [(3, True)]
    assert snapshot(session) == before


# ---------------------------------------------------------------------------------------------
# Through the browser (no JavaScript): download, upload, preview, confirm
# ---------------------------------------------------------------------------------------------


def test_download_preview_and_confirm(app, session, shop):
    client = log_in(app.test_client(), shop.user_a.email)
    assert "export.csv" in client.get("/seller/products").get_data(as_text=True)
    response = client.get("/seller/products/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert "Keranjang rotan" in text and "Batik tulis" not in text
    edited = text.replace(f"\r\n{shop.product_a.id},", f"\r\n{shop.product_a.id},", 1)
    edited = re.sub(rf"(\r\n{shop.product_a.id},[^,]*,[^,]*,[^,]*,[^,]*,)8,", r"\g<1>15,", edited)
    assert edited != text
    before = snapshot(session)
    page = client.post(
        "/seller/products/import",
        data={"action": "preview", "file": (__import__("io").BytesIO(edited.encode()), "products.csv")},
        content_type="multipart/form-data",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Apply these changes" in html and ">15<" in html
    assert snapshot(session) == before  # a preview changes nothing
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', html)[1]
    changes = re.search(r'id="csv" name="csv" type="hidden" value="([^"]*)"', html)[1]
    changes = (
        changes.replace("&#13;", "\r").replace("&#10;", "\n").replace("&#34;", '"').replace("&amp;", "&")
    )
    response = client.post(
        "/seller/products/import", data={"action": "confirm", "csv": changes, "token": token}
    )
    assert response.status_code == 303
    session.expire_all()
    assert shop.product_a.stock == 15
    # Confirming the same preview again: the products changed since, so nothing more happens.
    before = snapshot(session)
    page = client.post("/seller/products/import", data={"action": "confirm", "csv": changes, "token": token})
    assert page.status_code == 200 and snapshot(session) == before


def test_a_broken_upload_shows_the_error_table_and_changes_nothing(app, session, shop):
    import io

    client = log_in(app.test_client(), shop.user_a.email)
    before = snapshot(session)
    data = csv_bytes("id,stock", f"{shop.product_b.id},5", f"{shop.product_a.id},-2")
    page = client.post(
        "/seller/products/import",
        data={"action": "preview", "file": (io.BytesIO(data), "x.csv")},
        content_type="multipart/form-data",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "not one of your products" in html and "Enter a number from 0" in html
    assert "Apply these changes" not in html
    # A forged confirmation naming another seller's product is checked again, and refused.
    page = client.post(
        "/seller/products/import",
        data={"action": "confirm", "csv": f"id,stock\r\n{shop.product_b.id},5\r\n", "token": "x"},
    )
    assert page.status_code == 400 and snapshot(session) == before


def test_a_file_that_cannot_be_read_says_so_in_a_sentence_not_a_table_row(app, session, shop):
    import io

    client = log_in(app.test_client(), shop.user_a.email)
    page = client.post(
        "/seller/products/import",
        data={"action": "preview", "file": (io.BytesIO(b""), "x.csv")},
        content_type="multipart/form-data",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "The file could not be read: nothing was changed" in html
    assert "The file is empty." in html and "<table>" not in html and ">–<" not in html
    # One row error reads "1 error", not "1 errors".
    page = client.post(
        "/seller/products/import",
        data={
            "action": "preview",
            "file": (io.BytesIO(csv_bytes("id,stock", f"{shop.product_a.id},-2")), "x.csv"),
        },
        content_type="multipart/form-data",
    )
    assert "The file has 1 error: nothing was changed" in page.get_data(as_text=True)


def test_only_sellers_reach_the_csv_pages(app, session, shop):
    anonymous = app.test_client()
    for path in ("/seller/products/export.csv", "/seller/products/import"):
        assert anonymous.get(path).status_code in (302, 303)
        buyer = log_in(app.test_client(), shop.buyer.email)
        assert buyer.get(path).status_code == 404
    seller_b = log_in(app.test_client(), shop.user_b.email)
    text = seller_b.get("/seller/products/export.csv").get_data().decode()
    assert "Batik tulis" in text and "Keranjang rotan" not in text


# ---------------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------------


def test_cli_export_then_import_with_dry_run_errors_and_success(app, session, shop, tmp_path, runner):
    result = runner.invoke(args=["seller", "export-csv", "--seller", shop.seller_a.slug])
    assert result.exit_code == 0 and "Keranjang rotan" in result.output

    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes("id;stock;low_stock_threshold", f"{shop.product_a.id};40;5"))
    before = snapshot(session)
    result = runner.invoke(
        args=["seller", "import-csv", "--seller", shop.seller_a.slug, "--dry-run", str(good)]
    )
    assert result.exit_code == 0, result.output
    assert "1 would change" in result.output and snapshot(session) == before

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes("id,stock", f"{shop.product_a.id},40", f"{shop.product_b.id},1"))
    result = runner.invoke(args=["seller", "import-csv", "--seller", shop.seller_a.slug, str(bad)])
    assert result.exit_code == 1
    assert "row 3 [id]" in result.output and "nothing was changed" in result.output
    assert snapshot(session) == before

    result = runner.invoke(
        args=["seller", "import-csv", "--seller", shop.seller_a.slug, "--actor", shop.user_a.email, str(good)]
    )
    assert result.exit_code == 0, result.output
    assert "applied 1 product change(s): 1 stock" in result.output
    session.expire_all()
    assert (shop.product_a.stock, shop.product_a.low_stock_threshold) == (40, 5)
    assert [e.actor_id for e in audit_rows(session)] == [shop.user_a.id]

    result = runner.invoke(args=["seller", "import-csv", "--seller", "no-such-shop", str(good)])
    assert result.exit_code == 2


def test_export_and_preview_queries_do_not_grow_with_the_products(app, session, shop, count_queries):
    import io

    client = log_in(app.test_client(), shop.user_a.email)

    def measure():
        text = client.get("/seller/products/export.csv").get_data()
        with count_queries() as exporting:
            client.get("/seller/products/export.csv")
        with count_queries() as previewing:
            page = client.post(
                "/seller/products/import",
                data={"action": "preview", "file": (io.BytesIO(text.replace(b",no,", b",yes,")), "p.csv")},
                content_type="multipart/form-data",
            )
        assert page.status_code == 400  # exportable without an HS code, on every row
        return exporting.count, previewing.count

    few = measure()
    for _ in range(8):
        make_product(session, seller=shop.seller_a, cluster=shop.cluster, description_id=DESCRIPTION)
    session.commit()
    assert measure() == few


def test_export_is_streamed_in_batches_as_one_file(app, session, shop, monkeypatch):
    """products.csv reads the products a batch at a time and sends pieces (issue 16): the same
    bytes as one batch."""
    from marketplace import views_support

    for n in range(4):
        make_product(session, seller=shop.seller_a, cluster=shop.cluster, title_id=f"Tampah {n}", stock=n)
    session.commit()
    whole = _export_as_before(session, [shop.seller_a.id])
    assert bulk_export.export_csv(session, [shop.seller_a.id]) == whole
    monkeypatch.setattr(bulk_export, "EXPORT_BATCH", 2)
    monkeypatch.setattr(views_support, "CSV_CHUNK_CHARS", 50)
    assert bulk_export.export_csv(session, [shop.seller_a.id]) == whole
    response = log_in(app.test_client(), shop.user_a.email).get("/seller/products/export.csv")
    assert "Content-Length" not in response.headers  # streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.get_data().decode("utf-8") == whole and whole.count("Tampah") == 4


def _export_as_before(session, seller_ids) -> str:
    """bulk.export_csv as it was before streaming: every product loaded at once (the oracle)."""
    import csv
    import io

    from marketplace.catalogue.models import Product
    from marketplace.catalogue.variants import load_options_and_variants
    from marketplace.spreadsheets import safe_cell

    products = list(
        session.scalars(sa.select(Product).where(Product.seller_id.in_(seller_ids)).order_by(Product.id))
    )
    pending = bulk._pending_changes(session, [p.id for p in products])
    load_options_and_variants(session, products)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(bulk.COLUMNS)
    for product in products:
        values = bulk._current_values(product, pending.get(product.id, {}))
        for variant in product.variants:
            row = values | bulk.variant_cells(product, variant)
            writer.writerow([safe_cell(row[name]) for name in bulk.COLUMNS])
    return bulk.BOM + out.getvalue()
