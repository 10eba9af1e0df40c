"""Label forms: they parse what was typed; the rules are in requests, review and label_types."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from marketplace.forms import IdSelectField, WholeNumberField


class LabelRequestForm(FlaskForm):
    label_type_id = IdSelectField(_l("Label"))
    certificate_number = StringField(_l("Certificate number"), validators=[Length(max=80)])
    issuer = StringField(_l("Issued by"), validators=[Length(max=120)])
    valid_until = DateField(
        _l("Valid until (last valid day)"),
        validators=[Optional()],
        format="%Y-%m-%d",
        render_kw={"type": "date"},
    )
    evidence = FileField(_l("Certificate or evidence (PDF, JPEG, PNG or WebP, at most 5 MB)"))


class ApproveForm(FlaskForm):
    """The per-row Verify button, with the curator's word that a certificate has no end date."""

    no_end_date = BooleanField(_l("The certificate has no end date (I checked the file)"))


class RejectForm(FlaskForm):
    note = TextAreaField(_l("Reason (the seller reads it)"), validators=[Length(max=2000)])


class LabelTypeForm(FlaskForm):
    code = StringField(_l("Code (used in search links, e.g. p-irt)"), validators=[Length(max=40)])
    name_id = StringField(_l("Name, in Indonesian"), validators=[Length(max=120)])
    name_en = StringField(_l("Name, in English"), validators=[Length(max=120)])
    description_id = TextAreaField(_l("Description, in Indonesian"), validators=[Length(max=5000)])
    description_en = TextAreaField(_l("Description, in English"), validators=[Length(max=5000)])
    issuer = StringField(_l("Usual issuer (e.g. BPJPH, Dinas Kesehatan)"), validators=[Length(max=120)])
    requires_certificate = BooleanField(_l("Sellers must attach a certificate"))
    position = WholeNumberField(_l("Position in lists"), allow_negative=True, default=0)
