"""The audit log's filter form: a GET form (no CSRF: it changes nothing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, Form, IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from marketplace.audit.presenters import ROLE_LABELS
from marketplace.params import MAX_ID, date_in_range


class AuditFilterForm(Form):
    action = StringField(_l("Action starts with"), validators=[Optional(), Length(max=60)])
    actor = StringField(_l("Actor email contains"), validators=[Optional(), Length(max=120)])
    role = SelectField(_l("Role"), choices=[], default="")
    seller_id = SelectField(_l("Shop"), choices=[], default="")
    target_type = StringField(_l("Record type"), validators=[Optional(), Length(max=40)])
    target_id = IntegerField(
        _l("Record id"),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_ID, message=_l("Enter a record id from 1 to %(max)s.")),
        ],
    )
    date_from = DateField(_l("From (Jakarta date)"), validators=[Optional(), date_in_range])
    date_to = DateField(_l("To (Jakarta date)"), validators=[Optional(), date_in_range])

    def set_choices(self, sellers: list[tuple[int, str]]) -> None:
        self.role.choices = [("", _l("Any role"))] + [(r.value, label) for r, label in ROLE_LABELS.items()]
        self.seller_id.choices = [("", _l("Any shop"))] + [(str(i), name) for i, name in sellers]

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))
