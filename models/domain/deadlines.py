"""One calculator for every clock in the billing facts, driven by the payer's rule set.

:func:`compute_deadline` returns the due date and the rule that produced it, in words a
biller can check against the payer manual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from models.domain.ruleset_schema import RuleSet
from models.domain.values import DomainError


class Clock(StrEnum):
    TIMELY_FILING = "timely_filing"  # start: date of service
    ACK_WATCH = "ack_watch"  # start: submission date
    PAYMENT_FOLLOWUP = "payment_followup"  # start: submission date; repeat = n-th status check
    APPEAL = "appeal"  # start: notice (decision) date; level = appeal level
    PRIOR_AUTH_STANDARD = "prior_auth_standard"  # start: request date
    PRIOR_AUTH_EXPEDITED = "prior_auth_expedited"  # start: request date
    CONCURRENT_REVIEW = "concurrent_review"  # start: the date the authorization runs out
    RECORDS_REQUEST = "records_request"  # start: request (notice) date
    RECERTIFICATION = "recertification"  # start: date of the last (re)certification
    TASK_FOLLOWUP = "task_followup"  # start: today; a routine work item


@dataclass(frozen=True, kw_only=True)
class Deadline:
    clock: Clock
    due: date
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return {"clock": str(self.clock), "due": self.due.isoformat(), "rule": self.rule}


def compute_deadline(
    clock: Clock, rules: RuleSet, start: date, *, level: int = 1, repeat: int = 0
) -> Deadline:
    """The due date of ``clock`` counted from ``start`` under ``rules``."""
    d = rules.deadlines
    src = f"{rules.id} {rules.version}"
    if repeat < 0:
        raise DomainError("repeat", repeat, "must be >= 0")

    def after(days: int, text: str) -> Deadline:
        return Deadline(clock=clock, due=start + timedelta(days=days), rule=f"{src}: {text}")

    if clock is Clock.TIMELY_FILING:
        return after(
            d.timely_filing_days,
            f"timely filing {d.timely_filing_days} days from "
            f"date of service {start} (a rejected claim is not filed; the clock runs)",
        )
    if clock is Clock.ACK_WATCH:
        return after(
            d.ack_watch_days,
            f"no 999/277CA within {d.ack_watch_days} days of submission {start} → task",
        )
    if clock is Clock.PAYMENT_FOLLOWUP:
        days = d.payment_followup_days + repeat * d.payment_followup_repeat_days
        text = f"no 835 by day {d.payment_followup_days} after submission {start} → 276 status"
        if repeat:
            text += f", repeat {repeat} every {d.payment_followup_repeat_days} days"
        return after(days, text)
    if clock is Clock.APPEAL:
        levels = {lvl.level: lvl for lvl in d.appeal_levels}
        if level not in levels:
            raise DomainError("level", level, f"{rules.id} has appeal levels 1–{len(levels)}")
        lvl = levels[level]
        receipt = d.appeal_receipt_days
        text = f"level {level} {lvl.name}: {lvl.days} days from "
        if receipt:
            text += f"receipt of the decision (notice {start} + {receipt} days)"
        else:
            text += f"the decision notice {start}"
        return after(receipt + lvl.days, text)
    if clock is Clock.PRIOR_AUTH_STANDARD:
        return after(
            d.prior_auth_standard_days,
            f"standard prior-auth decision due "
            f"{d.prior_auth_standard_days} days after request {start} → follow up",
        )
    if clock is Clock.PRIOR_AUTH_EXPEDITED:
        return after(
            d.prior_auth_expedited_days,
            f"expedited prior-auth decision due "
            f"{d.prior_auth_expedited_days * 24} h after request {start} → follow up",
        )
    if clock is Clock.CONCURRENT_REVIEW:
        lead = d.concurrent_review_lead_days
        return after(
            -lead, f"concurrent review {lead} days before the authorization runs out on {start}"
        )
    if clock is Clock.RECORDS_REQUEST:
        return after(
            d.records_request_days,
            f"records due {d.records_request_days} days after the request of {start}",
        )
    if clock is Clock.RECERTIFICATION:
        if not d.recertification_days:
            raise DomainError("clock", clock.value, f"{rules.id} has no recertification clock")
        return after(
            d.recertification_days,
            f"recertify need and review the plan of care every {d.recertification_days} days "
            f"after the certification of {start}",
        )
    return after(
        d.payment_followup_repeat_days,
        f"work item due in {d.payment_followup_repeat_days} days from {start}",
    )
