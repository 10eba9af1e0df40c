"""Label types (Halal, P-IRT, SNI batik…): curators create and edit them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.audit.services import changed_values, record_action
from marketplace.errors import InvalidInput, NotFound
from marketplace.i18n import message as _l
from marketplace.labels.common import CODE_RE, clean_block, clean_text
from marketplace.labels.models import LabelStatus, LabelType, ProductLabel


@dataclass(frozen=True)
class LabelTypeInput:
    code: str
    name_id: str
    name_en: str
    description_id: str = ""
    description_en: str = ""
    issuer: str = ""
    requires_certificate: bool = True
    position: int | None = 0


_TYPE_FIELDS = (
    "code", "name_id", "name_en", "description_id", "description_en", "issuer",
    "requires_certificate", "position",
)  # fmt: skip


def _type_values(label_type: LabelType) -> dict:
    return {name: getattr(label_type, name) for name in _TYPE_FIELDS}


def _normalized_type(data: LabelTypeInput) -> dict:
    return {
        "code": clean_text(data.code).lower(),
        "name_id": clean_text(data.name_id),
        "name_en": clean_text(data.name_en),
        "description_id": clean_block(data.description_id),
        "description_en": clean_block(data.description_en),
        "issuer": clean_text(data.issuer),
        "requires_certificate": bool(data.requires_certificate),
        "position": data.position if data.position is not None else 0,
    }


def check_label_type(
    session: Session, data: LabelTypeInput, *, existing: LabelType | None = None
) -> dict[str, str]:
    values = _normalized_type(data)
    errors: dict[str, str] = {}
    if not CODE_RE.match(values["code"]):
        errors["code"] = _l("Use 1 to 40 lowercase letters, digits, dots, dashes or underscores, e.g. p-irt.")
    else:
        clash = sa.select(sa.func.count()).select_from(LabelType).where(LabelType.code == values["code"])
        if existing is not None:
            clash = clash.where(LabelType.id != existing.id)
        if session.scalar(clash):
            errors["code"] = _l("Another label type already uses this code.")
    for name, limit in (("name_id", 120), ("name_en", 120), ("issuer", 120)):
        if len(values[name]) > limit:
            errors[name] = _l("At most %(n)d characters.", n=limit)
    if not values["name_id"]:
        errors["name_id"] = _l("This field is required.")
    if not values["name_en"]:
        errors["name_en"] = _l("This field is required.")
    for name in ("description_id", "description_en"):
        if len(values[name]) > 5000:
            errors[name] = _l("At most %(n)d characters.", n=5000)
    if not -1000 <= values["position"] <= 1000:
        errors["position"] = _l("Enter a number between %(low)d and %(high)d.", low=-1000, high=1000)
    return errors


def _flush_type(session: Session) -> None:
    # Two curators creating the same code at once: the UNIQUE constraint decides, politely.
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as error:
        raise InvalidInput({"code": _l("Another label type already uses this code.")}) from error


def create_label_type(session: Session, *, data: LabelTypeInput, curator: User) -> LabelType:
    """Add a label type (InvalidInput with a message per wrong field). Audited."""
    errors = check_label_type(session, data)
    if errors:
        raise InvalidInput(errors)
    label_type = LabelType(**_normalized_type(data))
    session.add(label_type)
    _flush_type(session)
    record_action(
        session, actor=curator, action="label_type.create", target_type="label_type",
        target_id=label_type.id, target_label=label_type.code, after=_type_values(label_type),
    )  # fmt: skip
    return label_type


def update_label_type(
    session: Session, *, label_type: LabelType, data: LabelTypeInput, curator: User
) -> bool:
    """Change a label type; False when nothing changed. Audited with the changed values only."""
    errors = check_label_type(session, data, existing=label_type)
    if errors:
        raise InvalidInput(errors)
    before = _type_values(label_type)
    after = _normalized_type(data)
    old, new = changed_values(before, after)
    if not new:
        return False
    for name, value in new.items():
        setattr(label_type, name, value)
    _flush_type(session)
    record_action(
        session, actor=curator, action="label_type.update", target_type="label_type",
        target_id=label_type.id, target_label=label_type.code, before=old, after=new,
    )  # fmt: skip
    return True


def get_label_type(session: Session, type_id: int) -> LabelType:
    label_type = session.get(LabelType, type_id)
    if label_type is None:
        raise NotFound(_l("Label type not found."))
    return label_type


def label_type_usage(session: Session) -> dict[int, int]:
    """How many verified labels each type has (for the types list): one query."""
    rows = session.execute(
        sa.select(ProductLabel.label_type_id, sa.func.count())
        .where(ProductLabel.status == LabelStatus.VERIFIED)
        .group_by(ProductLabel.label_type_id)
    )
    return {type_id: count for type_id, count in rows}
