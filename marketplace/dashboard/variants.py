"""A seller's options and variants: name up to three options, add, change and delete variants.

A product without options has exactly one variant (its stock is the product's). Naming a first
option keeps that variant, which then asks for its value; each further variant is a new row with
its own values, SKU, price (never below the product's: the product's price is the "from" price
listings show and filter on), weight, photo and opening stock (an ADJUSTMENT in the ledger).
Stock itself changes only on the stock page (`stock.services`). Every write flushes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import (
    MAX_OPTIONS,
    Product,
    ProductImage,
    ProductOption,
    ProductStatus,
    ProductVariant,
)
from marketplace.curation.models import RevisionStatus
from marketplace.curation.revisions import find_pending_revision, open_revision
from marketplace.errors import Conflict, InvalidInput, NotFound
from marketplace.i18n import message as _l
from marketplace.seller.common import MAX_PRICE_MINOR, MAX_WEIGHT_GRAMS, clean_text
from marketplace.stock import services as stock_services
from marketplace.stock.services import MAX_STOCK

#: Most variants one product can have (5 sizes × 4 colours fits; a typo guard, not a business rule).
MAX_VARIANTS = 60


@dataclass(frozen=True)
class VariantInput:
    """What the variant form posts, parsed (None when left empty)."""

    values: tuple[str, ...]
    sku: str = ""
    price_minor: int | None = None
    weight_grams: int | None = None
    image_id: int | None = None
    stock: int | None = None  # only when adding


def list_options(session: Session, product: Product) -> list[ProductOption]:
    return list(
        session.scalars(
            sa.select(ProductOption)
            .where(ProductOption.product_id == product.id)
            .order_by(ProductOption.position)
        )
    )


def list_variants(session: Session, product: Product) -> list[ProductVariant]:
    return list(
        session.scalars(
            sa.select(ProductVariant)
            .where(ProductVariant.product_id == product.id)
            .order_by(ProductVariant.position, ProductVariant.id)
        )
    )


def get_variant(session: Session, product: Product, variant_id: int) -> ProductVariant:
    """The product's variant, or NotFound (another product's variant is never found)."""
    variant = session.get(ProductVariant, variant_id)
    if variant is None or variant.product_id != product.id:
        raise NotFound(_l("Not found."))
    return variant


def _editable(product: Product) -> None:
    if product.status == ProductStatus.ARCHIVED:
        raise Conflict(_l("Restore the product before you edit it."))


def save_options(session: Session, *, product: Product, names: list[tuple[str, str]]) -> list[ProductOption]:
    """Set the product's option names: up to MAX_OPTIONS (Indonesian, English) pairs, blank pairs
    meaning "no such option".

    Renaming is always allowed. Adding an option keeps the variants (their value for it is empty
    until the seller fills it in). Removing one is allowed only while the product has a single
    variant (otherwise two variants could become the same), whose values are then cleared.
    Raises InvalidInput (a name missing or too long) or Conflict.
    """
    _editable(product)
    names = [(clean_text(a), clean_text(b)) for a, b in names][:MAX_OPTIONS]
    errors: dict[str, str] = {}
    for index, (name_id, name_en) in enumerate(names, start=1):
        if name_en and not name_id:
            errors[f"option{index}_id"] = _l("Name the option in Indonesian too, for example “Ukuran”.")
        if len(name_id) > 40 or len(name_en) > 40:
            errors[f"option{index}_id"] = _l("An option's name can be at most 40 characters.")
    wanted = [(pos, a, b) for pos, (a, b) in enumerate(names, start=1) if a]
    # Options are kept in order without gaps, so a value column always belongs to one option.
    if [pos for pos, _a, _b in wanted] != list(range(1, len(wanted) + 1)):
        errors.setdefault("option1_id", _l("Fill in the options from the first one, without gaps."))
    if errors:
        raise InvalidInput(errors)
    existing = {o.position: o for o in list_options(session, product)}
    variants = list_variants(session, product)
    removing = [pos for pos in existing if pos > len(wanted)]
    if removing and len(variants) > 1:
        raise Conflict(_l("Delete the other variants before you remove an option."))
    for pos in removing:
        session.delete(existing.pop(pos))
        for variant in variants:
            setattr(variant, f"value{pos}", "")
    for pos, name_id, name_en in wanted:
        option = existing.get(pos)
        if option is None:
            option = ProductOption(product_id=product.id, position=pos)
            session.add(option)
        option.name_id = name_id
        option.name_en = name_en
    session.flush()
    session.expire(product, ["options"])
    return list_options(session, product)


def _check(
    session: Session,
    product: Product,
    options: list[ProductOption],
    data: VariantInput,
    *,
    variant: ProductVariant | None,
) -> tuple[dict[str, str], tuple[str, str, str]]:
    errors: dict[str, str] = {}
    values = [clean_text(v) for v in data.values][: len(options)]
    values += [""] * (MAX_OPTIONS - len(values))
    for option in options:
        value = values[option.position - 1]
        if not value:
            errors[f"value{option.position}"] = _l(
                "Enter the %(option)s of this variant.", option=option.name_id
            )
        elif len(value) > 60:
            errors[f"value{option.position}"] = _l("A value can be at most 60 characters.")
    key = (values[0], values[1], values[2])
    if not errors:
        clash = session.scalar(
            sa.select(ProductVariant.id).where(
                ProductVariant.product_id == product.id,
                ProductVariant.value1 == key[0],
                ProductVariant.value2 == key[1],
                ProductVariant.value3 == key[2],
            )
        )
        if clash is not None and (variant is None or clash != variant.id):
            errors["value1"] = _l("This product already has a variant with these values.")
    if len(clean_text(data.sku)) > 40:
        errors["sku"] = _l("A SKU can be at most 40 characters.")
    if data.price_minor is not None:
        if data.price_minor < product.price_minor:
            errors["price_minor"] = _l(
                "A variant costs at least the product's price: leave the price empty for the same price."
            )
        elif data.price_minor > MAX_PRICE_MINOR:
            errors["price_minor"] = _l(
                "The price can be at most Rp 1.000.000.000. Check the number of zeros."
            )
    if data.weight_grams is not None and not 1 <= data.weight_grams <= MAX_WEIGHT_GRAMS:
        errors["weight_grams"] = _l("A parcel can weigh at most 30000 grams (30 kg).")
    if data.image_id is not None:
        image = session.get(ProductImage, data.image_id)
        if image is None or image.product_id != product.id:
            errors["image_id"] = _l("Choose one of this product's photos.")
    if variant is None and (data.stock is None or not 0 <= data.stock <= MAX_STOCK):
        errors["stock"] = _l("Enter the units you have now: 0 to %(max)d.", max=MAX_STOCK)
    return errors, key


def _apply(variant: ProductVariant, data: VariantInput, key: tuple[str, str, str]) -> None:
    variant.value1, variant.value2, variant.value3 = key
    variant.sku = clean_text(data.sku)
    variant.weight_grams = data.weight_grams
    variant.image_id = data.image_id


def pending_variant_prices(session: Session, product: Product) -> dict[int, int | None]:
    """{variant id: price waiting for a curator (None: back to the product's price)}."""
    revision = find_pending_revision(session, product) if product.status == ProductStatus.ACTIVE else None
    prices = ((revision.changes or {}).get("variant_prices") or {}) if revision is not None else {}
    return {int(key): price for key, price in prices.items()}


def set_variant_price(
    session: Session, *, product: Product, variant: ProductVariant, price: int | None, actor_id, now: datetime
) -> bool:
    """The variant's own price (None: the product's). On a product on sale it waits for a curator
    in the product's pending revision; returns True then. Checked by the caller (`_check`)."""
    if product.status != ProductStatus.ACTIVE:
        variant.price_minor = price
        return False
    pending = {str(k): v for k, v in pending_variant_prices(session, product).items()}
    key = str(variant.id)
    if price == variant.price_minor:
        if key not in pending:
            return False
        del pending[key]  # changed back to the live price
    else:
        pending[key] = price
    revision = open_revision(session, product, actor_id=actor_id, now=now)
    changes = {k: v for k, v in (revision.changes or {}).items() if k != "variant_prices"}
    if pending:
        changes["variant_prices"] = pending
    revision.changes = changes  # a new dict: JSON columns do not track in-place edits
    if not changes:
        revision.status = RevisionStatus.DISCARDED
    session.flush()
    return key in pending


def add_variant(
    session: Session, *, product: Product, data: VariantInput, actor_id: int | None, now: datetime
) -> ProductVariant:
    """A new variant with its opening stock in the ledger. Needs at least one option (Conflict).

    Raises InvalidInput for missing or repeated values, a price under the product's, a bad
    weight, SKU, photo or stock.
    """
    _editable(product)
    options = list_options(session, product)
    if not options:
        raise Conflict(_l("Name an option (for example Size) before you add variants."))
    count = session.scalar(
        sa.select(sa.func.count()).select_from(ProductVariant).where(ProductVariant.product_id == product.id)
    )
    if count >= MAX_VARIANTS:
        raise Conflict(_l("A product can have at most %(max)d variants.", max=MAX_VARIANTS))
    errors, key = _check(session, product, options, data, variant=None)
    if errors:
        raise InvalidInput(errors)
    position = session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(ProductVariant.position), 0)).where(
            ProductVariant.product_id == product.id
        )
    )
    variant = ProductVariant(product_id=product.id, position=position + 1, stock=0, created_at=now)
    _apply(variant, data, key)
    session.add(variant)
    session.flush()
    set_variant_price(
        session, product=product, variant=variant, price=data.price_minor, actor_id=actor_id, now=now
    )
    if data.stock:
        stock_services.adjust_stock(
            session,
            product,
            delta=data.stock,
            reason="opening stock",
            actor_id=actor_id,
            now=now,
            variant=variant,
        )
    session.expire(product, ["variants"])
    return variant


