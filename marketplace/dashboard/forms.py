"""Seller forms: they parse what was typed; the rules are in the seller service modules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from marketplace.forms import GRAMS, IdCheckboxesField, IdSelectField, WholeNumberField
from marketplace.seller.common import MAX_PRICE_MINOR
from marketplace.seller.presenters import SELLER_KIND_LABELS

_REQUIRED = _l("This field is required.")


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
    price = WholeNumberField(_l("Price (Rp)"), rupiah=True, min_value=1, max_value=MAX_PRICE_MINOR)
    weight_grams = WholeNumberField(_l("Packed weight (grams)"), units=GRAMS, example="400")
    length_cm = WholeNumberField(_l("Package length (cm, optional)"))
    width_cm = WholeNumberField(_l("Package width (cm, optional)"))
    height_cm = WholeNumberField(_l("Package height (cm, optional)"))
    processing_days = WholeNumberField(_l("Days to prepare before shipping"), default=1)
    low_stock_threshold = WholeNumberField(_l("Warn me when stock is at or below"), default=3)
    exportable = BooleanField(_l("Can be shipped abroad"))
    hs_code = StringField(_l("HS code for customs"), validators=[Optional(), Length(max=20)])
    #: The saved values the edit page showed (product_views.values_seen): a save made from a page
    #: opened before another tab's save is stopped, not allowed to write the older values back.
    seen = HiddenField()


class NewProductForm(ProductForm):
    stock = WholeNumberField(_l("Units in stock now"), default=0)
    #: The shop it goes into: a select of the account's shops when it runs several and chose none,
    #: else a hidden input (the view checks the account runs it).
    shop = IdSelectField(_l("Which shop is it for?"))


class PhotoForm(FlaskForm):
    """One or several photos in one POST (`multiple`); the uploader script sends them one by one."""

    photo = MultipleFileField(_l("Photos (JPEG, PNG or WebP)"))


class AdjustStockForm(FlaskForm):
    delta = WholeNumberField(_l("Units to add (use a minus sign to remove, e.g. -2)"), allow_negative=True)
    reason = StringField(_l("Reason"), validators=[Length(max=200)])


class SetStockForm(FlaskForm):
    new_stock = WholeNumberField(_l("Counted stock"))
    expected_stock = WholeNumberField()
    reason = StringField(_l("Reason"), validators=[Length(max=200)])


class ShipForm(FlaskForm):
    courier = SelectField(_l("Courier"), validate_choice=False)
    courier_other = StringField(_l("Other courier's name"), validators=[Length(max=60)])
    tracking_number = StringField(_l("Tracking number (resi)"), validators=[Length(max=80)])


class OptionsForm(FlaskForm):
    """Up to three option names (blank: no such option)."""

    option1_id = StringField(_l("Option 1, in Indonesian (e.g. Ukuran)"), validators=[Length(max=40)])
    option1_en = StringField(_l("Option 1, in English (e.g. Size)"), validators=[Length(max=40)])
    option2_id = StringField(_l("Option 2, in Indonesian (e.g. Warna)"), validators=[Length(max=40)])
    option2_en = StringField(_l("Option 2, in English (e.g. Colour)"), validators=[Length(max=40)])
    option3_id = StringField(_l("Option 3, in Indonesian"), validators=[Length(max=40)])
    option3_en = StringField(_l("Option 3, in English"), validators=[Length(max=40)])


class VariantForm(FlaskForm):
    """One variant. The value fields' labels are set from the product's option names."""

    value1 = StringField(validators=[Length(max=60)])
    value2 = StringField(validators=[Length(max=60)])
    value3 = StringField(validators=[Length(max=60)])
    sku = StringField(_l("SKU (your own code, optional)"), validators=[Length(max=40)])
    price = WholeNumberField(
        _l("Price (Rp; empty: the product's price)"), rupiah=True, min_value=1, max_value=MAX_PRICE_MINOR
    )
    weight_grams = WholeNumberField(
        _l("Packed weight (grams; empty: the product's)"), units=GRAMS, example="400"
    )
    image_id = IdSelectField(_l("Photo"))


class NewVariantForm(VariantForm):
    stock = WholeNumberField(_l("Units in stock now"), default=0)
