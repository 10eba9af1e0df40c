"""Listings and stock as CSV: export, then import with every row checked before anything changes.

An import is planned first (`plan_import`: parse, check every row, list the changes) and applied
only when the whole file is valid (`apply_import`, one transaction the caller commits). One row
per variant, keyed by product and variant id (`bulk_variants`); new products are not created from
a file (the product form asks for a description, a kind and photos). Text and price changes to a
product on sale go to the same curator review as the product form (`update_product`); stock goes
through the stock rule with the reason "CSV import"; each changed row gets an audit row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace import params
from marketplace.accounts.models import ActorRole
from marketplace.audit.services import default_role, record_action
from marketplace.catalogue.models import Cluster, Product, ProductStatus, ProductVariant
from marketplace.catalogue.variants import load_options_and_variants
from marketplace.curation.models import ProductRevision, RevisionStatus
from marketplace.dashboard import products as seller_products
from marketplace.dashboard import stock as seller_stock
from marketplace.dashboard.bulk_variants import (
    PRODUCT_COLUMNS,
    VARIANT_COLUMNS,
    apply_variant_values,
    check_variant_cells,
    differing_rows,
    find_row_variant,
    variant_cells,
)
from marketplace.errors import DomainError, InvalidInput
from marketplace.i18n import message as _l
from marketplace.numbers import parse_whole_number
from marketplace.seller import common
from marketplace.seller.models import Seller
from marketplace.spreadsheets import unquote_cell
from marketplace.stock.services import MAX_STOCK

#: The columns of an export, in order. `slug` and `status` are for reference: an import ignores them.
COLUMNS = (
    "id",
    "slug",
    "title_id",
    "title_en",
    "price_idr",
    "stock",
    "low_stock_threshold",
    "weight_grams",
    "dimensions",
    "processing_days",
    "exportable",
    "hs_code",
    "status",
    *VARIANT_COLUMNS,
)
READ_ONLY = ("slug", "status", "variant")
MAX_ROWS = 5000
MAX_BYTES = 2 * 1024 * 1024
STOCK_REASON = "CSV import"
BOM = "\ufeff"
DIMENSIONS = re.compile(r"^([0-9]{1,4})\s*[x×*]\s*([0-9]{1,4})\s*[x×*]\s*([0-9]{1,4})$", re.IGNORECASE)
YES = {"yes", "ya", "y", "true", "1", "x"}
NO = {"no", "tidak", "t", "n", "false", "0", ""}
#: Where check_product_input's field names show up in the file.
INPUT_COLUMNS = {
    "price_minor": "price_idr",
    "length_cm": "dimensions",
    "width_cm": "dimensions",
    "height_cm": "dimensions",
}


@dataclass(frozen=True)
class RowError:
    """`row` is the line in the spreadsheet (1 = the header), `column` "" for the whole row."""

    row: int
    column: str
    message: str


@dataclass
class RowChange:
    row: int
    product: Product
    #: column → (value now, value from the file), as text, only for columns that change.
    fields: dict[str, tuple[str, str]]
    data: seller_products.ProductInput
    stock: int | None  # the new stock, when it changes
    #: Every column's value after the import, as text.
    after: dict[str, str]
    #: The row's variant, and its SKU and own price (None: the product's) when they change.
    variant: ProductVariant | None = None
    variant_values: dict | None = None


@dataclass
class ImportPlan:
    rows: int = 0
    changes: list[RowChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    columns: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def token(self) -> str:
        """A fingerprint of the changes, so a confirmation applies exactly what was previewed."""
        text = repr(
            [(c.product.id, c.variant.id if c.variant else 0, sorted(c.fields.items())) for c in self.changes]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]


class InvalidImport(DomainError):
    """The file (or a row, when applying) was refused: nothing was applied. See `errors`."""

    def __init__(self, errors: Sequence[RowError]):
        super().__init__(str(_l("The file has errors: nothing was changed.")))
        self.errors = list(errors)


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def _cm(mm: int | None) -> int | None:
    return mm // 10 if mm else None


def _dimensions(product: Product) -> str:
    sizes = [_cm(product.length_mm), _cm(product.width_mm), _cm(product.height_mm)]
    return "x".join(str(s) for s in sizes) if all(sizes) else ""


def _pending_changes(session: Session, product_ids: Sequence[int]) -> dict[int, dict]:
    if not product_ids:
        return {}
    rows = session.execute(
        sa.select(ProductRevision.product_id, ProductRevision.changes).where(
            ProductRevision.product_id.in_(list(product_ids)),
            ProductRevision.status == RevisionStatus.PENDING,
        )
    ).all()
    return {product_id: changes or {} for product_id, changes in rows}


def _current_values(product: Product, pending: dict) -> dict[str, str]:
    """The product as the seller last wrote it (a change waiting for review included), as cells."""

    def reviewed(name):
        return pending.get(name, getattr(product, name))

    return {
        "id": str(product.id),
        "slug": product.slug,
        "title_id": reviewed("title_id") or "",
        "title_en": reviewed("title_en") or "",
        "price_idr": str(reviewed("price_minor")),
        "stock": str(product.stock),
        "low_stock_threshold": str(product.low_stock_threshold),
        "weight_grams": str(product.weight_grams),
        "dimensions": _dimensions(product),
        "processing_days": str(product.processing_days),
        "exportable": "yes" if product.exportable else "no",
        "hs_code": product.hs_code or "",
        "status": str(product.status),
    }


# ---------------------------------------------------------------------------------------------
# Reading a file
# ---------------------------------------------------------------------------------------------


@dataclass
class ParsedCsv:
    header: list[str]
    #: (line number in the spreadsheet, cells by column name)
    rows: list[tuple[int, dict[str, str]]]
    errors: list[RowError]


#: How a workbook starts: .xlsx and .ods are zip files, an old .xls an OLE2 compound file. A seller
#: who edits the download and presses Save often gets one of these instead of CSV.
SPREADSHEET_SIGNATURES = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def parse_csv(data: bytes) -> ParsedCsv:
    """Decode and split a file (UTF-8 with or without BOM; comma or semicolon separated)."""
    parsed = ParsedCsv([], [], [])
    if len(data) > MAX_BYTES:
        parsed.errors.append(
            RowError(0, "", str(_l("The file is larger than %(mb)d MB. Split it into smaller files.", mb=2)))
        )
        return parsed
    if data.startswith(SPREADSHEET_SIGNATURES):
        parsed.errors.append(RowError(0, "", str(_l(
            "This is a spreadsheet file (Excel or ODS), not CSV. In your spreadsheet app choose "
            "“Save as” or “Download” and pick “CSV UTF-8” (or “CSV”), then upload that file."
        ))))  # fmt: skip
        return parsed
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        parsed.errors.append(
            RowError(
                0, "", str(_l("The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8”."))
            )
        )
        return parsed
    text = text.removeprefix(BOM)
    if not text.strip():
        parsed.errors.append(RowError(0, "", str(_l("The file is empty."))))
        return parsed
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error:
        parsed.errors.append(RowError(0, "", str(_l("The file is not a valid CSV file (check the quotes)."))))
        return parsed
    header = [name.strip().lower() for name in lines[0]]
    parsed.header = header
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        parsed.errors.append(
            RowError(
                1, ", ".join(unknown) or '""',
                str(_l("Unknown column. The columns are: %(columns)s.", columns=", ".join(COLUMNS))),
            )
        )  # fmt: skip
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        parsed.errors.append(RowError(1, ", ".join(duplicated), str(_l("This column appears twice."))))
    if "id" not in header:
        parsed.errors.append(RowError(1, "id", str(_l("The file needs an “id” column."))))
    if parsed.errors:
        return parsed
    body = [
        (number, cells) for number, cells in enumerate(lines[1:], start=2) if any(c.strip() for c in cells)
    ]
    if len(body) > MAX_ROWS:
        parsed.errors.append(
            RowError(0, "", str(_l("The file has more than %(max)d rows. Split it.", max=MAX_ROWS)))
        )
        return parsed
    if not body:
        parsed.errors.append(RowError(0, "", str(_l("The file has no product rows."))))
        return parsed
    for number, cells in body:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            parsed.errors.append(RowError(number, "", str(_l("This row has more cells than the header."))))
            continue
        cells = cells + [""] * (len(header) - len(cells))
        parsed.rows.append((number, {name: unquote_cell(cells[i].strip()) for i, name in enumerate(header)}))
    return parsed


def _whole_number(text: str) -> int | None:
    """Numbers as people type them, by the forms' rules: "125.000", "Rp 125 000"; ambiguous
    text ("1.5", "1,5", "1.0") is None, never guessed (marketplace.numbers)."""
    return parse_whole_number(text, allow_negative=True)


# ---------------------------------------------------------------------------------------------
# Planning: check every row, list the changes
# ---------------------------------------------------------------------------------------------


def plan_import(
    session: Session,
    parsed: ParsedCsv,
    *,
    seller_ids: Sequence[int],
    progress: Callable[[int], None] | None = None,
) -> ImportPlan:
    """Check every row against the shops' products and the listing rules; change nothing.

    Queries: the products and their pending changes, one query each, whatever the file's size.
    """
    plan = ImportPlan(rows=len(parsed.rows), errors=list(parsed.errors), columns=tuple(parsed.header))
    if parsed.errors:
        return plan
    ids = {params.find_id(cells["id"]) for _n, cells in parsed.rows} - {None}
    products: dict[int, Product] = {}
    if ids and seller_ids:
        products = {
            p.id: p
            for p in session.scalars(
                sa.select(Product).where(Product.id.in_(list(ids)), Product.seller_id.in_(list(seller_ids)))
            )
        }
    pending = _pending_changes(session, list(products))
    load_options_and_variants(session, list(products.values()))
    # Held here so the session's (weak) identity map keeps them: the listing rules look each
    # product's kind up by id, which then costs no query per row.
    clusters = list(
        session.scalars(sa.select(Cluster).where(Cluster.id.in_({p.cluster_id for p in products.values()})))
    )
    seen: dict[tuple[int, int], int] = {}
    firsts: dict[int, tuple[int, dict[str, str], dict[str, str]]] = {}
    for number, cells in parsed.rows:
        _plan_row(session, plan, number, cells, products, pending, seen, firsts)
        if progress is not None:
            progress(1)
    del clusters
    return plan


def _plan_row(
    session, plan: ImportPlan, number: int, cells: dict[str, str], products, pending, seen, firsts
) -> None:
    def error(column: str, message) -> None:
        plan.errors.append(RowError(number, column, str(message)))

    product_id = params.find_id(cells["id"])
    if not cells["id"]:
        return error("id", _l("New products cannot be added from a file: add them on the product page."))
    if product_id is None or product_id < 1:
        return error("id", _l("Enter the product id from the downloaded file."))
    product = products.get(product_id)
    if product is None:
        return error("id", _l("Product %(id)d is not one of your products.", id=product_id))
    variant, why = find_row_variant(product, cells.get("variant_id", ""))
    if variant is None:
        return error("variant_id", why)
    if (product_id, variant.id) in seen:
        return error(
            "id",
            _l("Product %(id)d is also on row %(row)d.", id=product_id, row=seen[product_id, variant.id]),
        )
    seen[product_id, variant.id] = number
    current = _current_values(product, pending.get(product.id, {})) | variant_cells(product, variant)
    if product_id in firsts:
        return _plan_variant_row(plan, number, cells, product, variant, current, firsts[product_id], error)

    # The product as the seller last wrote it, with the file's cells on top.
    reviewed = {
        name: pending.get(product.id, {}).get(name, getattr(product, name)) for name in common.REVIEWED_FIELDS
    }
    values = {
        "title_id": reviewed["title_id"] or "",
        "title_en": reviewed["title_en"] or "",
        "price_minor": reviewed["price_minor"],
        "weight_grams": product.weight_grams,
        "length_cm": _cm(product.length_mm),
        "width_cm": _cm(product.width_mm),
        "height_cm": _cm(product.height_mm),
        "processing_days": product.processing_days,
        "exportable": product.exportable,
        "hs_code": product.hs_code or "",
        "low_stock_threshold": product.low_stock_threshold,
    }
    new_stock = None
    errors_before = len(plan.errors)
    for column in ("title_id", "title_en", "hs_code"):
        if column in cells:
            values[column] = cells[column]
    numbers = {
        "price_idr": ("price_minor", 1, common.MAX_PRICE_MINOR),
        "stock": ("stock", 0, MAX_STOCK),
        "low_stock_threshold": ("low_stock_threshold", 0, common.MAX_LOW_STOCK_THRESHOLD),
        "weight_grams": ("weight_grams", 1, common.MAX_WEIGHT_GRAMS),
        "processing_days": ("processing_days", 0, common.MAX_PROCESSING_DAYS),
    }
    for column, (name, low, high) in numbers.items():
        if column not in cells:
            continue
        number_value = _whole_number(cells[column])
        if number_value is None and column == "price_idr":
            error(column, _l("Enter whole rupiah without decimals, e.g. 150000."))
        elif number_value is None:
            error(column, _l("Enter a whole number, e.g. 125000."))
        elif not low <= number_value <= high:
            error(column, _l("Enter a number from %(low)d to %(high)d.", low=low, high=high))
        elif name == "stock":
            new_stock = number_value if number_value != variant.stock else None
        else:
            values[name] = number_value
    if "dimensions" in cells:
        text = cells["dimensions"]
        match = DIMENSIONS.match(text)
        if not text:
            values.update(length_cm=None, width_cm=None, height_cm=None)
        elif match is None:
            error("dimensions", _l("Write the size in cm as length x width x height, e.g. 30x20x15."))
        else:
            values.update(
                length_cm=int(match[1]), width_cm=int(match[2]), height_cm=int(match[3])
            )  # fmt: skip
    if "exportable" in cells:
        flag = cells["exportable"].lower()
        if flag in YES:
            values["exportable"] = True
        elif flag in NO:
            values["exportable"] = False
        else:
            error("exportable", _l("Write yes or no."))
    if len(plan.errors) > errors_before:
        return None

    data = seller_products.ProductInput(
        cluster_id=product.cluster_id,
        description_id=reviewed["description_id"] or "",
        description_en=reviewed["description_en"] or "",
        **values,
    )
    after = dict(current)
    after.update(
        title_id=data.title_id.strip(),
        title_en=data.title_en.strip(),
        price_idr=str(data.price_minor),
        low_stock_threshold=str(data.low_stock_threshold),
        weight_grams=str(data.weight_grams),
        dimensions="x".join(str(s) for s in (data.length_cm, data.width_cm, data.height_cm))
        if data.length_cm and data.width_cm and data.height_cm
        else "",
        processing_days=str(data.processing_days),
        exportable="yes" if data.exportable else "no",
        hs_code=seller_products.normalize_hs_code(data.hs_code),
    )
    if new_stock is not None:
        after["stock"] = str(new_stock)
    firsts[product_id] = (number, cells, after)
    after.update(check_variant_cells(product, cells, current, product_price=data.price_minor, error=error))
    if len(plan.errors) > errors_before:
        return None
    return _add_change(session, plan, number, product, variant, current, after, data, new_stock, error)


def _plan_variant_row(plan, number, cells, product, variant, current, first, error) -> None:
    """A further row of a product already read: its variant's stock, SKU and price; its product
    columns must say what the product's first row says."""
    first_row, first_cells, first_after = first
    differing = [c for c in COLUMNS if c in PRODUCT_COLUMNS and c in cells and cells[c] != first_cells.get(c)]
    if differing:
        return error(", ".join(differing), differing_rows(first_row))
    after = current | {name: first_after[name] for name in PRODUCT_COLUMNS}
    errors_before, new_stock = len(plan.errors), None
    if "stock" in cells:
        value = _whole_number(cells["stock"])
        if value is None or not 0 <= value <= MAX_STOCK:
            error("stock", _l("Enter a number from %(low)d to %(high)d.", low=0, high=MAX_STOCK))
        elif value != variant.stock:
            new_stock = value
            after["stock"] = str(value)
    price = int(first_after["price_idr"])
    after.update(check_variant_cells(product, cells, current, product_price=price, error=error))
    if len(plan.errors) > errors_before:
        return None
    current = current | {name: after[name] for name in PRODUCT_COLUMNS}  # they change on the first row
    return _add_change(None, plan, number, product, variant, current, after, None, new_stock, error)