def update_variant(
    session: Session,
    *,
    product: Product,
    variant: ProductVariant,
    data: VariantInput,
    actor_id: int | None,
    now: datetime,
) -> str:
    """Change a variant's values, SKU, price, weight or photo (its stock: the stock page).

    Returns "saved", or "review" when a new price waits for a curator (a product on sale). A
    product without options has one variant whose values stay empty. Raises InvalidInput.
    """
    _editable(product)
    options = list_options(session, product)
    errors, key = _check(session, product, options, data, variant=variant)
    if errors:
        raise InvalidInput(errors)
    _apply(variant, data, key)
    session.flush()
    in_review = set_variant_price(
        session, product=product, variant=variant, price=data.price_minor, actor_id=actor_id, now=now
    )
    return "review" if in_review else "saved"


def delete_variant(session: Session, *, product: Product, variant: ProductVariant) -> None:
    """Remove a variant with no stock left (Conflict otherwise, and for the last variant).

    Its order lines keep their snapshot; carts holding it lose that line.
    """
    _editable(product)
    count = session.scalar(
        sa.select(sa.func.count()).select_from(ProductVariant).where(ProductVariant.product_id == product.id)
    )
    if count <= 1:
        raise Conflict(_l("A product keeps at least one variant."))
    session.refresh(variant, ["stock"])
    if variant.stock:
        raise Conflict(_l("Set this variant's stock to 0 on the stock page before you delete it."))
    session.delete(variant)
    session.flush()
    session.expire(product, ["variants"])
