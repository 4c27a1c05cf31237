"""Rows the clearinghouse activities read: a patient, an episode, coverage, claims."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from models.db import episodes as episode_repo
from models.db.billing_tables import Appeal, ClaimRow, Coverage
from models.domain import Claim
from tests import factories

NOW = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
ADDRESS = {"line1": "12 ELM ST", "city": "SPRINGFIELD", "state": "IL", "postal_code": "62701"}


def add_episode(
    s: Session,
    episode_id: str = "E1",
    *,
    payer_id: str = "medicaid_state",
    member_id: str = "M12345678",
    dependent: bool = False,
    program: str = "psychiatric",
) -> None:
    episode_repo.create_patient(
        s,
        patient_id=f"P-{episode_id}",
        first_name="ADA",
        last_name="QUILL",
        birth_date=date(1990, 4, 2),
        gender="F",
        member_id=member_id,
        address=ADDRESS,
    )
    episode_repo.create_episode(
        s,
        episode_id=episode_id,
        patient_id=f"P-{episode_id}",
        payer_id=payer_id,
        program=program,
        admit_date=date(2026, 3, 2),
    )
    subscriber: dict[str, Any] = {}
    if dependent:
        subscriber = {
            "first_name": "JOHN",
            "last_name": "QUILL",
            "birth_date": "1962-07-09",
            "gender": "M",
            "relationship": "child",
            "address": ADDRESS,
        }
    coverage = s.get(Coverage, f"{episode_id}:primary")  # create_episode may have made it
    if coverage is None:
        coverage = Coverage(id=f"{episode_id}:primary", episode_id=episode_id)
        s.add(coverage)
    coverage.payer_id = payer_id
    coverage.member_id = member_id
    coverage.relationship = "dependent" if dependent else "self"
    coverage.subscriber = subscriber
    coverage.status = "active"
    s.flush()


def domain_claim(claim_id: str, episode_id: str, payer_id: str, **kw: Any) -> Claim:
    base = factories.institutional_claim() if payer_id == "medicare" else factories.claim()
    return replace(base, claim_id=claim_id, episode_id=episode_id, payer_id=payer_id, **kw)


def add_claim(s: Session, claim: Claim) -> ClaimRow:
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
        status="ready",
        claim=claim.to_dict(),
    )
    s.add(row)
    s.flush()
    return row


def add_appeal(s: Session, claim_id: str, level: int = 1) -> None:
    s.add(
        Appeal(
            id=f"{claim_id}:{level}",
            claim_id=claim_id,
            level=level,
            letter="We ask you to reconsider: the plan of care and attendance are attached.",
        )
    )
    s.flush()


def setup(
    sessions: sessionmaker[Session],
    episode_id: str = "E1",
    *,
    payer_id: str = "medicaid_state",
    member_id: str = "M12345678",
    dependent: bool = False,
    claim_ids: tuple[str, ...] = (),
    **claim_fields: Any,
) -> list[Claim]:
    claims = []
    with sessions() as s, s.begin():
        add_episode(s, episode_id, payer_id=payer_id, member_id=member_id, dependent=dependent)
        # as the claim engine builds it: the subscriber as the coverage has it
        subscriber = (
            {"subscriber_first_name": "JOHN", "subscriber_last_name": "QUILL",
             "subscriber_birth_date": date(1962, 7, 9)}
            if dependent
            else {"subscriber_first_name": "ADA", "subscriber_last_name": "QUILL",
                  "subscriber_birth_date": date(1990, 4, 2)}
        )  # fmt: skip
        fields = {"subscriber_id": member_id, **subscriber, **claim_fields}
        for claim_id in claim_ids:
            claim = domain_claim(claim_id, episode_id, payer_id, **fields)
            add_claim(s, claim)
            claims.append(claim)
    return claims
