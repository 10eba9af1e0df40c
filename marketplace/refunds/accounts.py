"""A buyer's bank account for a refund by bank transfer: checked once, the same way everywhere.

Bank-transfer orders are paid back by hand: a person at the district office transfers the money
and records the transfer's reference. This is where it goes. The number is kept as digits only
(people copy it from a banking app with spaces, dots or dashes); Indonesian accounts have 10 to 16
digits, so 6 to 20 is accepted, as for the shops' payout accounts. All three parts are required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from marketplace.errors import InvalidInput
from marketplace.i18n import message as _l
from marketplace.seller.common import ACCOUNT_NUMBER  # the shops' payout accounts' rule

#: What people type between digit groups; anything else (letters) is refused, not dropped.
_SEPARATORS = re.compile(r"[\s.\-]")
FIELDS = ("bank_name", "account_number", "account_holder")


@dataclass(frozen=True)
class RefundAccount:
    """Where a bank-transfer refund goes."""

    bank_name: str
    account_number: str
    account_holder: str

    def fingerprint(self) -> str:
        """The account as one string, to tell whether it changed since a page showed it."""
        return "|".join((self.bank_name, self.account_number, self.account_holder))


def _words(text: str | None) -> str:
    return " ".join((text or "").replace("\x00", "").split())


def account_problems(bank_name: str | None, account_number: str | None, account_holder: str | None) -> dict:
    """Field name → message for each wrong part of the account (empty: it is fine)."""
    problems = {}
    if not 2 <= len(_words(bank_name)) <= 80:
        problems["bank_name"] = _l("Enter the name of your bank, e.g. BRI or BCA.")
    if not ACCOUNT_NUMBER.match(_SEPARATORS.sub("", account_number or "")):
        problems["account_number"] = _l("Enter your account number: digits only, 6 to 20.")
    if not 2 <= len(_words(account_holder)) <= 120:
        problems["account_holder"] = _l("Enter the name on the account, as your bank writes it.")
    return problems


def check_refund_account(
    bank_name: str | None, account_number: str | None, account_holder: str | None
) -> RefundAccount:
    """The account, cleaned (the number as digits only); InvalidInput names every wrong part."""
    problems = account_problems(bank_name, account_number, account_holder)
    if problems:
        raise InvalidInput(problems)
    return RefundAccount(
        bank_name=_words(bank_name),
        account_number=_SEPARATORS.sub("", account_number or ""),
        account_holder=_words(account_holder),
    )
