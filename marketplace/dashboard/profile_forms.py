"""The shop profile's forms: they parse what was typed; the rules are in marketplace/seller/profile.py."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import Length, Optional

from marketplace.forms import IdSelectField


class ProfileForm(FlaskForm):
    name = StringField(_l("Business name"), validators=[Length(max=140)])
    story_id = TextAreaField(_l("Your story, in Indonesian"), validators=[Length(max=5000)])
    story_en = TextAreaField(
        _l("Your story, in English (optional)"), validators=[Optional(), Length(max=5000)]
    )
    village_id = IdSelectField(_l("Village (desa)"))
    phone = StringField(_l("Phone number"), validators=[Length(max=40)])
    address_line = StringField(_l("Street address"), validators=[Length(max=200)])


class PhotoDescriptionForm(FlaskForm):
    """A workshop photo's description (its alt text). One per photo on the page: use a prefix."""

    alt_id = StringField(_l("What the photo shows, in Indonesian"), validators=[Length(max=200)])
    alt_en = StringField(
        _l("What the photo shows, in English (optional)"), validators=[Optional(), Length(max=200)]
    )


class WorkshopPhotoForm(PhotoDescriptionForm):
    photo = FileField(_l("Photo (JPEG, PNG or WebP)"))
