"""Seller forms: they parse what was typed; marketplace.seller.services holds the real rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace import params
from marketplace.numbers import parse_whole_number
from marketplace.seller.presenters import SELLER_KIND_LABELS

_REQUIRED = _l("This field is required.")


class WholeNumberField(StringField):
    """A whole number typed the way people do: "125.000", "Rp 125 000" and "-3" all work.

    Ambiguous text ("1.5", "1,5", "1.0", "150,000") is refused with a message rather than guessed
    (marketplace.numbers). `rupiah=True` for amounts of money: its message says whole rupiah.
    `data` is the int (None when empty); what was typed is kept, so a form shown again with an
    error shows the seller's own text.
    """

    def __init__(
        self, label=None, validators=None, allow_negative: bool = False, rupiah: bool = False, **kwargs
    ):
        super().__init__(label, validators, **kwargs)
        self.allow_negative = allow_negative
        self.rupiah = rupiah
        self.raw_text = ""
        self.parse_failed = False

    def process_formdata(self, valuelist):
        self.raw_text = (valuelist[0] if valuelist else "") or ""
        self.parse_failed = False
        if not self.raw_text.strip():
            self.data = None
            return
        self.data = parse_whole_number(self.raw_text, allow_negative=self.allow_negative)
        self.parse_failed = self.data is None

    def pre_validate(self, form):
        if self.parse_failed:
            if self.rupiah:
                message = _l("Enter whole rupiah without decimals, e.g. 150000.")
            elif self.allow_negative:
                message = _l("Enter a whole number, e.g. 5 or -2.")
            else:
                message = _l("Enter a whole number, e.g. 125000.")
            raise StopValidation(str(message))

    def _value(self):
        if self.raw_text:
            return self.raw_text
        return "" if self.data is None else str(self.data)


def _id_or_none(value) -> int | None:
    """A posted id (text), or a choice's own id (an int), as marketplace.params reads ids."""
    return params.find_id(value if isinstance(value, str) else str(value if value is not None else ""))


class IdSelectField(SelectField):
    """A <select> of database ids: `data` is the int, or None for an empty or forged value.

    The service decides whether the id is one it accepts (and says so next to the field).
    """

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=_id_or_none, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist):
        self.data = _id_or_none(valuelist[0] if valuelist else "")


class IdCheckboxesField(SelectMultipleField):
    """Checkboxes of database ids; values that are not ids are dropped."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, coerce=int, validate_choice=False, **kwargs)

    def process_formdata(self, valuelist):
        self.data = [value for value in map(params.find_id, valuelist) if value is not None]


class ActionForm(FlaskForm):
    """No fields: a POST button (archive, move, delete…) that carries only the CSRF token."""


class ApplicationForm(FlaskForm):
    name = StringField(_l("Business name"), validators=[DataRequired(_REQUIRED), Length(max=140)])
    kind = SelectField(
        _l("Kind of business"),
        choices=[SelectChoice(kind, label) for kind, label in SELLER_KIND_LABELS.items()],
        default="individual",
    )
    village_id = IdSelectField(_l("Village (desa)"))
    cluster_ids = IdCheckboxesField(_l("What do you make?"))
    story_id = TextAreaField(_l("Your story, in Indonesian"), validators=[Length(max=5000)])
    story_en = TextAreaField(
        _l("Your story, in English (optional)"), validators=[Optional(), Length(max=5000)]
    )
    phone = StringField(_l("Phone or WhatsApp number"), validators=[DataRequired(_REQUIRED), Length(max=40)])
    bank_name = StringField(_l("Bank name"), validators=[DataRequired(_REQUIRED), Length(max=80)])
    account_number = StringField(_l("Account number"), validators=[DataRequired(_REQUIRED), Length(max=40)])
    account_holder = StringField(
        _l("Account holder's name"), validators=[DataRequired(_REQUIRED), Length(max=120)]
    )


class ProductForm(FlaskForm):
    cluster_id = IdSelectField(_l("Kind of product"))
    title_id = StringField(_l("Name, in Indonesian"), validators=[DataRequired(_REQUIRED), Length(max=160)])
    title_en = StringField(_l("Name, in English (optional)"), validators=[Optional(), Length(max=160)])
    description_id = TextAreaField(_l("Description, in Indonesian"), validators=[Length(max=10000)])
    description_en = TextAreaField(_l("Description, in English (optional)"), validators=[Length(max=10000)])
    price = WholeNumberField(_l("Price (Rp)"), rupiah=True)
    weight_grams = WholeNumberField(_l("Packed weight (grams)"))
    length_cm = WholeNumberField(_l("Length (cm, optional)"))
    width_cm = WholeNumberField(_l("Width (cm, optional)"))
    height_cm = WholeNumberField(_l("Height (cm, optional)"))
    processing_days = WholeNumberField(_l("Days to prepare before shipping"), default=1)
    low_stock_threshold = WholeNumberField(_l("Warn me when stock is at or below"), default=3)
    exportable = BooleanField(_l("Can be shipped abroad"))
    hs_code = StringField(_l("HS code for customs"), validators=[Optional(), Length(max=20)])


class NewProductForm(ProductForm):
    stock = WholeNumberField(_l("Units in stock now"), default=0)


class PhotoForm(FlaskForm):
    photo = FileField(_l("Photo (JPEG, PNG or WebP)"))


class AdjustStockForm(FlaskForm):
    delta = WholeNumberField(_l("Units to add (use a minus sign to remove, e.g. -2)"), allow_negative=True)
    reason = StringField(_l("Reason"), validators=[Length(max=200)])


class SetStockForm(FlaskForm):
    new_stock = WholeNumberField(_l("Counted stock"))
    expected_stock = WholeNumberField()
    reason = StringField(_l("Reason"), validators=[Length(max=200)])


class ShipForm(FlaskForm):
    courier = SelectField(_l("Courier"), validate_choice=False)
    tracking_number = StringField(_l("Tracking number (resi)"), validators=[Length(max=80)])
