"""What a job run did, said in the reader's language.

A task records its summary as one English line ("expired 2 unpaid order(s)"): the log and
`jobs status` print it as it is, and rows written by older versions keep their meaning. The
curator's page reads the counts back out of the line, with the very format the task wrote it
with, and says them with ngettext in the viewer's language. A line no format knows (a failed
run's error) is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext

__all__ = ["SummaryFormat", "translated_summary"]


@dataclass(frozen=True)
class SummaryFormat:
    #: The stored English line, a `{name}` per count: "expired {count} unpaid order(s)".
    text: str
    #: The counts (by name) → the line in the current request's language.
    say: Callable[..., str]
    pattern: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = re.split(r"\{(\w+)\}", self.text)
        regex = "".join(
            re.escape(part) if i % 2 == 0 else rf"(?P<{part}>\d+)" for i, part in enumerate(parts)
        )
        object.__setattr__(self, "pattern", re.compile(regex))

    def format(self, **counts: int) -> str:
        return self.text.format(**counts)

    def read(self, line: str) -> dict[str, int] | None:
        """The counts in `line` when it is this format's, else None."""
        match = self.pattern.fullmatch(line)
        return {name: int(value) for name, value in match.groupdict().items()} if match else None


EXPIRED_UNPAID = SummaryFormat(
    "expired {count} unpaid order(s)",
    lambda count: ngettext(
        "Cancelled %(num)d unpaid order past its deadline",
        "Cancelled %(num)d unpaid orders past their deadline",
        count,
    ),
)
LABEL_REMINDERS = SummaryFormat(
    "sent {emails} reminder email(s) about {labels} label(s)",
    lambda emails, labels: _(
        "Sent %(emails)s about %(labels)s",
        emails=ngettext("%(num)d reminder email", "%(num)d reminder emails", emails),
        labels=ngettext("%(num)d expiring label", "%(num)d expiring labels", labels),
    ),
)
PARCELS_COMPLETED = SummaryFormat(
    "completed {count} parcel(s) shipped long enough ago",
    lambda count: ngettext(
        "Completed %(num)d parcel shipped long enough ago",
        "Completed %(num)d parcels shipped long enough ago",
        count,
    ),
)
LATE_REMINDERS = SummaryFormat(
    "reminded sellers of {count} late parcel(s)",
    lambda count: ngettext(
        "Reminded sellers of %(num)d late parcel", "Reminded sellers of %(num)d late parcels", count
    ),
)
REVIEW_INVITES = SummaryFormat(
    "invited {count} buyer(s) to review what arrived",
    lambda count: ngettext(
        "Invited %(num)d buyer to review what arrived", "Invited %(num)d buyers to review what arrived", count
    ),
)
EMAIL_SENT = SummaryFormat(
    "sent {sent}, will retry {retry}, failed {failed}",
    lambda sent, retry, failed: _(
        "%(sent)s; will retry %(retry)d, failed %(failed)d",
        sent=ngettext("Sent %(num)d email", "Sent %(num)d emails", sent),
        retry=retry,
        failed=failed,
    ),
)
STRIPE_RECONCILED = SummaryFormat(
    "settled {payments} card payment(s) and {refunds} card refund(s) from Stripe, {failed} unanswered",
    lambda payments, refunds, failed: _(
        "Settled %(payments)s and %(refunds)s from Stripe; %(failed)d unanswered",
        payments=ngettext("%(num)d card payment", "%(num)d card payments", payments),
        refunds=ngettext("%(num)d card refund", "%(num)d card refunds", refunds),
        failed=failed,
    ),
)

FORMATS: tuple[SummaryFormat, ...] = (
    EXPIRED_UNPAID,
    LABEL_REMINDERS,
    PARCELS_COMPLETED,
    LATE_REMINDERS,
    REVIEW_INVITES,
    EMAIL_SENT,
    STRIPE_RECONCILED,
)


def translated_summary(line: str, formats: tuple[SummaryFormat, ...] = FORMATS) -> str:
    """`line` (a stored summary) in the current request's language; unknown lines as they are."""
    for summary in formats:
        counts = summary.read(line)
        if counts is not None:
            return summary.say(**counts)
    return line
