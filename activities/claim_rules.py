"""Pure helpers of the claim activities: corrections, 835 → ledger postings, the appeal letter.

No database and no Temporal here, so the activity tests can check them directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from models.db.billing_tables import AuthorizationRow
from models.domain import (
    Adjudication,
    Adjustment,
    Claim,
    GroupCode,
    Ledger,
    LinePosting,
)
from models.domain.values import format_minutes
from models.x12 import ClaimPayment

_STC_CATEGORIES = {
    "A0": "forwarded",
    "A1": "received",
    "A2": "accepted into adjudication",
    "A3": "returned as unprocessable",
    "A4": "not found",
    "A6": "rejected for missing information",
    "A7": "rejected for invalid information",
    "P0": "pending: adjudication not finished",
    "P1": "pending: in process",
    "P2": "pending: payer review",
    "P3": "pending: requested information not received",
    "P4": "pending: patient requested information",
    "F0": "finalized",
    "F1": "finalized: payment",
    "F2": "finalized: denial",
    "F3": "finalized: revised",
    "F4": "finalized: adjudication complete, no payment forthcoming",
    "R0": "requests for additional information: general",
    "R3": "requests for additional information: claim/line",
    "E0": "response not possible: system status",
}


def status_summary(category: str, status: str, message: str) -> str:
    """A 277 STC answer in words, e.g. ``P1 (pending: in process) status 20: ...``."""
    words = _STC_CATEGORIES.get(category.upper(), "unknown category")
    text = f"{category} ({words})"
    if status:
        text += f" status {status}"
    if message:
        text += f": {message}"
    return text


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip().upper() for part in text.split(",") if part.strip())


def apply_corrections(claim: Claim, data: Mapping[str, Any]) -> Claim:
    """The claim with the correction form's non-empty fields applied (lines fields: every line)."""

    def given(name: str) -> str:
        value = data.get(name)
        return "" if value is None else str(value).strip()

    fields: dict[str, Any] = {}
    line_fields: dict[str, Any] = {}
    if auth := given("prior_auth_number"):
        fields["prior_auth_number"] = auth.upper()
        line_fields["authorization_number"] = auth.upper()
    if dx := given("diagnosis_codes"):
        codes = _split(dx)
        fields["diagnosis_codes"] = codes
        line_fields["diagnosis_pointers"] = tuple(range(1, min(len(codes), 4) + 1))
    if npi := given("billing_npi"):
        fields["billing_npi"] = npi
    if taxonomy := given("billing_taxonomy"):
        fields["billing_taxonomy"] = taxonomy.upper()
    for name in ("subscriber_id", "subscriber_first_name", "subscriber_last_name"):
        if value := given(name):
            fields[name] = value
    if born := given("subscriber_birth_date"):
        fields["subscriber_birth_date"] = date.fromisoformat(born)
    if npi := given("rendering_npi"):
        line_fields["rendering_npi"] = npi
    if pos := given("pos"):
        line_fields["pos"] = pos
    if mods := given("modifiers"):
        line_fields["modifiers"] = _split(mods)
    lines = tuple(replace(line, **line_fields) for line in claim.lines) if line_fields else None
    if lines is not None:
        fields["lines"] = lines
    return replace(claim, **fields) if fields else claim


ALREADY_REVERSED = "the posting this reversal names was already reversed"


def covering_authorizations(claim: Claim, rows: Sequence[AuthorizationRow]) -> dict[str, str]:
    """Authorization number → "start to end" for each granted authorization on file whose
    dates and codes take in every line of ``claim``. A correction form offers these and
    refuses other numbers."""
    days = {line.date_of_service for line in claim.lines}
    codes = {line.code for line in claim.lines}
    return {
        a.number: f"{a.start.isoformat()} to {a.end.isoformat()}"
        for a in rows
        if a.number
        and a.status in ("approved", "partial")
        and all(a.start <= d <= a.end for d in days)
        and codes <= set(a.codes or ())
    }


def _group(code: str) -> GroupCode:
    try:
        return GroupCode(code.strip().upper())
    except ValueError:
        return GroupCode.OA  # CR (correction/reversal) and unknown groups post as "other"


