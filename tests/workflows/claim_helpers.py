"""Builders for claim tests: stored claims, real 835 files, the business clock."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from models.db import billing as billing_repo
from models.db.billing_tables import ClaimRow, X12File
from models.domain import Claim
from models.x12 import Adjustment, ClaimPayment, Envelope, RemitLine, Remittance, write_835
from tests.factories import claim as domain_claim
from tests.factories import claim_line
from workflows.clock import BusinessClock

ANCHOR = date(2026, 6, 1)  # business "today" when a test starts
FIRST_DOS = date(2026, 5, 4)
DAY = 3600.0  # a short business day: every claim timer runs on it

Cas = tuple[str, str, int]  # group, CARC, cents


def clock(now: datetime, day_seconds: float = DAY) -> BusinessClock:
    return BusinessClock.start(now, day_seconds, today=ANCHOR)


def new_claim_id(payer: str = "medicaid_state") -> str:
    return f"E-{uuid.uuid4().hex[:6]}:{payer}:{FIRST_DOS.isoformat()}"


def pcn(claim_id: str) -> str:
    """The patient control number the clearinghouse puts in X12 (':' is a delimiter there)."""
    return claim_id.replace(":", "-")


def build_claim(claim_id: str, first_dos: date = FIRST_DOS, **kw: Any) -> Claim:
    lines = (
        claim_line(1, date_of_service=first_dos),
        claim_line(2, date_of_service=first_dos + timedelta(days=1)),
    )
    fields: dict[str, Any] = {
        "claim_id": claim_id,
        "episode_id": claim_id.split(":")[0],
        "lines": lines,
        "statement_from": first_dos,
        "statement_to": first_dos + timedelta(days=1),
        "admission_date": first_dos,
    }
    fields.update(kw)
    return domain_claim(**fields)


# each 450.00 line: 160.00 paid, 20.00 coinsurance (the patient's share), the rest contractual
WITH_COINSURANCE = (("CO", "45", 27000), ("PR", "2", 2000))


def store_claim(
    sessions: sessionmaker[Session], claim: Claim, *, filing_deadline: date | None = None
) -> ClaimRow:
    """A ClaimRow as the EpisodeWorkflow writes it (status draft, the domain claim as JSON)."""
    row = ClaimRow(
        id=claim.claim_id,
        episode_id=claim.episode_id,
        payer_id=claim.payer_id,
        form=str(claim.claim_form),
        frequency=str(claim.frequency_code),
        period_start=claim.statement_from,
        period_end=claim.statement_to,
        total_cents=claim.total_cents,
        open_cents=claim.total_cents,
        status="draft",
        filing_deadline=filing_deadline,
        claim=claim.to_dict(),
    )
    with sessions() as s, s.begin():
        s.add(row)
    return row


def store_authorization(
    sessions: sessionmaker[Session],
    claim: Claim,
    number: str,
    start: date | None = None,
    end: date | None = None,
    units: int = 30,
) -> None:
    """A granted authorization on ``claim``'s episode for every code it bills, from
    ``start`` to ``end`` (by default its first and last dates of service)."""
    days = [line.date_of_service for line in claim.lines]
    with sessions() as s, s.begin():
        billing_repo.add_authorization(
            s,
            episode_id=claim.episode_id,
            payer_id=claim.payer_id,
            number=number,
            codes=sorted({line.code for line in claim.lines}),
            start=start or min(days),
            end=end or max(days),
            units=units,
            status="approved",
            source="biller",
        )


def without_auth(claim: Claim) -> Claim:
    return replace(
        claim,
        prior_auth_number="",
        lines=tuple(replace(line, authorization_number="") for line in claim.lines),
    )


def payment(
    claim: Claim,
    *,
    paid: int,
    cas: tuple[Cas, ...],
    status: str = "1",
    payer_claim_number: str = "PCN-1",
    remarks: tuple[str, ...] = (),
    charge_override: int | None = None,
) -> ClaimPayment:
    """One CLP loop paying every line ``paid`` with ``cas`` on each line (a reversal negates)."""
    sign = -1 if status == "22" else 1
    lines = []
    for line in claim.lines:
        charge = charge_override if charge_override is not None else line.charge_cents
        lines.append(
            RemitLine(
                procedure_code=line.code,
                modifiers=line.modifiers,
                charge_cents=sign * charge,
                paid_cents=sign * paid,
                service_date=line.date_of_service,
                control_number=str(line.line_number),
                adjustments=tuple(
                    Adjustment(group=g, reason=c, amount_cents=sign * a) for g, c, a in cas
                ),
                remarks=remarks,
            )
        )
    return ClaimPayment(
        patient_control_number=pcn(claim.claim_id),
        status=status,
        charge_cents=sum(rl.charge_cents for rl in lines),
        paid_cents=sum(rl.paid_cents for rl in lines),
        patient_responsibility_cents=sign
        * sum(a for line in claim.lines for g, _, a in cas if g == "PR"),
        payer_claim_number=payer_claim_number,
        filing_indicator="MC",
        lines=tuple(lines),
    )


def store_835(
    sessions: sessionmaker[Session],
    *payments: ClaimPayment,
    trace: str | None = None,
    paid_on: date = ANCHOR,
) -> int:
    """Write a real 835 with ``models.x12.write_835`` and store it as an inbound X12File."""
    trace = trace or f"TRC{uuid.uuid4().hex[:8].upper()}"
    remit = Remittance(
        control_number="0001",
        trace_number=trace,
        payer_tin="987654321",
        payer_name="STATE MEDICAID",
        payee_name="TEST IOP",
        payee_id="1234567893",
        payment_date=paid_on,
        claims=payments,
    )
    env = Envelope(
        sender_id="PAYER1",
        receiver_id="IOPBILL",
        interchange_control_number=1,
        group_control_number=1,
        created=datetime(2026, 6, 1, 12, 0, tzinfo=UTC),
    )
    text = write_835(env, [remit])
    with sessions() as s, s.begin():
        f = X12File(
            direction="in",
            kind="835",
            name=f"{trace}.835",
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            content=text,
            claim_ids=[p.patient_control_number for p in payments],
        )
        s.add(f)
        s.flush()
        return f.id