def _add_change(session, plan, number, product, variant, current, after, data, new_stock, error) -> None:
    changed = {
        name: (current[name], after[name])
        for name in COLUMNS
        if name not in READ_ONLY and current[name] != after[name]
    }
    if not changed:
        return None
    if product.status == ProductStatus.ARCHIVED:
        return error("", _l("This product is archived: restore it on its page before changing it."))
    if set(changed) & PRODUCT_COLUMNS:
        problems = seller_products.check_product_input(session, data, creating=False)
        for name, message in problems.items():
            error(INPUT_COLUMNS.get(name, name), message)
        if problems:
            return None
    price, variant_values = after["variant_price_idr"], None
    if {"sku", "variant_price_idr"} & set(changed):
        variant_values = {"sku": after["sku"], "price_minor": int(price) if price else None}
    plan.changes.append(RowChange(number, product, changed, data, new_stock, after, variant, variant_values))
    return None


# ---------------------------------------------------------------------------------------------
# Applying
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    changed: int
    sent_for_review: int
    stock_changes: int


def apply_import(
    session: Session,
    *,
    plan: ImportPlan,
    actor,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Apply a valid plan: product edits (reviewed fields via curator review), stock, audit rows.

    Raises InvalidImport when the plan has errors or a row fails now (e.g. an order took the
    stock since the preview); the caller rolls back then, so nothing is half-applied.
    """
    if not plan.valid:
        raise InvalidImport(plan.errors)
    actor_id = getattr(actor, "id", None)
    errors: list[RowError] = []
    review = stock_changes = 0
    owners = dict(
        session.execute(
            sa.select(Seller.id, Seller.user_id).where(
                Seller.id.in_({c.product.seller_id for c in plan.changes} or {-1})
            )
        ).all()
    )
    for change in plan.changes:
        product = change.product
        try:
            if set(change.fields) & PRODUCT_COLUMNS:
                outcome = seller_products.update_product(
                    session, product=product, data=change.data, actor_id=actor_id, now=now
                )
                review += outcome == "review"
            if change.stock is not None:
                seller_stock.set_stock(
                    session, product=product, new_stock=change.stock,
                    expected_stock=int(change.fields["stock"][0]), reason=STOCK_REASON,
                    actor_id=actor_id, now=now, variant=change.variant,
                )  # fmt: skip
                stock_changes += 1
            if change.variant_values is not None:
                review += apply_variant_values(session, change, actor_id=actor_id, now=now)
        except InvalidInput as error:
            errors.extend(
                RowError(change.row, INPUT_COLUMNS.get(k, k), str(v)) for k, v in error.errors.items()
            )
            continue
        except DomainError as error:
            errors.append(RowError(change.row, error.field or "", str(error.message)))
            continue
        role = default_role(actor)  # a curator, or the system when no account is given
        if actor is not None and not getattr(actor, "is_curator", False):
            role = ActorRole.SELLER if owners.get(product.seller_id) == actor_id else ActorRole.FACILITATOR
        record_action(
            session,
            actor=actor,
            action="product.csv_import",
            target_type="product",
            target_id=product.id,
            target_label=product.title_id,
            seller_id=product.seller_id,
            before={name: old for name, (old, _new) in change.fields.items()},
            after={name: new for name, (_old, new) in change.fields.items()},
            note=STOCK_REASON,
            actor_role=role,
            actor_label="" if actor is not None else "cli",
        )
        if progress is not None:
            progress(1)
    if errors:
        raise InvalidImport(errors)
    session.flush()
    return ImportResult(len(plan.changes), review, stock_changes)


def changes_csv(plan: ImportPlan) -> str:
    """Only the changed rows (and the columns that change somewhere), as CSV: what a confirmation
    form carries back, small enough for a form field even when the uploaded file was large."""
    columns = ["id", "variant_id"] + [name for name in COLUMNS if any(name in c.fields for c in plan.changes)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for change in plan.changes:
        writer.writerow([change.after[name] for name in columns])
    return out.getvalue()
