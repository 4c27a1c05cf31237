"""The claim ledger: post adjudications and keep every claim and line balanced.

For every claim and every line: billed = paid + adjustments + patient responsibility +
open balance. A posting is checked as a whole (835 balancing: line charge = paid + its
adjustments; claim paid = sum of line paid; nothing may drive an open balance below zero
or above the billed amount) and refused whole with a reason if any part fails. Reversals
undo an earlier posting exactly; provider-level adjustments (PLB) sit beside the claims.
The ledger is immutable: each posting returns a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from models.domain.claims import Claim
from models.domain.denials import GroupCode
from models.domain.ruleset_schema import RuleSet
from models.domain.values import DomainError


@dataclass(frozen=True, kw_only=True)
class Adjustment:
    group: GroupCode
    carc: str
    amount_cents: int

    @property
    def is_patient(self) -> bool:
        return self.group is GroupCode.PR


@dataclass(frozen=True, kw_only=True)
class LinePosting:
    line_number: int
    charge_cents: int
    paid_cents: int
    adjustments: tuple[Adjustment, ...] = ()

    @property
    def adjustment_cents(self) -> int:
        return sum(a.amount_cents for a in self.adjustments if not a.is_patient)

    @property
    def patient_cents(self) -> int:
        return sum(a.amount_cents for a in self.adjustments if a.is_patient)


@dataclass(frozen=True, kw_only=True)
class Adjudication:
    posting_id: str
    claim_id: str
    paid_cents: int
    lines: tuple[LinePosting, ...] = ()
    reverses: str = ""  # posting_id of an earlier posting this one reverses
    payer_claim_number: str = ""


@dataclass(frozen=True, kw_only=True)
class LineBalance:
    line_number: int
    code: str
    units: int
    billed_cents: int
    paid_cents: int = 0
    adjustment_cents: int = 0
    patient_cents: int = 0
    open_cents: int = 0

    @property
    def balanced(self) -> bool:
        total = self.paid_cents + self.adjustment_cents + self.patient_cents + self.open_cents
        return self.billed_cents == total and 0 <= self.open_cents <= self.billed_cents


@dataclass(frozen=True, kw_only=True)
class ClaimBalance:
    claim_id: str
    payer_id: str
    lines: tuple[LineBalance, ...]
    payer_claim_number: str = ""

    def total(self, name: str) -> int:
        return sum(int(getattr(line, name)) for line in self.lines)

    @property
    def balanced(self) -> bool:
        return all(line.balanced for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        names = ("billed_cents", "paid_cents", "adjustment_cents", "patient_cents", "open_cents")
        return {
            "claim_id": self.claim_id,
            "payer_id": self.payer_id,
            "payer_claim_number": self.payer_claim_number,
            **{name: self.total(name) for name in names},
            "lines": [
                {
                    "line_number": ln.line_number,
                    "code": ln.code,
                    **{name: getattr(ln, name) for name in names},
                }
                for ln in self.lines
            ],
        }


@dataclass(frozen=True, kw_only=True)
class ProviderAdjustment:
    posting_id: str
    reason_code: str  # PLB adjustment reason, e.g. WO (overpayment recovery), L6 (interest)
    amount_cents: int
    reference: str = ""


@dataclass(frozen=True, kw_only=True)
class Ledger:
    claims: tuple[ClaimBalance, ...] = ()
    postings: tuple[Adjudication, ...] = ()
    reversed_ids: tuple[str, ...] = ()
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()

    def claim(self, claim_id: str) -> ClaimBalance | None:
        return next((c for c in self.claims if c.claim_id == claim_id), None)

    @property
    def balanced(self) -> bool:
        return all(c.balanced for c in self.claims)

    @property
    def provider_adjustment_cents(self) -> int:
        return sum(p.amount_cents for p in self.provider_adjustments)

    def to_dict(self) -> dict[str, Any]:
        return {
            "claims": [c.to_dict() for c in self.claims],
            "posting_ids": [p.posting_id for p in self.postings],
            "reversed_ids": list(self.reversed_ids),
            "provider_adjustments": [
                {
                    "posting_id": p.posting_id,
                    "reason_code": p.reason_code,
                    "amount_cents": p.amount_cents,
                    "reference": p.reference,
                }
                for p in self.provider_adjustments
            ],
            "provider_adjustment_cents": self.provider_adjustment_cents,
        }


@dataclass(frozen=True, kw_only=True)
class Underpayment:
    claim_id: str
    line_number: int
    code: str
    allowed_cents: int
    contracted_cents: int

    @property
    def shortfall_cents(self) -> int:
        return self.contracted_cents - self.allowed_cents


@dataclass(frozen=True, kw_only=True)
class PostingResult:
    ledger: Ledger
    accepted: bool
    reason: str
    underpayments: tuple[Underpayment, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "reason": self.reason,
            "underpayments": [
                {
                    "claim_id": u.claim_id,
                    "line_number": u.line_number,
                    "code": u.code,
                    "allowed_cents": u.allowed_cents,
                    "contracted_cents": u.contracted_cents,
                    "shortfall_cents": u.shortfall_cents,
                }
                for u in self.underpayments
            ],
        }


def add_claim(ledger: Ledger, claim: Claim) -> Ledger:
    """Open a claim on the ledger: every line's billed amount starts as open balance."""
    if ledger.claim(claim.claim_id) is not None:
        return ledger
    lines = tuple(
        LineBalance(
            line_number=ln.line_number,
            code=ln.code,
            units=ln.units,
            billed_cents=ln.charge_cents,
            open_cents=ln.charge_cents,
        )
        for ln in claim.lines
    )
    balance = ClaimBalance(claim_id=claim.claim_id, payer_id=claim.payer_id, lines=lines)
    return replace(ledger, claims=(*ledger.claims, balance))


