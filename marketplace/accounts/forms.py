"""Account forms. CSRF comes with FlaskForm; the services hold the real rules (password policy…)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.validators import ValidationError as FieldError

from marketplace.accounts.passwords import MAX_LENGTH, check_password_policy
from marketplace.accounts.services import valid_email
from marketplace.errors import ValidationError

# Each language's name in itself, marked with its language for screen readers.
LANGUAGE_CHOICES = [
    SelectChoice("id", "Bahasa Indonesia", render_kw={"lang": "id"}),
    SelectChoice("en", "English", render_kw={"lang": "en"}),
]
_REQUIRED = _l("This field is required.")


class MeetsPasswordPolicy:
    """The service's password policy, checked with the form's other rules so a buyer reads every
    problem at once ("too short" beside "not the same"), not one per attempt. The service still
    checks it (and the account's own email where the form has none)."""

    def __init__(self, email_field: str | None = None):
        self.email_field = email_field

    def __call__(self, form, field):
        email = form[self.email_field].data if self.email_field else ""
        try:
            check_password_policy(field.data or "", email=email or "")
        except ValidationError as error:
            raise FieldError(error.message) from error


def usable_email(form, field):
    """The service's email rule, beside the form's others (see MeetsPasswordPolicy)."""
    try:
        valid_email(field.data or "")
    except ValidationError as error:
        raise FieldError(error.message) from error


class ActionForm(FlaskForm):
    """No fields: a POST button (log out, delete, make default) that carries only the CSRF token."""


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_REQUIRED), Length(max=MAX_LENGTH)])
    remember = BooleanField(_l("Keep me logged in on this device"), default=False)


class RegisterForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(_REQUIRED), Length(max=254), usable_email])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_REQUIRED), MeetsPasswordPolicy("email")]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(_REQUIRED), EqualTo("password", _l("The two passwords are not the same."))],
    )
    locale = SelectField(_l("Language for emails and pages"), choices=LANGUAGE_CHOICES, default="id")


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    locale = SelectField(_l("Language for emails and pages"), choices=LANGUAGE_CHOICES)


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(_REQUIRED)])
    password = PasswordField(_l("New password"), validators=[DataRequired(_REQUIRED), MeetsPasswordPolicy()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_REQUIRED), EqualTo("password", _l("The two passwords are not the same."))],
    )


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_REQUIRED), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(_REQUIRED), MeetsPasswordPolicy()])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_REQUIRED), EqualTo("password", _l("The two passwords are not the same."))],
    )


class AddressForm(FlaskForm):
    """A saved address. Only lengths here: what an address needs depends on its country (a district
    and a listed province in Indonesia, a state for some countries abroad), so the service names
    every missing or wrong part at once by the checkout's rules (`marketplace.contact`)."""

    label = StringField(_l("Label (for example Home or Office)"), validators=[Optional(), Length(max=60)])
    recipient_name = StringField(_l("Recipient's name"), validators=[Optional(), Length(max=120)])
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=32)])
    street = StringField(_l("Street, number, RT/RW"), validators=[Optional(), Length(max=200)])
    line2 = StringField(_l("More details (optional)"), validators=[Optional(), Length(max=200)])
    district = StringField(_l("District (kecamatan)"), validators=[Optional(), Length(max=120)])
    city = StringField(_l("City or regency"), validators=[Optional(), Length(max=120)])
    province = StringField(_l("Province"), validators=[Optional(), Length(max=120)])
    postal_code = StringField(_l("Postal code"), validators=[Optional(), Length(max=12)])
    country = SelectField(_l("Country"), default="ID")
    make_default = BooleanField(_l("Use as my default address"), default=False)
