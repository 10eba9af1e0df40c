"""Forms of problem cases: the buyer's report, a reply, the curator's decision (CSRF on each)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, MultipleFileField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Length, StopValidation

from marketplace.cases.models import CaseProblem, CaseResolution
from marketplace.forms import WholeNumberField
from marketplace.i18n import current_language
from marketplace.money import amount_field_text, currency_exponent, parse_typed_amount
from marketplace.numbers import group_digits

PROBLEM_LABELS = {
    CaseProblem.NOT_RECEIVED: _l("The parcel did not arrive"),
    CaseProblem.DAMAGED: _l("It arrived damaged"),
    CaseProblem.WRONG_ITEM: _l("I received the wrong item"),
}
RESOLUTION_LABELS = {
    CaseResolution.REFUND: _l("Refund the whole part"),
    CaseResolution.PARTIAL_REFUND: _l("Refund an amount"),
    CaseResolution.REJECT: _l("Reject the report"),
}


def _bank_name() -> StringField:
    return StringField(_l("Your bank"), validators=[Length(max=80)])


def _account_number() -> StringField:
    return StringField(_l("Your account number"), validators=[Length(max=40)])


def _account_holder() -> StringField:
    return StringField(_l("Name on the account"), validators=[Length(max=120)])


class ReportForm(FlaskForm):
    problem = RadioField(
        _l("What went wrong?"),
        choices=[SelectChoice(problem.value, label) for problem, label in PROBLEM_LABELS.items()],
        validate_choice=False,
    )
    description = TextAreaField(
        _l("Tell the seller and the curators what happened"), validators=[Length(max=2000)]
    )
    photos = MultipleFileField(_l("Photos (up to 3; JPEG, PNG or WebP)"))
    # Bank-transfer orders only (the template shows them; refunds.accounts checks them): where a
    # refund goes. After the photos, as on the page.
    bank_name = _bank_name()
    account_number = _account_number()
    account_holder = _account_holder()


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your answer"), validators=[Length(max=2000)])


class RefundAccountForm(FlaskForm):
    """The buyer gives or corrects the account on the case page, while the case is open."""

    bank_name = _bank_name()
    account_number = _account_number()
    account_holder = _account_holder()


def amount_example(currency: str, lang: str) -> str:
    """An amount as the refund field reads it in `lang`: "150.000" (rupiah, id), "20,50" (euro, id)."""
    if currency == "IDR":
        return group_digits("150000", lang)
    return amount_field_text(2050 if currency_exponent(currency) else 20, currency, lang)


class RefundAmountField(WholeNumberField):
    """A partial refund in the order's currency (the form's `currency`), in its minor units.

    Rupiah are read as the seller's price field reads them ("50,000" in English, "50.000" in
    Indonesian; no cents); another currency in its major units with its decimals ("20.50", "20,50").
    The currency is only known once the form exists, so the text is read when the form validates.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, rupiah=True, min_value=1, **kwargs)

    def process_formdata(self, valuelist):
        self.raw_text = (valuelist[0] if valuelist else "") or ""
        self.data = None

    def pre_validate(self, form):
        self.parse_failed, self.refusal = False, None
        if not self.raw_text.strip():
            self.data = None
        elif form.currency == "IDR":
            self.max_value = form.max_minor
            self.data = self._read_rupiah()
            self.parse_failed = self.data is None
        else:
            self.data = parse_typed_amount(self.raw_text, form.currency)
            if not self.data:
                self.data = None
                raise StopValidation(
                    _l(
                        "Enter an amount in %(currency)s, e.g. %(example)s.",
                        currency=form.currency,
                        example=amount_example(form.currency, current_language()),
                    )
                )
        super().pre_validate(form)


class ResolveForm(FlaskForm):
    """The curator's decision. `currency` is the order's; `max_minor` (optional) the most a refund
    of this part can be, in it."""

    def __init__(self, *args, currency: str = "IDR", max_minor: int | None = None, **kwargs):
        self.currency, self.max_minor = currency, max_minor
        super().__init__(*args, **kwargs)

    @classmethod
    def for_case(cls, case, **kwargs) -> ResolveForm:
        # `amount_idr` is the part's goods and shipping: for a rupiah order, the most it refunds.
        currency = case.order.currency
        return cls(currency=currency, max_minor=case.amount_idr if currency == "IDR" else None, **kwargs)

    resolution = RadioField(
        _l("Decision"),
        choices=[SelectChoice(decision.value, label) for decision, label in RESOLUTION_LABELS.items()],
        validate_choice=False,
    )
    amount = RefundAmountField(_l("Amount to refund (for “Refund an amount”)"))
    note = TextAreaField(_l("Note for the buyer and the seller"), validators=[Length(max=2000)])
    bank_reference = StringField(
        _l("Reference of your transfer back to the buyer (bank transfer orders)"),
        validators=[Length(max=120)],
    )
    token = HiddenField()
    #: The buyer's account as the page showed it (RefundAccount.fingerprint): a refund is refused
    #: if the buyer changed it meanwhile, so the money is not recorded as sent to an old account.
    account_seen = HiddenField()
