"""``claims.*`` activities: every rule decision of the ClaimWorkflow, and its records.

This module holds the claim's own records — load, timeline, deadlines, scrub and fixes,
acknowledgements, 277 answers, corrected claims, task answers, the write-off and the
outcome; :mod:`activities.claim_settlement` the work on the payer's 835 (posting, denial
routes, appeals) and the helpers both use. :class:`ClaimActivities` has them all.

Each activity runs one transaction and is idempotent: timeline rows are keyed
(``{claim_id}:…``), replacement claims by ``{claim_id}:r{revision}``, the write-off
by ``{claim_id}:writeoff``. A retry or a replay changes nothing. Register them with
:func:`claim_activities`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.claim_rules import apply_corrections, covering_authorizations, status_summary
from activities.claim_settlement import (
    SettlementActivities,
    claim_of,
    day_of,
    event_data,
    is_finalized_denial,
    ledger_of,
    rules_of,
    save_ledger,
    stamp,
)
from activities.db import unit_of_work
from models.claim_tasks import GENERAL_FIELD, form_field_for
from models.db import claims as repo
from models.db.billing_tables import ClaimRow, Denial
from models.domain import (
    Adjudication,
    Adjustment,
    Authorization,
    Clock,
    GroupCode,
    LinePosting,
    ScrubContext,
    blocks_submission,
    compute_deadline,
    post_adjudication,
    replacement_claim,
    scrub,
)
from workflows.claim_payloads import (
    AckOutcome,
    ApplyFixInput,
    ClaimFacts,
    ClaimTotals,
    DeadlineInput,
    DeadlineResult,
    LoadClaimInput,
    MarkClaimInput,
    RecordAckInput,
    RecordStatusInput,
    RecordTaskOutcomeInput,
    ReplacementInput,
    ReplacementResult,
    ResolveClaimInput,
    ScrubClaimInput,
    ScrubResult,
    StatusAnswer,
    WriteOffInput,
)
from workflows.claim_types import ClaimOutcome
from workflows.errors import ErrorType

WRITE_OFF_CARC = "WO"
FINALIZED_DENIAL_CATEGORY = "F2"  # 277 STC category: finalized, denied


def _written_off_cents(session: Session, claim_id: str) -> int:
    for event in repo.timeline(session, claim_id):
        if event.key == f"{claim_id}:writeoff":
            return int(event.data.get("written_off_cents", 0))
    return 0


class ClaimActivities(SettlementActivities):
    """Every ``claims.*`` activity, bound to a sessionmaker."""

    # -- facts, timeline, deadlines ------------------------------------------------------
    @activity.defn(name="claims.load")
    def load(self, inp: LoadClaimInput) -> ClaimFacts:
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            claim = claim_of(row)
            if row.filing_deadline is not None:
                due, rule = row.filing_deadline, "filing deadline stored on the claim"
            else:
                first = min(line.date_of_service for line in claim.lines)
                dl = compute_deadline(Clock.TIMELY_FILING, rules_of(session, claim), first)
                due, rule = dl.due, dl.rule
                row.filing_deadline = due
            if not row.ledger:
                save_ledger(row, ledger_of(row, claim))
            return ClaimFacts(
                claim_id=row.id,
                episode_id=row.episode_id,
                payer_id=row.payer_id,
                total_cents=row.total_cents,
                filing_deadline=due.isoformat(),
                filing_rule=rule,
                status=row.status,
                original_claim_id=row.original_claim_id or "",
            )

    @activity.defn(name="claims.mark")
    def mark(self, inp: MarkClaimInput) -> None:
        at = datetime.fromisoformat(inp.at)
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            fresh = repo.add_event(
                session,
                inp.claim_id,
                key=inp.key,
                kind=inp.kind,
                detail=inp.detail,
                data=inp.data,
                at=at,
            )
            if not fresh:
                return
            if inp.status:
                row.status = inp.status
            if inp.submitted and row.first_submitted_at is None:
                row.first_submitted_at = at
            if inp.accepted:
                row.accepted_at = at
                if "clean_first_pass" in inp.data:
                    row.clean_first_pass = bool(inp.data["clean_first_pass"])
            row.updated_at = at

    @activity.defn(name="claims.deadline")
    def deadline(self, inp: DeadlineInput) -> DeadlineResult:
        with unit_of_work(self._sessions) as session:
            claim = claim_of(repo.require(session, inp.claim_id))
            rules = rules_of(session, claim)
        dl = compute_deadline(
            Clock(inp.clock), rules, day_of(inp.start), level=inp.level, repeat=inp.repeat
        )
        return DeadlineResult(due=dl.due.isoformat(), rule=dl.rule)

    # -- scrub and fix -------------------------------------------------------------------
    @activity.defn(name="claims.scrub")
    def scrub(self, inp: ScrubClaimInput) -> ScrubResult:
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            claim = claim_of(row)
            on_file = repo.authorizations_for(session, row.episode_id)
            auths = tuple(
                Authorization(
                    number=a.number,
                    codes=tuple(a.codes),
                    start=a.start,
                    end=a.end,
                    units_authorized=a.units,
                    units_used=repo.units_billed_elsewhere(session, a.number, row),
                )
                for a in on_file
                if a.number and a.codes and a.status in ("approved", "partial")
            )
            context = ScrubContext(rules=rules_of(session, claim), authorizations=auths)
            findings = scrub(claim, context, day_of(inp.today))
            blocked = blocks_submission(findings)
            notes: dict[str, str] = {}
            for f in findings:
                if f.blocks:
                    name = form_field_for(f.field)
                    notes[name] = f"{notes[name]}; {f.message}" if name in notes else f.message
            row.findings = [f.to_dict() for f in findings]
            row.status = "needs_fix" if blocked else "ready"
            if blocked:  # its first pass is known now: not clean (the rate counts it at once)
                row.clean_first_pass = False
            repo.add_event(
                session,
                row.id,
                key=f"{row.id}:scrub:{inp.attempt}",
                kind="scrubbed",
                detail=f"{sum(f.blocks for f in findings)} error(s), "
                f"{sum(not f.blocks for f in findings)} warning(s)",
                data={"findings": row.findings},
                at=stamp(inp.at),
            )
            return ScrubResult(
                clean=not blocked,
                findings=[f.to_dict() for f in findings if f.blocks],
                field_notes=notes,
                authorizations=covering_authorizations(claim, on_file) if blocked else {},
            )

    @activity.defn(name="claims.apply_fix")
    def apply_fix(self, inp: ApplyFixInput) -> None:
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            fresh = repo.add_event(
                session,
                row.id,
                key=f"{row.id}:fix:{inp.task_id}",
                kind="fixed",
                detail="changed: " + ", ".join(sorted(k for k, v in inp.data.items() if v)),
                at=stamp(inp.at),
            )
            if not fresh:
                return
            fixed = apply_corrections(claim_of(row), inp.data)
            row.claim = fixed.to_dict()
            row.total_cents = fixed.total_cents

    # -- acknowledgements and status answers -----------------------------------------------
    @activity.defn(name="claims.record_ack")
    def record_ack(self, inp: RecordAckInput) -> AckOutcome:
        n = inp.notice
        at = datetime.fromisoformat(inp.at)
        final = (not n.accepted) or n.source.upper() == "277CA"
        form_field = (
            (form_field_for(n.field) if n.field else GENERAL_FIELD) if not n.accepted else ""
        )
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            verdict = "accepted" if n.accepted else "rejected"
            covering = (
                {}
                if n.accepted or inp.late
                else covering_authorizations(
                    claim_of(row), repo.authorizations_for(session, row.episode_id)
                )
            )
            fresh = repo.add_event(
                session,
                row.id,
                key=f"{row.id}:ack:{inp.seq}:{n.source}",
                kind=f"{n.source.lower()}_{verdict}",
                detail=n.message,
                data={"field": n.field, "x12_file_id": n.x12_file_id}
                | ({"after_acceptance": True} if inp.late else {}),
                at=at,
            )
            if fresh and inp.late:  # the claim moved on: keep its status, fill what is missing
                if n.payer_claim_number and not row.payer_claim_number:
                    row.payer_claim_number = n.payer_claim_number
            elif fresh:
                if n.message:
                    row.last_message = n.message
                if n.payer_claim_number:
                    row.payer_claim_number = n.payer_claim_number
                if not n.accepted:
                    row.status = "rejected"
                    row.clean_first_pass = False  # counted before the fix is accepted
                elif final:
                    row.status, row.accepted_at = "accepted", at
                else:
                    row.status = "acknowledged"
        return AckOutcome(
            accepted=n.accepted,
            final=final,
            form_field=form_field,
            message=n.message or f"{n.source} {verdict}",
            authorizations=covering,
        )

    @activity.defn(name="claims.record_status")
    def record_status(self, inp: RecordStatusInput) -> StatusAnswer:
        n = inp.notice
        summary = status_summary(n.category, n.status, n.message)
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            if repo.add_event(
                session,
                row.id,
                key=f"{row.id}:277:{inp.seq}",
                kind="status_answered",
                detail=summary,
                data={"x12_file_id": n.x12_file_id},
                at=datetime.fromisoformat(inp.at),
            ):
                row.last_message = summary
        denied = n.category.strip().upper() == FINALIZED_DENIAL_CATEGORY
        return StatusAnswer(
            summary=summary,
            category=n.category,
            status=n.status,
            finalized_denied=denied,
            headline="THE PAYER FINALIZED THIS CLAIM AS DENIED (277 category F2): if its "
            "portal confirms it, answer 'the payer finalized this claim as denied' with the "
            "CARC it shows, and the denial is worked"
            if denied
            else "",
        )

    # -- corrected claims, task answers, write-off, the outcome ------------------------------
    @activity.defn(name="claims.create_replacement")
    def create_replacement(self, inp: ReplacementInput) -> ReplacementResult:
        at = stamp(inp.at)
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            if not row.payer_claim_number:
                raise ApplicationError(
                    f"claim {row.id} has no payer claim number to replace",
                    type=ErrorType.NOT_FOUND,
                    non_retryable=True,
                )
            original = claim_of(row)
            new = apply_corrections(
                replacement_claim(original, row.payer_claim_number, revision=inp.revision),
                inp.data,
            )
            repo.add_claim(
                session,
                ClaimRow(
                    id=new.claim_id,
                    episode_id=row.episode_id,
                    payer_id=row.payer_id,
                    form=row.form,
                    frequency=str(new.frequency_code),
                    period_start=row.period_start,
                    period_end=row.period_end,
                    total_cents=new.total_cents,
                    open_cents=new.total_cents,
                    status="draft",
                    original_claim_id=row.id,
                    filing_deadline=row.filing_deadline,
                    claim=new.to_dict(),
                    created_at=at,
                    updated_at=at,
                ),
            )
            repo.add_event(
                session,
                row.id,
                key=f"{row.id}:replacement:{inp.revision}",
                kind="replacement_created",
                detail=f"corrected claim {new.claim_id} (frequency 7) replaces payer claim "
                f"{row.payer_claim_number}",
                data={"replacement_claim_id": new.claim_id, "task_id": inp.task_id},
                at=at,
            )
            return ReplacementResult(
                claim_id=new.claim_id,
                original_claim_number=new.original_claim_number,
                frequency=str(new.frequency_code),
            )

    @activity.defn(name="claims.record_task_outcome")
    def record_task_outcome(self, inp: RecordTaskOutcomeInput) -> None:
        with unit_of_work(self._sessions) as session:
            repo.require(session, inp.claim_id)
            fresh = repo.add_event(
                session,
                inp.claim_id,
                key=f"{inp.claim_id}:task:{inp.task_id}",
                kind=f"{inp.kind}_done",
                detail=", ".join(f"{k}={v}" for k, v in sorted(inp.data.items()) if k != "note"),
                data={"task_id": inp.task_id},
                at=datetime.fromisoformat(inp.at),
            )
            denial = session.get(Denial, inp.denial_id) if inp.denial_id else None
            if fresh and denial is not None:
                denial.status = "worked"

    @activity.defn(name="claims.write_off")
    def write_off(self, inp: WriteOffInput) -> None:
        key = f"{inp.claim_id}:writeoff"
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            if event_data(session, row.id, key) is not None:
                return
            claim = claim_of(row)
            ledger = ledger_of(row, claim)
            balance = ledger.claim(row.id)
            assert balance is not None
            carc = inp.carc or WRITE_OFF_CARC
            untouched = [ln for ln in balance.lines if ln.open_cents == ln.billed_cents > 0]
            written = sum(ln.open_cents for ln in untouched)
            if untouched:
                adj = Adjudication(
                    posting_id=f"writeoff:{row.id}",
                    claim_id=row.id,
                    paid_cents=0,
                    lines=tuple(
                        LinePosting(
                            line_number=ln.line_number,
                            charge_cents=ln.billed_cents,
                            paid_cents=0,
                            adjustments=(
                                Adjustment(
                                    group=GroupCode.CO, carc=carc, amount_cents=ln.billed_cents
                                ),
                            ),
                        )
                        for ln in untouched
                    ),
                )
                result = post_adjudication(ledger, adj)
                if not result.accepted:  # pragma: no cover - untouched lines always post
                    raise ApplicationError(result.reason, type=ErrorType.NOT_ALLOWED)
                save_ledger(row, result.ledger)
            for denial in repo.denials_for(session, row.id):
                if denial.group_code != "PR" and denial.status != "closed":
                    # A denial reported by status posted nothing: its lines were untouched
                    # and are counted above, with the adjustment just posted.
                    if not is_finalized_denial(denial.id):
                        written += denial.amount_cents
                    denial.status = "closed"
            row.status = "written_off"
            repo.add_event(
                session,
                row.id,
                key=key,
                kind="written_off",
                detail=f"{inp.reason}; approved by {inp.approved_by}",
                data={"written_off_cents": written, "approved_by": inp.approved_by},
                at=datetime.fromisoformat(inp.at),
            )

    @activity.defn(name="claims.resolve")
    def resolve(self, inp: ResolveClaimInput) -> ClaimTotals:
        at = datetime.fromisoformat(inp.at)
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            claim = claim_of(row)
            ledger = ledger_of(row, claim)
            balance = ledger.claim(row.id)
            assert balance is not None
            written = _written_off_cents(session, row.id)
            wrote_off = event_data(session, row.id, f"{row.id}:writeoff") is not None
            if inp.replacement_claim_ids:
                outcome = ClaimOutcome.REPLACED
            elif wrote_off:
                outcome = ClaimOutcome.WRITTEN_OFF
            elif balance.total("patient_cents") > 0:
                outcome = ClaimOutcome.PATIENT_RESPONSIBILITY
            else:
                outcome = ClaimOutcome.PAID
            if repo.add_event(
                session,
                row.id,
                key=f"{row.id}:resolved",
                kind="resolved",
                detail=str(outcome),
                data={"replacement_claim_ids": inp.replacement_claim_ids},
                at=at,
            ):
                row.status = str(outcome)
                row.resolved_at = at
            return ClaimTotals(
                outcome=str(outcome),
                billed_cents=balance.total("billed_cents"),
                paid_cents=balance.total("paid_cents"),
                adjusted_cents=balance.total("adjustment_cents"),
                patient_resp_cents=balance.total("patient_cents"),
                open_cents=balance.total("open_cents"),
                written_off_cents=written,
                balanced=balance.balanced,
            )


def claim_activities(sessions: sessionmaker[Session]) -> list[Callable[..., Any]]:
    """Every ``claims.*`` activity, bound to ``sessions``: register these in the worker."""
    acts = ClaimActivities(sessions)
    return [
        acts.load,
        acts.mark,
        acts.deadline,
        acts.scrub,
        acts.apply_fix,
        acts.record_ack,
        acts.record_status,
        acts.post_remittance,
        acts.route_denials,
        acts.create_replacement,
        acts.draft_appeal,
        acts.record_appeal,
        acts.record_task_outcome,
        acts.write_off,
        acts.resolve,
    ]