def adjudication_from_835(
    payment: ClaimPayment, posting_id: str, claim_id: str, ledger: Ledger
) -> Adjudication | str:
    """The ledger posting an 835 CLP loop asks for, or the reason it cannot be posted."""
    if payment.is_reversal:
        reversed_ids = set(ledger.reversed_ids)
        mine = [
            p
            for p in ledger.postings
            if p.claim_id == claim_id and not p.reverses and p.paid_cents == -payment.paid_cents
        ]
        prior = [p for p in mine if p.posting_id not in reversed_ids]
        if not prior:
            if mine:
                return ALREADY_REVERSED
            return "a reversal (CLP02 22) arrived but no posting on this claim matches it"
        return Adjudication(
            posting_id=posting_id,
            claim_id=claim_id,
            paid_cents=payment.paid_cents,
            reverses=prior[-1].posting_id,
            payer_claim_number=payment.payer_claim_number,
        )
    if payment.adjustments:
        return (
            "the 835 puts adjustments on the claim (CAS after CLP), not on its lines: "
            "they cannot be posted line by line"
        )
    if not payment.lines:
        return "the 835 has no service lines (SVC) for this claim: nothing to post per line"
    lines = []
    for n, rl in enumerate(payment.lines, start=1):
        number = int(rl.control_number) if rl.control_number.isdigit() else n
        lines.append(
            LinePosting(
                line_number=number,
                charge_cents=rl.charge_cents,
                paid_cents=rl.paid_cents,
                adjustments=tuple(
                    Adjustment(group=_group(a.group), carc=a.reason, amount_cents=a.amount_cents)
                    for a in rl.adjustments
                ),
            )
        )
    return Adjudication(
        posting_id=posting_id,
        claim_id=claim_id,
        paid_cents=payment.paid_cents,
        lines=tuple(lines),
        payer_claim_number=payment.payer_claim_number,
    )


def overturned_denial(ledger: Ledger, claim_id: str, new: Adjudication) -> str | None:
    """The posting a new adjudication overturns, when the payer re-adjudicates a claim it
    denied without sending a reversal (CLP02 22) first: the last unreversed posting on
    the claim paid nothing and the new one pays. A claim that was already paid is never
    re-adjudicated implicitly (a second payment needs a person)."""
    if new.reverses or new.paid_cents <= 0:
        return None
    reversed_ids = set(ledger.reversed_ids)
    live = [
        p
        for p in ledger.postings
        if p.claim_id == claim_id and not p.reverses and p.posting_id not in reversed_ids
    ]
    if live and live[-1].paid_cents == 0 and live[-1].posting_id != new.posting_id:
        return live[-1].posting_id
    return None


def adjustment_rows(payment: ClaimPayment) -> list[dict[str, Any]]:
    """Every CAS of the CLP loop as JSON: line, group, CARC, amount and the line's RARCs."""
    rows: list[dict[str, Any]] = [
        {"line": 0, "group": a.group, "carc": a.reason, "amount_cents": a.amount_cents, "rarcs": []}
        for a in payment.adjustments
    ]
    for n, line in enumerate(payment.lines, start=1):
        for a in line.adjustments:
            rows.append(
                {
                    "line": n,
                    "group": a.group,
                    "carc": a.reason,
                    "amount_cents": a.amount_cents,
                    "rarcs": list(line.remarks),
                }
            )
    return rows


def dollars(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}${abs(cents) // 100:,}.{abs(cents) % 100:02d}"


def appeal_letter(
    *,
    claim: Claim,
    payer_name: str,
    payer_claim_number: str,
    level: int,
    level_name: str,
    denial: str,
    denial_reason: str,
    denied_cents: int,
    notice_date: date,
    deadline: date,
    deadline_rule: str,
    authorizations: Sequence[tuple[str, date, date, int]],
    documented: Sequence[tuple[date, int]],
) -> str:
    """A first draft of the appeal letter the biller edits: cites the denial, the dates of
    service, the authorization and the documented hours. No patient names: the letter
    refers to the claim; the biller adds the patient identifiers on the payer's form."""
    days = sorted({line.date_of_service for line in claim.lines})
    dos = ", ".join(d.isoformat() for d in days)
    lines = [
        f"Re: request for level {level} appeal ({level_name})",
        f"Claim {claim.claim_id}, payer claim number {payer_claim_number or 'not assigned'}",
        f"Dates of service: {claim.statement_from.isoformat()} to "
        f"{claim.statement_to.isoformat()} ({len(days)} day(s): {dos})",
        f"Billed: {dollars(claim.total_cents)}; denied: {dollars(denied_cents)}",
        "",
        f"To {payer_name}:",
        "",
        f"We appeal the denial {denial} stated in your remittance of {notice_date.isoformat()}"
        f" ({denial_reason}).",
    ]
    if authorizations:
        for number, start, end, units in authorizations:
            lines.append(
                f"The services were authorized under authorization {number}, valid "
                f"{start.isoformat()} to {end.isoformat()} for {units} unit(s)."
            )
    elif claim.prior_auth_number:
        lines.append(f"The services were authorized under authorization {claim.prior_auth_number}.")
    else:
        lines.append("This payer does not require prior authorization for these services.")
    if documented:
        total = sum(minutes for _, minutes in documented)
        per_day = "; ".join(f"{d.isoformat()} {format_minutes(m)}" for d, m in documented)
        lines.append(
            f"The record documents {format_minutes(total)} of intensive outpatient services over "
            f"{len(documented)} day(s) ({per_day}), each day with a signed note under the "
            "individualized plan of care."
        )
    else:
        lines.append("Documented hours: attach the attendance record and signed notes.")
    lines += [
        "The enclosed plan of care, attendance record and notes show that intensive outpatient "
        "treatment was medically necessary at the level billed. We ask you to reverse the "
        "denial and pay the claim.",
        "",
        f"This appeal is due by {deadline.isoformat()} ({deadline_rule}).",
    ]
    return "\n".join(lines)
