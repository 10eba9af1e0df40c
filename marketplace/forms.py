"""Generic form fields every domain's forms use: whole numbers as people type them, and database ids.

They only parse what was typed; the services decide whether a number or an id is acceptable.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace import params
from marketplace.numbers import parse_whole_number


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
