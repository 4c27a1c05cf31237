"""Inbound files: store once, read, match to our claims and episodes, say whom to signal.

Matching (see docs/workflows.md "Clearinghouse adapters"):

* 999: AK102 (the GS06 we sent, which equals our ISA13) → the outbound 837 with that
  control number; AK202 is checked against its ST02; every claim in that file gets an
  ``AckNotice(source="999")``.
* 277CA: each claim's TRN02 / patient control number = our claim id → ``AckNotice``.
* 835: each CLP01 = our claim id → ``RemitNotice`` (with the CLP's 0-based position in the
  file, so the poster reads exactly that loop from the stored file).
* 271: TRN02 = our episode id → ``EligibilityNotice``.
* 277: REF*EJ (else TRN02) = our claim id → ``StatusNotice``.
* authorization responses (our 278-style format): ``episode:`` → ``AuthDecisionNotice``.

A file that cannot be read becomes an ``UnmatchedFile`` with the reader's message
(``str(X12Error)``) and nothing else. A readable file with parts that match nothing
(unknown claim, a 999 for a group we never sent) delivers what matched and reports the
rest as one ``UnmatchedFile``. Files are kept either way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.db import x12files as repo
from models.db.billing_tables import ClaimRow, X12File
from models.db.tables import Episode
from models.x12 import (
    ClaimStatusReport,
    EligibilityResponse,
    FunctionalAck,
    LocatedError,
    Remittance,
    X12Error,
    locate_errors,
    read_x12,
)
from workflows.claim_types import (
    SIGNAL_ACKNOWLEDGED,
    SIGNAL_REMITTED,
    SIGNAL_STATUS_ANSWERED,
    AckNotice,
    Delivery,
    PollInboxResult,
    RemitNotice,
    StatusNotice,
    UnmatchedFile,
)
from workflows.episode_types import (
    SIGNAL_AUTH_DECISION,
    SIGNAL_ELIGIBILITY,
    AuthDecisionNotice,
    EligibilityNotice,
)
from workflows.ids import claim_workflow_id, episode_workflow_id

from . import documents as docs
from .mapping import from_pcn, is_alias, to_pcn
from .protocol import InboundFile

__all__ = ["ReadResult", "interpret", "take_in"]

# 277CA claim status codes (STC01-2) → (our Claim field, words for the biller).
STATUS_FIELDS: dict[str, tuple[str, str]] = {
    "164": ("claim.subscriber_id", "subscriber member id is invalid or not on file"),
    "33": ("claim.subscriber_id", "subscriber member id is missing or invalid"),
    "158": ("claim.subscriber_birth_date", "date of birth is missing or invalid"),
    "562": ("claim.billing_npi", "billing provider NPI is invalid"),
    "145": ("claim.billing_tax_id", "billing provider tax id is invalid"),
    "254": ("claim.diagnosis_codes", "principal diagnosis code is invalid"),
    "187": ("claim.statement_from", "dates of service are invalid"),
    "21": ("claim", "missing or invalid information"),
}
# 277 claim status categories (STC01-1) in words.
CATEGORY_WORDS = {
    "F1": "finalized: paid",
    "F2": "finalized: denied",
    "F3": "finalized: revised",
    "P1": "pending: in process",
    "P2": "pending: payer review",
    "P3": "pending: information requested",
    "A4": "not found",
}
# 999 IK3 segment ids → the claim field most likely at fault.
SEGMENT_FIELDS = {
    "CLM": "claim",
    "HI": "claim.diagnosis_codes",
    "NM1": "claim.subscriber_id",
    "DMG": "claim.subscriber_birth_date",
    "REF": "claim.prior_auth_number",
    "SV1": "claim.lines",
    "SV2": "claim.lines",
    "DTP": "claim.statement_from",
}


@dataclass
class ReadResult:
    """What one stored file says: its kind, whom to signal, and what matched nothing."""

    kind: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    error: str = ""  # the reader's message: the file could not be read at all
    control_number: str = ""
    claim_ids: list[str] = field(default_factory=list)
    episode_id: str | None = None

    @property
    def status(self) -> str:
        if self.error:
            return repo.ERROR
        return repo.UNMATCHED if self.unmatched else repo.PROCESSED

    def unmatched_file(self, row: X12File) -> UnmatchedFile | None:
        if self.error:
            return UnmatchedFile(x12_file_id=row.id, name=row.name, error=self.error)
        if self.unmatched:
            return UnmatchedFile(
                x12_file_id=row.id, name=row.name, error="; ".join(self.unmatched)[:2000]
            )
        return None


def _delivery(workflow_id: str, signal: str, notice: Any) -> Delivery:
    return Delivery(
        workflow_id=workflow_id,
        signal=signal,
        payload_type=type(notice).__name__,
        payload=asdict(notice),
    )


def _claim(session: Session, pcn: str) -> str | None:
    if not pcn:
        return None
    if is_alias(pcn):  # a claim id too long for CLM01 travelled as a hash
        long_ids = session.scalars(select(ClaimRow.id).where(func.length(ClaimRow.id) > 38))
        return next((cid for cid in long_ids if to_pcn(cid) == pcn), None)
    claim_id = from_pcn(pcn)
    return claim_id if session.get(ClaimRow, claim_id) is not None else None


def _episode(session: Session, trace: str) -> str | None:
    if not trace:
        return None
    if is_alias(trace):
        long_ids = session.scalars(select(Episode.id).where(func.length(Episode.id) > 38))
        return next((eid for eid in long_ids if to_pcn(eid) == trace), None)
    episode_id = from_pcn(trace)
    return episode_id if session.get(Episode, episode_id) is not None else None


def interpret(session: Session, row: X12File) -> ReadResult:
    """Read a stored inbound file and match it (pure reading: writes nothing)."""
    text = row.content.lstrip("\ufeff \r\n\t")
    if text.startswith(docs.AUTH_RESPONSE):
        return _auth(session, row, text)
    if not text.startswith("ISA"):
        return ReadResult(
            error=f"file {row.name}: neither an X12 interchange (no ISA) nor an "
            "authorization response"
        )
    try:
        doc = read_x12(text, row.name)
    except X12Error as err:
        return ReadResult(error=str(err))
    out = ReadResult(
        kind=doc.kind, control_number=f"{doc.interchanges[0].envelope.interchange_control_number}"
    )
    if doc.kind == "999":
        for ack in doc.transactions:
            _ack999(session, row, ack, out)
    elif doc.kind in ("277CA", "277"):
        for report in doc.transactions:
            _report(session, row, report, out)
    elif doc.kind == "835":
        index = 0
        for remit in doc.transactions:
            index = _remit(session, row, remit, out, index)
    elif doc.kind == "271":
        for response in doc.transactions:
            _eligibility(session, row, response, out)
    else:
        out.unmatched.append(f"an inbound {doc.kind} is not something we expect")
    return out


def _ack999(session: Session, row: X12File, ack: FunctionalAck, out: ReadResult) -> None:
    sent = repo.outbound_by_control(session, f"{ack.group_control_number:09d}", ("837P", "837I"))
    if sent is None:
        out.unmatched.append(
            f"999 acknowledges group {ack.group_control_number}: not an 837 of ours"
        )
        return
    located: dict[str, LocatedError] = {}
    if any(t.segments for t in ack.transactions):
        try:
            for err in locate_errors(ack, sent.content, sent.name):
                located.setdefault(err.transaction_control_number, err)
        except X12Error as err:
            out.unmatched.append(str(err))
    verdicts = [(t.control_number, t.accepted, t.error_codes) for t in ack.transactions] or [
        ("", ack.status in ("A", "E"), ack.error_codes)
    ]
    for control, accepted, codes in verdicts:
        message, where = "", ""
        if not accepted:
            loc = located.get(control)
            if loc is not None:
                where = SEGMENT_FIELDS.get(loc.segment_id, "claim")
                message = (
                    f"999 rejected the 837: segment {loc.segment_id} (position "
                    f"{loc.segment_position}) error {loc.segment_error_code}"
                    + (f", value {loc.element_value!r}" if loc.element_value else "")
                )
            else:
                message = "999 rejected the 837" + (f": codes {', '.join(codes)}" if codes else "")
        for claim_id in sent.claim_ids:
            out.claim_ids.append(claim_id)
            notice = AckNotice(
                claim_id=claim_id,
                source="999",
                accepted=accepted,
                message=message,
                field=where,
                x12_file_id=row.id,
            )
            out.deliveries.append(
                _delivery(claim_workflow_id(claim_id), SIGNAL_ACKNOWLEDGED, notice)
            )


def _report(session: Session, row: X12File, report: ClaimStatusReport, out: ReadResult) -> None:
    ca = report.kind == "277CA"
    for cs in report.claims:
        pcn = cs.patient_control_number or cs.trace_number
        claim_id = _claim(session, pcn)
        if claim_id is None:
            out.unmatched.append(f"{report.kind}: no claim with patient control number {pcn!r}")
            continue
        out.claim_ids.append(claim_id)
        status = cs.statuses[0] if cs.statuses else None
        words = []
        where = ""
        for s in cs.statuses:
            known = STATUS_FIELDS.get(s.code)
            if s.rejected and known is not None:
                where = where or known[0]
                words.append(
                    f"{known[1]} ({s.category}:{s.code}{':' + s.entity if s.entity else ''})"
                )
            elif s.rejected:
                words.append(f"rejected ({s.category}:{s.code})")
        message = "; ".join(words)
        if ca:
            notice: Any = AckNotice(
                claim_id=claim_id,
                source="277CA",
                accepted=not cs.rejected,
                message=message,
                field=where,
                payer_claim_number=cs.payer_claim_number,
                x12_file_id=row.id,
            )
            signal = SIGNAL_ACKNOWLEDGED
        else:
            notice = StatusNotice(
                claim_id=claim_id,
                category=status.category if status else "",
                status=status.code if status else "",
                message=message or _status_words(status.category, status.code)
                if status is not None
                else "no status",
                x12_file_id=row.id,
            )
            signal = SIGNAL_STATUS_ANSWERED
        out.deliveries.append(_delivery(claim_workflow_id(claim_id), signal, notice))


def _status_words(category: str, code: str) -> str:
    return f"{CATEGORY_WORDS.get(category, 'status')} ({category}:{code})"


def _remit(session: Session, row: X12File, remit: Remittance, out: ReadResult, index: int) -> int:
    for payment in remit.claims:
        claim_id = _claim(session, payment.patient_control_number)
        if claim_id is None:
            out.unmatched.append(
                f"835 claim {index}: no claim with patient control number "
                f"{payment.patient_control_number!r}"
            )
        else:
            out.claim_ids.append(claim_id)
            notice = RemitNotice(
                claim_id=claim_id,
                x12_file_id=row.id,
                claim_index=index,
                status_code=payment.status,
                paid_cents=payment.paid_cents,
                reversal=payment.is_reversal,
            )
            out.deliveries.append(_delivery(claim_workflow_id(claim_id), SIGNAL_REMITTED, notice))
        index += 1
    return index


def _eligibility(
    session: Session, row: X12File, response: EligibilityResponse, out: ReadResult
) -> None:
    for result in response.results:
        episode_id = _episode(session, result.trace_number)
        if episode_id is None:
            out.unmatched.append(f"271: no episode with trace number {result.trace_number!r}")
            continue
        out.episode_id = episode_id
        rejections = result.rejections or response.rejections
        if rejections:
            status = "rejected"
            message = "; ".join(f"AAA {r.reason}" for r in rejections)
        else:
            status = {"active": "active", "inactive": "inactive"}.get(result.status, "ambiguous")
            message = "; ".join(m for b in result.benefits for m in b.messages)
        notice = EligibilityNotice(
            episode_id=episode_id,
            status=status,
            message=message,
            plan_start=result.plan_begin.isoformat() if result.plan_begin else None,
            plan_end=result.plan_end.isoformat() if result.plan_end else None,
            x12_file_id=row.id,
        )
        out.deliveries.append(
            _delivery(episode_workflow_id(episode_id), SIGNAL_ELIGIBILITY, notice)
        )


def _auth(session: Session, row: X12File, text: str) -> ReadResult:
    try:
        resp = docs.read_auth_response(text)
    except docs.DocumentError as err:
        return ReadResult(error=f"file {row.name}: {err}")
    out = ReadResult(kind="AUTHRESP", control_number=resp.control)
    episode_id = _episode(session, resp.episode_id)
    if episode_id is None:
        out.unmatched.append(f"authorization response for unknown episode {resp.episode_id!r}")
        return out
    out.episode_id = episode_id
    notice = AuthDecisionNotice(
        episode_id=episode_id,
        status=resp.status,
        number=resp.number,
        start=resp.start.isoformat() if resp.start else None,
        end=resp.end.isoformat() if resp.end else None,
        units=resp.units,
        codes=list(resp.codes),
        message=resp.message,
        x12_file_id=row.id,
    )
    out.deliveries.append(_delivery(episode_workflow_id(episode_id), SIGNAL_AUTH_DECISION, notice))
    return out


@dataclass
class Intake:
    """The outcome of one poll: the result to return and which files to move where."""

    result: PollInboxResult
    moves: list[tuple[InboundFile, bool]]  # (file, readable)


def take_in(session: Session, files: list[InboundFile], stamp: datetime) -> Intake:
    """Store ``files`` once, read the new ones, stamp them with this poll, and return every
    delivery of files stamped ``stamp`` (so a retried poll answers the same)."""
    fresh: dict[int, ReadResult] = {}
    moves: list[tuple[InboundFile, bool]] = []
    for f in files:
        row, _new = repo.store_inbound(session, name=f.name, content=f.content)
        if row.status == repo.PENDING or not row.delivered:
            read = interpret(session, row)
            repo.mark_read(
                session,
                row,
                stamp=stamp,
                status=read.status,
                kind=read.kind or "?",
                error=read.error or "; ".join(read.unmatched)[:4000],
                claim_ids=sorted(set(read.claim_ids)),
                episode_id=read.episode_id,
                control_number=read.control_number,
            )
            fresh[row.id] = read
        moves.append((f, row.status != repo.ERROR))
    result = PollInboxResult()
    for row in repo.read_in_poll(session, stamp):
        read = fresh.get(row.id) or interpret(session, row)
        result.deliveries.extend(read.deliveries)
        unmatched = read.unmatched_file(row)
        if unmatched is not None:
            result.unmatched.append(unmatched)
    return Intake(result=result, moves=moves)
