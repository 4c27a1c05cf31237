"""The clearinghouse activities: build and send our documents, poll and match what comes back.

Every sender is idempotent by a key derived from its input (see docs/workflows.md):

==================================  ===========================================
activity                            idempotency key (hashed into the file name)
==================================  ===========================================
clearinghouse.submit_claim          ("837", claim id, input ``now``)
clearinghouse.send_status_inquiry   ("276", claim id, input ``now``)
clearinghouse.send_appeal           ("APPEAL", claim id, appeal level)
clearinghouse.send_eligibility      ("270", episode id, input ``now``)
clearinghouse.request_authorization ("AUTHREQ", episode id, input ``now``)
==================================  ===========================================

``clearinghouse.poll_inbox`` is keyed by its ``now`` (see :mod:`.inbox`) and
``clearinghouse.record_late_notices`` by the x12 file of each notice (see :mod:`.late`).

``now`` is ``workflow.now()`` when the workflow scheduled the activity: every retry of
one scheduled activity carries the same value, and a later submission (after a
rejection, a missing acknowledgement or a fix) is scheduled at a later workflow time.
So a retried activity finds its file (``{kind}-{subject}-{control}-{key hash}``) and
never builds a second one; the file is written in one transaction (status ``queued``),
handed to the adapter, then marked ``sent`` — a retry after a crash in between sends the
same file again, which both adapters treat as a no-op.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.db import unit_of_work
from activities.domain_json import from_json
from models import ruleset_catalog
from models.db import x12files as repo
from models.db.billing_tables import Appeal, ClaimRow, Coverage, X12File
from models.db.counters import next_control_number
from models.db.tables import Episode, Patient
from models.domain.claims import Claim
from models.domain.ruleset_schema import Program
from models.domain.values import DomainError
from models.x12 import (
    ClaimForm,
    ClaimStatusRequest,
    EligibilityQuery,
    EligibilityRequest,
    Envelope,
    Member,
    Person,
    StatusQuery,
    X12Error,
    write_270,
    write_276,
    write_837,
)
from workflows.claim_types import (
    AppealInput,
    PollInboxInput,
    PollInboxResult,
    SentFileResult,
    StatusInquiryInput,
    SubmitClaimInput,
)
from workflows.episode_types import AuthRequestInput, EligibilityInquiryInput
from workflows.errors import ErrorType
from workflows.inbox_types import (
    POLL_AND_DELIVER_ACTIVITY,
    RECORD_LATE_ACTIVITY,
    PolledAndDelivered,
    RecordLateNoticesInput,
    RecordLateNoticesResult,
)

from . import documents as docs
from .config import PartnerConfig, load_partners
from .deliver import deliver
from .inbox import take_in
from .late import record_late
from .mapping import (
    MappingError,
    Parties,
    batch837,
    claim837,
    file_name,
    key_hash,
    name_prefix,
    parties,
    to_pcn,
)
from .protocol import Clearinghouse, OutboundFile

__all__ = ["COUNTER", "ClearinghouseActivities"]

COUNTER = "x12:interchange"  # ISA13 = GS06 of every file we send; ST02 is 0001
DEFAULT_AUTH_DAYS = 30
DEFAULT_AUTH_UNITS = 20


def _fail(kind: ErrorType, message: str) -> ApplicationError:
    return ApplicationError(message, type=kind.value, non_retryable=True)


Builder = Callable[[int], str]


class ClearinghouseActivities:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        adapter: Clearinghouse,
        *,
        partners: PartnerConfig | None = None,
    ) -> None:
        self._sessions = sessions
        self.adapter = adapter
        self._partners = partners or load_partners()

    # -- the one way out -------------------------------------------------------------
    def _send(
        self,
        *,
        kind: str,
        subject: str,
        key: str,
        now: datetime,
        build: Callable[[Session, int], str],
        claim_ids: tuple[str, ...] = (),
        episode_id: str | None = None,
    ) -> SentFileResult:
        prefix, suffix = name_prefix(kind, subject), f"-{key}."
        with unit_of_work(self._sessions) as s:
            row = self._find(s, prefix, suffix)
            if row is None:
                number = next_control_number(s, COUNTER)  # also serialises concurrent retries
                row = self._find(s, prefix, suffix)
                if row is None:
                    try:
                        content = build(s, number)
                    except (MappingError, X12Error, docs.DocumentError, DomainError) as err:
                        raise _fail(ErrorType.OUTBOUND_INVALID, str(err)) from None
                    control = f"{number:09d}"
                    row = repo.add_outbound(
                        s,
                        kind=kind,
                        name=file_name(kind, subject, control, key),
                        content=content,
                        control_number=control,
                        claim_ids=claim_ids,
                        episode_id=episode_id,
                        at=now,
                    )
            out = OutboundFile(
                kind=row.kind,
                name=row.name,
                content=row.content,
                control_number=row.control_number,
                claim_ids=tuple(row.claim_ids),
                episode_id=row.episode_id,
            )
            file_id, status = row.id, row.status
        if status != repo.SENT:
            self.adapter.send(out, now=now)
            with unit_of_work(self._sessions) as s:
                repo.mark_sent(s, file_id)
        return SentFileResult(x12_file_id=file_id, name=out.name, control_number=out.control_number)

    @staticmethod
    def _find(s: Session, prefix: str, suffix: str) -> X12File | None:
        row = repo.find_outbound(s, prefix, suffix + "x12")
        return row or repo.find_outbound(s, prefix, suffix + "txt")

    def _envelope(self, number: int, now: datetime) -> Envelope:
        return Envelope(
            sender_id=self._partners.submitter.id,
            receiver_id=self._partners.receiver.id,
            interchange_control_number=number,
            group_control_number=number,
            created=now.replace(tzinfo=None),  # UTC wall time
        )

    # -- lookups ---------------------------------------------------------------------
    @staticmethod
    def _claim_row(s: Session, claim_id: str) -> ClaimRow:
        row = s.get(ClaimRow, claim_id)
        if row is None:
            raise _fail(ErrorType.NOT_FOUND, f"claim {claim_id} not found")
        return row

    @staticmethod
    def _episode(s: Session, episode_id: str) -> tuple[Episode, Patient]:
        episode = s.get(Episode, episode_id)
        if episode is None:
            raise _fail(ErrorType.NOT_FOUND, f"episode {episode_id} not found")
        patient = s.get(Patient, episode.patient_id)
        assert patient is not None
        return episode, patient

    @staticmethod
    def _coverage(s: Session, episode_id: str, payer_id: str) -> Coverage | None:
        primary = s.get(Coverage, f"{episode_id}:primary")
        if primary is not None and primary.payer_id == payer_id:
            return primary
        return (
            s.scalars(
                select(Coverage)
                .where(Coverage.episode_id == episode_id, Coverage.payer_id == payer_id)
                .order_by(Coverage.updated_at.desc())
                .limit(1)
            ).first()
            or primary
        )

    def _parties(self, s: Session, episode_id: str, payer_id: str) -> Parties:
        _, patient = self._episode(s, episode_id)
        coverage = self._coverage(s, episode_id, payer_id)
        return parties(patient, coverage, self._partners.billing_provider.address)

    @staticmethod
    def _member(person: Person) -> Member:
        return Member(
            last_name=person.last_name,
            first_name=person.first_name,
            birth_date=person.birth_date,
            gender=person.gender,
        )

    # -- activities ------------------------------------------------------------------
    @activity.defn(name="clearinghouse.submit_claim")
    def submit_claim(self, inp: SubmitClaimInput) -> SentFileResult:
        now = datetime.fromisoformat(inp.now)
        with unit_of_work(self._sessions) as s:
            row = self._claim_row(s, inp.claim_id)
            kind, episode_id = row.form, row.episode_id

        def build(s: Session, number: int) -> str:
            row = self._claim_row(s, inp.claim_id)
            claim = from_json(Claim, row.claim)
            payer = self._partners.payer(row.payer_id)
            c837 = claim837(claim, self._parties(s, row.episode_id, row.payer_id), payer,
                            self._partners)  # fmt: skip
            batch = batch837(claim, c837, self._partners, control="0001", created=now)
            return write_837(self._envelope(number, now), [batch])

        if kind not in (ClaimForm.PROFESSIONAL.value, ClaimForm.INSTITUTIONAL.value):
            raise _fail(ErrorType.OUTBOUND_INVALID, f"claim form {kind!r}")
        return self._send(
            kind=kind,
            subject=inp.claim_id,
            key=key_hash("837", inp.claim_id, inp.now),
            now=now,
            build=build,
            claim_ids=(inp.claim_id,),
            episode_id=episode_id,
        )

    @activity.defn(name="clearinghouse.send_status_inquiry")
    def send_status_inquiry(self, inp: StatusInquiryInput) -> SentFileResult:
        now = datetime.fromisoformat(inp.now)
        with unit_of_work(self._sessions) as s:
            episode_id = self._claim_row(s, inp.claim_id).episode_id

        def build(s: Session, number: int) -> str:
            row = self._claim_row(s, inp.claim_id)
            claim = from_json(Claim, row.claim)
            who = self._parties(s, row.episode_id, row.payer_id)
            payer = self._partners.payer(row.payer_id)
            pcn = to_pcn(inp.claim_id)
            bp = self._partners.billing_provider
            query = StatusQuery(
                trace_number=pcn,
                member_id=who.member_id or claim.subscriber_id,
                subscriber=self._member(who.subscriber),
                dependent=self._member(who.patient) if who.patient is not None else None,
                service_from=row.period_start,
                service_to=row.period_end,
                patient_control_number=pcn,
                charge_cents=row.total_cents or claim.total_cents,
                payer_claim_number=row.payer_claim_number,
                bill_type=claim.type_of_bill if row.form == "837I" else "",
            )
            request = ClaimStatusRequest(
                control_number="0001",
                reference=f"{number:09d}",
                created=now.replace(tzinfo=None),
                payer_name=payer.name,
                payer_id=payer.payer_id,
                submitter_name=self._partners.submitter.name,
                submitter_id=self._partners.submitter.id,
                provider_name=bp.name,
                provider_npi=claim.billing_npi or bp.npi,
                queries=(query,),
            )
            return write_276(self._envelope(number, now), [request])

        return self._send(
            kind="276",
            subject=inp.claim_id,
            key=key_hash("276", inp.claim_id, inp.now),
            now=now,
            build=build,
            claim_ids=(inp.claim_id,),
            episode_id=episode_id,
        )

    @activity.defn(name="clearinghouse.send_appeal")
    def send_appeal(self, inp: AppealInput) -> SentFileResult:
        now = datetime.fromisoformat(inp.now)
        with unit_of_work(self._sessions) as s:
            episode_id = self._claim_row(s, inp.claim_id).episode_id

        def build(s: Session, number: int) -> str:
            row = self._claim_row(s, inp.claim_id)
            appeal = (
                s.get(Appeal, f"{inp.claim_id}:{inp.level}")
                or s.scalars(
                    select(Appeal).where(Appeal.claim_id == inp.claim_id, Appeal.level == inp.level)
                ).first()
            )
            if appeal is None:
                raise _fail(
                    ErrorType.NOT_FOUND,
                    f"no level {inp.level} appeal for claim {inp.claim_id}",
                )
            who = self._parties(s, row.episode_id, row.payer_id)
            return docs.write_appeal(
                docs.AppealSheet(
                    control=f"{number:09d}",
                    claim_id=inp.claim_id,
                    level=inp.level,
                    payer_id=row.payer_id,
                    member_id=who.member_id,
                    charge_cents=row.total_cents,
                    payer_claim_number=row.payer_claim_number,
                    letter=appeal.letter,
                )
            )

        return self._send(
            kind="APPEAL",
            subject=inp.claim_id,
            key=key_hash("APPEAL", inp.claim_id, inp.level),
            now=now,
            build=build,
            claim_ids=(inp.claim_id,),
            episode_id=episode_id,
        )

    @activity.defn(name="clearinghouse.send_eligibility")
    def send_eligibility(self, inp: EligibilityInquiryInput) -> SentFileResult:
        now = datetime.fromisoformat(inp.now)

        def build(s: Session, number: int) -> str:
            episode, _ = self._episode(s, inp.episode_id)
            coverage = self._coverage(s, episode.id, episode.payer_id)
            payer_id = coverage.payer_id if coverage is not None else episode.payer_id
            who = self._parties(s, episode.id, payer_id)
            payer = self._partners.payer(payer_id)
            bp = self._partners.billing_provider
            query = EligibilityQuery(
                trace_number=to_pcn(inp.episode_id),
                member_id=who.member_id,
                subscriber=self._member(who.subscriber),
                dependent=self._member(who.patient) if who.patient is not None else None,
                service_date=episode.admit_date or now.date(),
                service_types=("30", "MH"),
            )
            request = EligibilityRequest(
                control_number="0001",
                reference=f"{number:09d}",
                created=now.replace(tzinfo=None),
                payer_name=payer.name,
                payer_id=payer.payer_id,
                provider_name=bp.name,
                provider_npi=bp.npi,
                queries=(query,),
                originator_id="9" + bp.tax_id,
            )
            return write_270(self._envelope(number, now), [request])

        return self._send(
            kind="270",
            subject=inp.episode_id,
            key=key_hash("270", inp.episode_id, inp.now),
            now=now,
            build=build,
            episode_id=inp.episode_id,
        )

    @activity.defn(name="clearinghouse.request_authorization")
    def request_authorization(self, inp: AuthRequestInput) -> SentFileResult:
        now = datetime.fromisoformat(inp.now)

        def build(s: Session, number: int) -> str:
            episode, _ = self._episode(s, inp.episode_id)
            who = self._parties(s, episode.id, episode.payer_id)
            start = episode.admit_date or now.date()
            return docs.write_auth_request(
                docs.AuthRequest(
                    control=f"{number:09d}",
                    episode_id=inp.episode_id,
                    payer_id=episode.payer_id,
                    member_id=who.member_id,
                    program=episode.program,
                    codes=_program_codes(s, episode.payer_id, episode.program, start),
                    start=start,
                    end=start + timedelta(days=DEFAULT_AUTH_DAYS - 1),
                    units=DEFAULT_AUTH_UNITS,
                )
            )

        return self._send(
            kind="AUTHREQ",
            subject=inp.episode_id,
            key=key_hash("AUTHREQ", inp.episode_id, inp.now),
            now=now,
            build=build,
            episode_id=inp.episode_id,
        )

    @activity.defn(name="clearinghouse.poll_inbox")
    def poll_inbox(self, inp: PollInboxInput) -> PollInboxResult:
        now = datetime.fromisoformat(inp.now)
        files = self.adapter.receive(now=now)
        with unit_of_work(self._sessions) as s:
            intake = take_in(s, files, now)
        for f, readable in intake.moves:
            self.adapter.acknowledge(f, ok=readable)
        return intake.result

    @activity.defn(name=POLL_AND_DELIVER_ACTIVITY)
    async def poll_and_deliver(self, inp: PollInboxInput) -> PolledAndDelivered:
        """``poll_inbox``, then signal its deliveries with the worker's client (see
        :mod:`.deliver`). A retry polls with the same stamp, so it reads the same files
        and sends the same notices again; their workflows take each once."""
        poll = await asyncio.to_thread(self.poll_inbox, inp)
        return PolledAndDelivered(
            poll=poll, errors=await deliver(activity.client(), poll.deliveries)
        )

    @activity.defn(name=RECORD_LATE_ACTIVITY)
    def record_late_notices(self, inp: RecordLateNoticesInput) -> RecordLateNoticesResult:
        """Claim notices the inbox could not signal: see :mod:`.late`."""
        at = datetime.fromisoformat(inp.at)
        with unit_of_work(self._sessions) as s:
            return RecordLateNoticesResult(notices=record_late(s, inp.deliveries, at))

    def all(self) -> list[Any]:
        return [
            self.submit_claim,
            self.send_status_inquiry,
            self.send_appeal,
            self.send_eligibility,
            self.request_authorization,
            self.poll_inbox,
            self.poll_and_deliver,
            self.record_late_notices,
        ]


def _program_codes(s: Session, payer_id: str, program: str, as_of: date) -> tuple[str, ...]:
    try:
        rules = ruleset_catalog.in_force(s, payer_id, as_of)
        rule = rules.program(Program(program))
    except (DomainError, ValueError, StopIteration):
        return ()
    return (rule.per_diem_code,) if rule.per_diem_code else ()
