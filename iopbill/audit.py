"""`iopbill audit`: does the money in the database still add up?

Run after a crash, a restore or an upgrade (and on a schedule, if you like): it reads
every claim and posting and reports, per claim, each way they disagree. It writes
nothing. The checks:

- a claim's figures: billed = paid + adjusted + patient responsibility + open;
- a claim's ledger (the per-line state the postings built) balances line by line, and
  the figures on the claim's row are the ledger's totals;
- the payer's payments posted on a claim add up to the claim's paid figure;
- no remittance was posted twice: one 835 file paying the same claim the same amount
  with the same status twice (a reversal and a new payment of one claim in one file
  differ in status and sign, and are not flagged).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.claim_rules import dollars
from activities.domain_json import from_json
from models.db.billing_tables import ClaimRow, Posting
from models.domain.ledger import Ledger

__all__ = ["AuditReport", "Problem", "audit"]

FIGURES = ("billed_cents", "paid_cents", "adjustment_cents", "patient_cents", "open_cents")
ROW_FIELD = {
    "billed_cents": "total_cents",
    "paid_cents": "paid_cents",
    "adjustment_cents": "adjusted_cents",
    "patient_cents": "patient_resp_cents",
    "open_cents": "open_cents",
}


@dataclass(frozen=True)
class Problem:
    claim_id: str
    field: str  # the claim row's column, or "ledger" / "postings"
    message: str

    def __str__(self) -> str:
        return f"claim {self.claim_id}: {self.field}: {self.message}"


@dataclass(frozen=True)
class AuditReport:
    claims: int
    postings: int
    problems: list[Problem]


def audit(session: Session) -> AuditReport:
    claims = session.scalars(select(ClaimRow).order_by(ClaimRow.id)).all()
    postings = session.scalars(select(Posting).order_by(Posting.claim_id, Posting.id)).all()
    by_claim: defaultdict[str, list[Posting]] = defaultdict(list)
    for p in postings:
        by_claim[p.claim_id].append(p)
    problems: list[Problem] = []
    for row in claims:
        problems += _figures(row)
        problems += _ledger(row)
        paid = sum(p.paid_cents for p in by_claim.get(row.id, []))
        if paid != row.paid_cents:
            problems.append(
                Problem(
                    row.id,
                    "paid_cents",
                    f"the claim says {dollars(row.paid_cents)} paid, its "
                    f"{len(by_claim.get(row.id, []))} posting(s) add up to {dollars(paid)}",
                )
            )
    seen = Counter(
        (p.claim_id, p.x12_file_id, p.status_code, p.paid_cents, p.charge_cents)
        for p in postings
        if p.x12_file_id is not None
    )
    for (claim_id, file_id, status, paid, _), n in sorted(seen.items(), key=str):
        if n > 1:
            problems.append(
                Problem(
                    claim_id,
                    "postings",
                    f"x12 file {file_id} posted {n} times (status {status}, paid {dollars(paid)})",
                )
            )
    known = {row.id for row in claims}
    for claim_id in sorted(set(by_claim) - known):
        problems.append(
            Problem(claim_id, "postings", f"{len(by_claim[claim_id])} posting(s) on no claim")
        )
    return AuditReport(claims=len(claims), postings=len(postings), problems=problems)


def _figures(row: ClaimRow) -> list[Problem]:
    parts = row.paid_cents + row.adjusted_cents + row.patient_resp_cents + row.open_cents
    if parts == row.total_cents:
        return []
    return [
        Problem(
            row.id,
            "total_cents",
            f"billed {dollars(row.total_cents)} but paid {dollars(row.paid_cents)} + adjusted "
            f"{dollars(row.adjusted_cents)} + patient {dollars(row.patient_resp_cents)} + open "
            f"{dollars(row.open_cents)} = {dollars(parts)}",
        )
    ]


def _ledger(row: ClaimRow) -> list[Problem]:
    if not row.ledger:
        return []  # nothing posted yet: the figures above are the whole story
    try:
        ledger = from_json(Ledger, row.ledger)
    except Exception as exc:  # a ledger that no longer reads is itself the finding
        return [Problem(row.id, "ledger", f"cannot be read: {exc}")]
    balance = ledger.claim(row.id)
    if balance is None:
        return [Problem(row.id, "ledger", "has no entry for this claim")]
    out: list[Problem] = []
    for line in balance.lines:
        if not line.balanced:
            out.append(
                Problem(
                    row.id,
                    "ledger",
                    f"line {line.line_number} does not balance: billed "
                    f"{dollars(line.billed_cents)}, paid {dollars(line.paid_cents)}, adjusted "
                    f"{dollars(line.adjustment_cents)}, patient {dollars(line.patient_cents)}, "
                    f"open {dollars(line.open_cents)}",
                )
            )
    for name in FIGURES:
        want, have = balance.total(name), getattr(row, ROW_FIELD[name])
        if want != have:
            out.append(
                Problem(
                    row.id,
                    ROW_FIELD[name],
                    f"the row says {dollars(have)}, the ledger {dollars(want)}",
                )
            )
    return out