def _refuse(ledger: Ledger, reason: str) -> PostingResult:
    return PostingResult(ledger=ledger, accepted=False, reason=reason)


def _negate(posting: Adjudication, new_id: str) -> Adjudication:
    return Adjudication(
        posting_id=new_id,
        claim_id=posting.claim_id,
        paid_cents=-posting.paid_cents,
        reverses=posting.posting_id,
        payer_claim_number=posting.payer_claim_number,
        lines=tuple(
            LinePosting(
                line_number=lp.line_number,
                charge_cents=-lp.charge_cents,
                paid_cents=-lp.paid_cents,
                adjustments=tuple(replace(a, amount_cents=-a.amount_cents) for a in lp.adjustments),
            )
            for lp in posting.lines
        ),
    )


def post_adjudication(
    ledger: Ledger, adjudication: Adjudication, rules: RuleSet | None = None
) -> PostingResult:
    """Apply one claim adjudication (or reversal) as a whole, or refuse it with a reason.

    Posting the same ``posting_id`` twice changes nothing. With ``rules``, lines whose
    allowed amount (paid + patient responsibility) is under the contracted fee are reported.
    """
    adj = adjudication
    if any(p.posting_id == adj.posting_id for p in ledger.postings):
        return PostingResult(ledger=ledger, accepted=True, reason="already posted; no change")
    claim = ledger.claim(adj.claim_id)
    if claim is None:
        return _refuse(ledger, f"claim {adj.claim_id} is not on the ledger")
    if adj.reverses:
        original = next((p for p in ledger.postings if p.posting_id == adj.reverses), None)
        if original is None or original.claim_id != adj.claim_id:
            return _refuse(ledger, f"posting {adj.reverses} to reverse is not on this claim")
        if adj.reverses in ledger.reversed_ids:
            return _refuse(ledger, f"posting {adj.reverses} was already reversed")
        expected = _negate(original, adj.posting_id)
        if adj.lines and (adj.lines != expected.lines or adj.paid_cents != expected.paid_cents):
            return _refuse(ledger, f"reversal amounts differ from posting {adj.reverses}")
        adj = expected
    elif adj.paid_cents != sum(lp.paid_cents for lp in adj.lines):
        return _refuse(
            ledger,
            f"claim paid {adj.paid_cents} ≠ sum of line paid "
            f"{sum(lp.paid_cents for lp in adj.lines)}",
        )
    lines = {ln.line_number: ln for ln in claim.lines}
    seen: set[int] = set()
    for lp in adj.lines:
        line = lines.get(lp.line_number)
        if line is None:
            return _refuse(ledger, f"line {lp.line_number} is not on claim {claim.claim_id}")
        if lp.line_number in seen:
            return _refuse(ledger, f"line {lp.line_number} appears twice in the posting")
        seen.add(lp.line_number)
        sign = -1 if adj.reverses else 1
        if lp.charge_cents != sign * line.billed_cents:
            return _refuse(
                ledger,
                f"line {lp.line_number} charge {lp.charge_cents} ≠ billed {line.billed_cents}",
            )
        moved = lp.paid_cents + lp.adjustment_cents + lp.patient_cents
        if moved != lp.charge_cents:
            return _refuse(
                ledger,
                f"line {lp.line_number} does not balance: charge {lp.charge_cents} ≠ "
                f"paid {lp.paid_cents} + adjustments {lp.adjustment_cents} + patient "
                f"{lp.patient_cents}",
            )
        updated = replace(
            line,
            paid_cents=line.paid_cents + lp.paid_cents,
            adjustment_cents=line.adjustment_cents + lp.adjustment_cents,
            patient_cents=line.patient_cents + lp.patient_cents,
            open_cents=line.open_cents - moved,
        )
        if not updated.balanced:
            return _refuse(
                ledger,
                f"line {lp.line_number} would leave an open balance of "
                f"{updated.open_cents} (must stay between 0 and {line.billed_cents}); "
                "reverse the earlier posting first",
            )
        lines[lp.line_number] = updated
    new_claim = replace(
        claim,
        lines=tuple(lines[ln.line_number] for ln in claim.lines),
        payer_claim_number=adj.payer_claim_number or claim.payer_claim_number,
    )
    new_ledger = replace(
        ledger,
        claims=tuple(new_claim if c.claim_id == claim.claim_id else c for c in ledger.claims),
        postings=(*ledger.postings, adj),
        reversed_ids=(*ledger.reversed_ids, adj.reverses) if adj.reverses else ledger.reversed_ids,
    )
    under = () if adj.reverses or rules is None else _underpayments(claim, adj, rules)
    return PostingResult(
        ledger=new_ledger,
        accepted=True,
        reason="reversed " + adj.reverses if adj.reverses else "posted",
        underpayments=under,
    )


