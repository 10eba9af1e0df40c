"""Generic form fields every domain's forms use: whole numbers as people type them, and database ids.

They only parse what was typed; the services decide whether a number or an id is acceptable.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace import params
from marketplace.i18n import current_language
from marketplace.money import money_text
from marketplace.numbers import (
    AmountError,
    group_digits,
    parse_rupiah_amount,
    parse_whole_number,
    scaled_amount,
    split_scale,
)

#: Weights typed with their unit: grams as they are, kilograms times 1000 ("1,5 kg" → 1500).
GRAMS = {"g": 1, "gr": 1, "gram": 1, "grams": 1, "kg": 1000}


class WholeNumberField(StringField):
    """A whole number typed the way people do: "125.000", "Rp 125 000" and "-3" all work.

    Ambiguous text ("1.5", "1,5", "1.0", "150,000") is refused with a message rather than guessed
    (marketplace.numbers). `rupiah=True` for amounts of money, read as the seller's language writes
    them (`parse_rupiah_amount`: "150,000" in English, "150.000" in Indonesian), each refusal with
    its own message: decimals, a grouping that could be read two ways, a minus sign, above
    `max_value`, or below `min_value` (both optional; the services keep their own checks).
    `units` reads a unit word after the number (`GRAMS`: "400 g", "400 gram", "1,5 kg"), and
    `example` is the number a refusal shows ("e.g. 400"; 125000 by default).
    `data` is the int (None when empty); what was typed is kept, so a form shown again with an
    error shows the seller's own text.
    """

    def __init__(
        self,
        label=None,
        validators=None,
        allow_negative: bool = False,
        rupiah: bool = False,
        min_value: int | None = None,
        max_value: int | None = None,
        units: dict[str, int] | None = None,
        example: str | None = None,
        **kwargs,
    ):
        super().__init__(label, validators, **kwargs)
        self.units = units or {}
        self.example = example
        self.allow_negative = allow_negative
        self.rupiah = rupiah
        self.min_value = min_value
        self.max_value = max_value
        self.raw_text = ""
        self.parse_failed = False
        self.refusal: str | None = None

    def process_formdata(self, valuelist):
        self.raw_text = (valuelist[0] if valuelist else "") or ""
        self.parse_failed = False
        self.refusal = None
        if not self.raw_text.strip():
            self.data = None
            return
        if self.rupiah:
            self.data = self._read_rupiah()
        else:
            self.data = self._read_number()
        self.parse_failed = self.data is None

    def _read_number(self) -> int | None:
        number, factor = split_scale(self.raw_text, self.units)
        if not factor:
            return parse_whole_number(self.raw_text, allow_negative=self.allow_negative)
        try:
            return scaled_amount(number, factor, lang=current_language())
        except AmountError:
            return None

    def _read_rupiah(self) -> int | None:
        lang = current_language()
        try:
            value = parse_rupiah_amount(self.raw_text, lang=lang)
        except AmountError as error:
            self.refusal = self._rupiah_message(error, lang)
            return None
        if self.max_value is not None and value > self.max_value:
            self.refusal = self._rupiah_message(AmountError(AmountError.TOO_LARGE), lang)
            return None
        if self.min_value is not None and value < self.min_value:
            self.refusal = self._rupiah_message(AmountError(AmountError.NEGATIVE), lang)
            return None
        return value

    def _rupiah_message(self, error: AmountError, lang: str) -> str:
        example = group_digits("150000", lang)
        if error.reason == AmountError.DECIMALS:
            return _("Rupiah has no cents: enter a whole amount, e.g. %(example)s.", example=example)
        if error.reason == AmountError.UNCLEAR:
            return _(
                "This could be read two ways. For whole rupiah, write %(grouped)s or %(plain)s.",
                grouped=group_digits(error.digits, lang),
                plain=error.digits,
            )
        if error.reason == AmountError.NEGATIVE:
            if self.min_value is not None and self.min_value > 0:
                return _("Enter an amount above Rp 0, without a minus sign.")
            return _("Enter Rp 0 or more, without a minus sign.")
        if error.reason == AmountError.TOO_LARGE:
            if self.max_value is not None:
                return _(
                    "Too large: at most %(max)s. Check the number of zeros.",
                    max=money_text(self.max_value, "IDR", lang),
                )
            return _("That number is too large. Check the number of zeros.")
        return _("Enter whole rupiah, e.g. %(example)s.", example=example)

    @property
    def example_text(self) -> str:
        """150000 as the current language groups it, for a hint beside the field."""
        return group_digits("150000", current_language())

    def pre_validate(self, form):
        if self.parse_failed:
            if self.refusal:
                message = self.refusal
            elif self.allow_negative:
                message = _l("Enter a whole number, e.g. 5 or -2.")
            elif self.example:
                message = _l("Enter a whole number, e.g. %(example)s.", example=self.example)
            else:
                message = _l("Enter a whole number, e.g. 125000.")
            raise StopValidation(str(message))

    def _value(self):
        if self.raw_text:
            return self.raw_text
        if self.data is None:
            return ""
        if self.rupiah and self.data >= 0:
            # A saved price reads as the seller writes it ("75.000"; "75,000" in English), and is
            # read back the same way when the form is sent unchanged.
            return group_digits(str(self.data), current_language())
        return str(self.data)


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
