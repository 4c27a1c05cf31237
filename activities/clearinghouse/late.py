"""Claim notices whose ClaimWorkflow has finished: record what is expected, flag the rest.

The inbox workflow signals each claim notice to ``claim:{id}``; once the claim is
resolved its workflow is closed and the signal fails. The workflow then hands those
deliveries to ``clearinghouse.record_late_notices``, which decides per delivery:

========================================  =====================================  ===========
notice, when the claim is resolved        recorded in the claim's timeline       verdict
========================================  =====================================  ===========
999 / 277CA accepted                      ``999_accepted`` / ``277ca_accepted``  RECORDED
999 / 277CA rejected                      ``999_rejected`` / ``277ca_rejected``  REJECTED
277 status answer                         ``status_answered``                    RECORDED
835 (money: never posted behind a         nothing                                UNDELIVERED
closed claim's back)
========================================  =====================================  ===========

A claim that is not resolved (its workflow ended some other way, or never ran) and an
unknown claim id give UNDELIVERED: the file becomes an "unmatched file" task as before.

Recording follows ``claims.record_ack`` for an acknowledgement after acceptance: the
claim keeps its status and last message; an accepted 277CA only fills a missing payer
claim number. Each row is keyed ``{claim_id}:late:{x12 file id}:{n}:{source}``, ``n``
counting the deliveries of that file for that claim, so a retried activity records
nothing twice. A resolved claim is one ``claims.resolve`` closed: ``resolved_at`` set or
its status one of the :class:`~workflows.claim_types.ClaimOutcome` values.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy.orm import Session

from activities.claim_rules import status_summary
from models.db import claims as claim_repo
from models.db import x12files as file_repo
from models.db.billing_tables import ClaimRow
from workflows.claim_types import AckNotice, ClaimOutcome, Delivery, StatusNotice
from workflows.inbox_types import LateNotice, LateVerdict

__all__ = ["is_resolved", "record_late"]

OUTCOMES = frozenset(str(o) for o in ClaimOutcome)


def is_resolved(row: ClaimRow) -> bool:
    return row.resolved_at is not None or row.status in OUTCOMES


def record_late(session: Session, deliveries: list[Delivery], at: datetime) -> list[LateNotice]:
    """One :class:`LateNotice` per delivery, in order; records what belongs on the claim."""
    counts: dict[tuple[int, str], int] = {}
    names: dict[int, str] = {}
    out: list[LateNotice] = []
    for d in deliveries:
        claim_id = str(d.payload.get("claim_id", ""))
        file_id = int(str(d.payload.get("x12_file_id", 0) or 0))
        n = counts.get((file_id, claim_id), 0) + 1
        counts[(file_id, claim_id)] = n
        if file_id not in names:
            stored = file_repo.get(session, file_id) if file_id else None
            names[file_id] = stored.name if stored is not None else f"file {file_id}"
        base = LateNotice(
            verdict=LateVerdict.UNDELIVERED,
            claim_id=claim_id,
            x12_file_id=file_id,
            file_name=names[file_id],
            source=_source(d),
        )
        row = claim_repo.get(session, claim_id) if claim_id else None
        if row is None:
            out.append(replace(base, message=f"no claim {claim_id!r} in our records"))
            continue
        base = replace(
            base, claim_status=row.status, episode_id=row.episode_id, payer_id=row.payer_id
        )
        if not is_resolved(row):
            out.append(replace(base, message=f"claim {claim_id} is {row.status}, not resolved"))
            continue
        key = f"{row.id}:late:{file_id}:{n}:{base.source}"
        payload = cast(dict[str, Any], d.payload)
        if d.payload_type == AckNotice.__name__:
            out.append(_ack(session, row, AckNotice(**payload), key, at, base))
        elif d.payload_type == StatusNotice.__name__:
            out.append(_status(session, row, StatusNotice(**payload), key, at, base))
        else:
            out.append(
                replace(
                    base,
                    message=f"claim {claim_id} was already resolved ({row.status}) when this "
                    f"{base.source} arrived: nothing was posted",
                )
            )
    return out


def _source(d: Delivery) -> str:
    if d.payload_type == AckNotice.__name__:
        return str(d.payload.get("source", "")) or "ack"
    return {"StatusNotice": "277", "RemitNotice": "835"}.get(d.payload_type, d.payload_type)


def _ack(
    session: Session, row: ClaimRow, n: AckNotice, key: str, at: datetime, base: LateNotice
) -> LateNotice:
    verdict = "accepted" if n.accepted else "rejected"
    fresh = claim_repo.add_event(
        session,
        row.id,
        key=key,
        kind=f"{n.source.lower()}_{verdict}",
        detail=n.message,
        data={"field": n.field, "x12_file_id": n.x12_file_id, "after_resolution": True},
        at=at,
    )
    if fresh and n.accepted and n.payer_claim_number and not row.payer_claim_number:
        row.payer_claim_number = n.payer_claim_number
    if n.accepted:
        return replace(base, verdict=LateVerdict.RECORDED, message=n.message)
    return replace(base, verdict=LateVerdict.REJECTED, message=n.message or f"{n.source} rejected")


def _status(
    session: Session, row: ClaimRow, n: StatusNotice, key: str, at: datetime, base: LateNotice
) -> LateNotice:
    summary = status_summary(n.category, n.status, n.message)
    claim_repo.add_event(
        session,
        row.id,
        key=key,
        kind="status_answered",
        detail=summary,
        data={"x12_file_id": n.x12_file_id, "after_resolution": True},
        at=at,
    )
    return replace(base, verdict=LateVerdict.RECORDED, message=summary)