def _underpayments(
    claim: ClaimBalance, adj: Adjudication, rules: RuleSet
) -> tuple[Underpayment, ...]:
    found: list[Underpayment] = []
    lines = {ln.line_number: ln for ln in claim.lines}
    for lp in adj.lines:
        line = lines[lp.line_number]
        fee = rules.contracted_cents(line.code)
        allowed = lp.paid_cents + lp.patient_cents
        if fee is None or allowed <= 0:
            continue  # not contracted, or a denial (routed elsewhere), not an underpayment
        contracted = fee * line.units
        if allowed < contracted:
            found.append(
                Underpayment(
                    claim_id=claim.claim_id,
                    line_number=lp.line_number,
                    code=line.code,
                    allowed_cents=allowed,
                    contracted_cents=contracted,
                )
            )
    return tuple(found)


def post_provider_adjustment(ledger: Ledger, adjustment: ProviderAdjustment) -> PostingResult:
    """Record a provider-level adjustment (835 PLB); idempotent by posting id."""
    code = adjustment.reason_code.strip().upper()
    if len(code) != 2 or not code.isalnum():
        raise DomainError("reason_code", adjustment.reason_code, "PLB reason is 2 characters")
    if any(p.posting_id == adjustment.posting_id for p in ledger.provider_adjustments):
        return PostingResult(ledger=ledger, accepted=True, reason="already posted; no change")
    item = replace(adjustment, reason_code=code)
    return PostingResult(
        ledger=replace(ledger, provider_adjustments=(*ledger.provider_adjustments, item)),
        accepted=True,
        reason="provider adjustment posted",
    )
