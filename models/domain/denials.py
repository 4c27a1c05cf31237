"""Denial routing: CARC (+ group code + RARCs) → work queue, task kind, action and deadline.

The table is the denial-routing table of the billing facts; codes it does not know go to
the general review queue with a deadline — never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from models.domain.deadlines import Clock, Deadline, compute_deadline
from models.domain.ruleset_schema import RuleSet
from models.domain.values import DomainError


class GroupCode(StrEnum):
    CO = "CO"  # contractual obligation: not billable to the patient
    PR = "PR"  # patient responsibility
    OA = "OA"  # other adjustment
    PI = "PI"  # payer initiated


class Queue(StrEnum):
    BILLING = "billing"
    CODING = "coding"
    ELIGIBILITY = "eligibility"
    COB = "coordination_of_benefits"
    CLINICAL_APPEALS = "clinical_appeals"
    BENEFITS = "benefits"
    AUTHORIZATION = "authorization"
    CREDENTIALING = "credentialing"
    PROVIDER_DATA = "provider_data"
    RECORDS = "records"
    PATIENT_BILLING = "patient_billing"
    POSTING = "posting"
    GENERAL_REVIEW = "general_review"


class Action(StrEnum):
    CORRECTED_CLAIM = "corrected_claim"
    CHECK_STATUS = "check_status"
    COB = "coordination_of_benefits"
    RERUN_ELIGIBILITY = "rerun_eligibility"
    APPEAL = "appeal"
    APPEAL_OR_WRITE_OFF = "appeal_with_proof_or_write_off"
    NEW_CLAIM_OTHER_PAYER = "new_claim_other_payer"
    CONCURRENT_REVIEW = "concurrent_review"
    CREDENTIALING = "credentialing"
    RECORDS_REQUEST = "records_request"
    ADJUST = "contractual_adjustment"
    PATIENT_RESPONSIBILITY = "patient_responsibility"
    REVIEW = "review"


@dataclass(frozen=True, kw_only=True)
class _Route:
    category: str
    queue: Queue
    task_kind: str
    action: Action
    clock: Clock | None  # None: due immediately (automatic work)
    text: str
    supervisor_approval: bool = False


def _r(
    category: str,
    queue: Queue,
    kind: str,
    action: Action,
    clock: Clock | None,
    text: str,
    approval: bool = False,
) -> _Route:
    return _Route(
        category=category,
        queue=queue,
        task_kind=kind,
        action=action,
        clock=clock,
        text=text,
        supervisor_approval=approval,
    )


# RARCs that name the field to fix on a CARC 16 denial.
RARC_FIELDS: dict[str, str] = {
    "M76": "diagnosis_codes",
    "M51": "lines.code",
    "M77": "lines.pos",
    "MA30": "type_of_bill",
    "M62": "prior_auth_number",
    "N257": "billing_npi",
    "N290": "lines.rendering_npi",
    "N382": "subscriber_id",
    "MA130": "claim",
}

_TF = Clock.TIMELY_FILING
_AP = Clock.APPEAL
_TABLE: tuple[tuple[tuple[int, ...], _Route], ...] = (
    (
        (16,),
        _r(
            "missing_information",
            Queue.BILLING,
            "fix_claim_field",
            Action.CORRECTED_CLAIM,
            _TF,
            "fix the field named by the RARC and send a corrected claim (7); no appeal",
        ),
    ),
    (
        (4, 11, 146, 181, 182),
        _r(
            "coding",
            Queue.CODING,
            "coding_review",
            Action.CORRECTED_CLAIM,
            _TF,
            "modifier/diagnosis/code invalid: corrected claim",
        ),
    ),
    (
        (5, 58, 282, 199),
        _r(
            "pos_tob_revenue",
            Queue.CODING,
            "coding_review",
            Action.CORRECTED_CLAIM,
            _TF,
            "POS / type of bill / revenue code mismatch: corrected claim",
        ),
    ),
    (
        (18,),
        _r(
            "duplicate",
            Queue.BILLING,
            "check_original",
            Action.CHECK_STATUS,
            Clock.TASK_FOLLOWUP,
            "duplicate: check the original claim's status; usually no action",
        ),
    ),
    (
        (22, 23),
        _r(
            "coordination_of_benefits",
            Queue.COB,
            "verify_cob",
            Action.COB,
            _TF,
            "verify coordination of benefits and bill the right primary",
        ),
    ),
    (
        (26, 27, 31, 177, 239),
        _r(
            "eligibility",
            Queue.ELIGIBILITY,
            "rerun_eligibility",
            Action.RERUN_ELIGIBILITY,
            _TF,
            "re-run eligibility, fix member data, split the claim or move to self-pay",
        ),
    ),
    (
        (29,),
        _r(
            "timely_filing",
            Queue.BILLING,
            "timely_filing_review",
            Action.APPEAL_OR_WRITE_OFF,
            _AP,
            "appeal only with proof of timely filing (acceptance report), else "
            "write-off with supervisor approval",
            approval=True,
        ),
    ),
    (
        (50, 150, 151, 152),
        _r(
            "medical_necessity",
            Queue.CLINICAL_APPEALS,
            "clinical_appeal",
            Action.APPEAL,
            _AP,
            "clinical appeal with plan of care, attendance and notes",
        ),
    ),
    (
        (96, 204, 167, 119, 35),
        _r(
            "not_covered",
            Queue.BENEFITS,
            "benefits_check",
            Action.APPEAL,
            _AP,
            "benefits check; parity appeal, or patient responsibility where allowed",
        ),
    ),
    (
        (97, 231, 234, 236),
        _r(
            "bundling",
            Queue.CODING,
            "bundling_review",
            Action.CORRECTED_CLAIM,
            _TF,
            "bundled/NCCI: modifier 59/X with documentation, or accept",
        ),
    ),
    (
        (109, 300, 301),
        _r(
            "wrong_payer",
            Queue.BILLING,
            "rebill_other_payer",
            Action.NEW_CLAIM_OTHER_PAYER,
            _TF,
            "new claim to the right payer within its filing limit (check that payer's limit)",
        ),
    ),
    (
        (197, 39, 210),
        _r(
            "authorization_missing",
            Queue.AUTHORIZATION,
            "find_authorization",
            Action.CORRECTED_CLAIM,
            _TF,
            "find the auth → corrected claim with REF*G1, else retro-auth or appeal",
        ),
    ),
    (
        (198, 222, 273),
        _r(
            "authorization_exceeded",
            Queue.AUTHORIZATION,
            "extend_authorization",
            Action.CONCURRENT_REVIEW,
            _AP,
            "concurrent review / extension, rebill inside the auth, appeal the excess",
        ),
    ),
    (
        (170, 171, 185, 242, 299),
        _r(
            "credentialing",
            Queue.CREDENTIALING,
            "credentialing",
            Action.CREDENTIALING,
            _TF,
            "provider not eligible: credentialing",
        ),
    ),
    (
        (206, 207, 208),
        _r(
            "provider_identifier",
            Queue.PROVIDER_DATA,
            "fix_provider_data",
            Action.CORRECTED_CLAIM,
            _TF,
            "NPI missing/invalid: fix provider data and resubmit",
        ),
    ),
    (
        (252, 226, 163),
        _r(
            "records_requested",
            Queue.RECORDS,
            "send_records",
            Action.RECORDS_REQUEST,
            Clock.RECORDS_REQUEST,
            "send the requested records by the payer's date",
        ),
    ),
    (
        (45,),
        _r(
            "contractual",
            Queue.POSTING,
            "auto_adjust",
            Action.ADJUST,
            None,
            "charge exceeds contracted amount: auto-adjust; underpayment flagged by the "
            "ledger when allowed < contract",
        ),
    ),
)
_BY_CARC = {carc: route for carcs, route in _TABLE for carc in carcs}
_PATIENT = _r(
    "patient_responsibility",
    Queue.PATIENT_BILLING,
    "bill_patient",
    Action.PATIENT_RESPONSIBILITY,
    Clock.TASK_FOLLOWUP,
    "deductible/coinsurance/copay: bill the patient, then any secondary payer",
)
_UNKNOWN = _r(
    "unknown",
    Queue.GENERAL_REVIEW,
    "review_denial",
    Action.REVIEW,
    _AP,
    "code not in the routing table: review by hand",
)
PATIENT_CARCS = (1, 2, 3)


@dataclass(frozen=True, kw_only=True)
class DenialRoute:
    group: GroupCode
    carc: int
    rarcs: tuple[str, ...]
    category: str
    queue: Queue
    task_kind: str
    action: Action
    deadline: Deadline
    reason: str
    field: str = ""  # the claim field to fix, from the RARC, when known
    needs_supervisor_approval: bool = False
    appeal_level: int = 0  # 1 when the action is an appeal (its deadline is level 1's)

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": str(self.group),
            "carc": self.carc,
            "rarcs": list(self.rarcs),
            "category": self.category,
            "queue": str(self.queue),
            "task_kind": self.task_kind,
            "action": str(self.action),
            "deadline": self.deadline.to_dict(),
            "reason": self.reason,
            "field": self.field,
            "needs_supervisor_approval": self.needs_supervisor_approval,
            "appeal_level": self.appeal_level,
        }


def route_denial(
    group: str,
    carc: int | str,
    rarcs: Sequence[str],
    rules: RuleSet,
    as_of: date,
    notice_date: date,
    date_of_service: date | None = None,
) -> DenialRoute:
    """Route one adjustment reason to a queue with a task kind, action and deadline.

    Corrected-claim and rebill actions are due by the timely-filing limit from
    ``date_of_service`` (or the first appeal level from the notice when unknown); appeals
    by the payer's level-1 appeal deadline from ``notice_date``.
    """
    try:
        grp = GroupCode(group.strip().upper())
    except ValueError as exc:
        raise DomainError("group", group, "group code must be CO, PR, OA or PI") from exc
    try:
        code = int(carc)
    except ValueError as exc:
        raise DomainError("carc", carc, "CARC must be a number") from exc
    remarks = tuple(r.strip().upper() for r in rarcs)
    if grp is GroupCode.PR and code in PATIENT_CARCS:
        route = _PATIENT
    elif grp is GroupCode.PR and _BY_CARC.get(code) is _BY_CARC[96]:
        route = _r(
            "not_covered",
            Queue.PATIENT_BILLING,
            "bill_patient",
            Action.PATIENT_RESPONSIBILITY,
            Clock.TASK_FOLLOWUP,
            "not covered, assigned to the patient by the payer: bill the patient",
        )
    else:
        route = _BY_CARC.get(code, _UNKNOWN)
    field = next((RARC_FIELDS[r] for r in remarks if r in RARC_FIELDS), "")
    deadline = _deadline(route, rules, as_of, notice_date, date_of_service)
    reason = f"{grp}-{code}"
    if remarks:
        reason += f" ({', '.join(remarks)})"
    reason += f": {route.text}"
    if field:
        reason += f"; field to fix: {field}"
    return DenialRoute(
        group=grp,
        carc=code,
        rarcs=remarks,
        category=route.category,
        queue=route.queue,
        task_kind=route.task_kind,
        action=route.action,
        deadline=deadline,
        reason=reason,
        field=field,
        needs_supervisor_approval=route.supervisor_approval,
        appeal_level=1 if route.clock is Clock.APPEAL and route.action is not Action.REVIEW else 0,
    )


def _deadline(
    route: _Route, rules: RuleSet, as_of: date, notice: date, dos: date | None
) -> Deadline:
    if route.clock is None:
        return Deadline(clock=Clock.TASK_FOLLOWUP, due=as_of, rule="posted automatically")
    if route.clock is Clock.TIMELY_FILING:
        if dos is not None:
            return compute_deadline(Clock.TIMELY_FILING, rules, dos)
        return compute_deadline(Clock.APPEAL, rules, notice)
    if route.clock is Clock.TASK_FOLLOWUP:
        return compute_deadline(Clock.TASK_FOLLOWUP, rules, as_of)
    return compute_deadline(route.clock, rules, notice)
