"""``claims.*`` activities: every rule decision of the ClaimWorkflow, and its records.

Each activity runs one transaction and is idempotent: timeline rows are keyed
(``{claim_id}:…``), postings by ``{trace}:{patient control number}:{CLP index}``,
denials by ``{posting_id}:{group}:{carc}``, appeals by ``{claim_id}:{level}``,
replacement claims by ``{claim_id}:r{revision}``. A retry or a replay changes nothing.
Register them with :func:`claim_activities`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.claim_rules import (
    ALREADY_REVERSED,
    adjudication_from_835,
    adjustment_rows,
    appeal_letter,
    apply_corrections,
    overturned_denial,
    status_summary,
)
from activities.db import unit_of_work
from activities.domain_json import from_json, to_json
from models import ruleset_catalog
from models.claim_tasks import GENERAL_FIELD, form_field_for
from models.db import claims as repo
from models.db.base import utcnow
from models.db.billing_tables import Appeal, ClaimRow, Denial, Posting
from models.domain import (
    Action,
    Adjudication,
    Adjustment,
    Authorization,
    Claim,
    Clock,
    DomainError,
    GroupCode,
    Ledger,
    LinePosting,
    RuleSet,
    ScrubContext,
    add_claim,
    blocks_submission,
    compute_deadline,
    post_adjudication,
    replacement_claim,
    route_denial,
    scrub,
)
from models.x12 import X12Error, read_835
from workflows.claim_payloads import (
    AckOutcome,
    AppealDraft,
    ApplyFixInput,
    ClaimFacts,
    ClaimTotals,
    DeadlineInput,
    DeadlineResult,
    DenialPlan,
    DenialWork,
    DraftAppealInput,
    LoadClaimInput,
    MarkClaimInput,
    PostingOutcome,
    PostRemittanceInput,
    RecordAckInput,
    RecordAppealInput,
    RecordStatusInput,
    RecordTaskOutcomeInput,
    ReplacementInput,
    ReplacementResult,
    ResolveClaimInput,
    RouteDenialsInput,
    ScrubClaimInput,
    ScrubResult,
    StatusAnswer,
    WriteOffInput,
)
from workflows.claim_types import ClaimOutcome
from workflows.errors import ErrorType

# A denial route's action → the claim task kind that works it (None: nothing to do).
KIND_FOR_ACTION: dict[Action, str | None] = {
    Action.CORRECTED_CLAIM: "corrected_claim",
    Action.APPEAL: "write_appeal",
    Action.APPEAL_OR_WRITE_OFF: "write_off_approval",
    Action.COB: "verify_cob",
    Action.CREDENTIALING: "credentialing",
    Action.RECORDS_REQUEST: "records_request",
    Action.PATIENT_RESPONSIBILITY: "patient_responsibility",
    Action.ADJUST: None,
    Action.CHECK_STATUS: "general_review",
    Action.RERUN_ELIGIBILITY: "general_review",
    Action.NEW_CLAIM_OTHER_PAYER: "general_review",
    Action.CONCURRENT_REVIEW: "general_review",
    Action.REVIEW: "general_review",
}
# Work order: a corrected claim supersedes everything else; patient billing comes last.
WORK_ORDER = (
    "corrected_claim",
    "write_appeal",
    "write_off_approval",
    "verify_cob",
    "credentialing",
    "records_request",
    "general_review",
    "patient_responsibility",
)
WRITE_OFF_CARC = "WO"


def _day(iso: str) -> date:
    return date.fromisoformat(iso)


def _at(iso: str) -> datetime:
    """The workflow time the activity was scheduled at; an input from before the claim
    sent one (``""``) is stamped with the clock."""
    return datetime.fromisoformat(iso) if iso else utcnow()


def _claim(row: ClaimRow) -> Claim:
    return from_json(Claim, row.claim)


def _rules(session: Session, claim: Claim) -> RuleSet:
    """The version the claim was built under (shipped or added by an admin)."""
    return ruleset_catalog.version(session, claim.payer_id, claim.ruleset_version)


def _ledger(row: ClaimRow, claim: Claim) -> Ledger:
    if row.ledger:
        return from_json(Ledger, row.ledger)
    return add_claim(Ledger(), claim)


def _save_ledger(row: ClaimRow, ledger: Ledger) -> None:
    row.ledger = to_json(ledger)
    balance = ledger.claim(row.id)
    if balance is not None:
        row.paid_cents = balance.total("paid_cents")
        row.adjusted_cents = balance.total("adjustment_cents")
        row.patient_resp_cents = balance.total("patient_cents")
        row.open_cents = balance.total("open_cents")
        if balance.payer_claim_number:
            row.payer_claim_number = balance.payer_claim_number


def _written_off(session: Session, claim_id: str) -> int:
    for event in repo.timeline(session, claim_id):
        if event.key == f"{claim_id}:writeoff":
            return int(event.data.get("written_off_cents", 0))
    return 0


def _event_data(session: Session, claim_id: str, key: str) -> dict[str, Any] | None:
    for event in repo.timeline(session, claim_id):
        if event.key == key:
            return dict(event.data)
    return None


class ClaimActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # -- facts, timeline, deadlines ------------------------------------------------------
    @activity.defn(name="claims.load")
    def load(self, inp: LoadClaimInput) -> ClaimFacts:
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            claim = _claim(row)
            if row.filing_deadline is not None:
                due, rule = row.filing_deadline, "filing deadline stored on the claim"
            else:
                first = min(line.date_of_service for line in claim.lines)
                dl = compute_deadline(Clock.TIMELY_FILING, _rules(session, claim), first)
                due, rule = dl.due, dl.rule
                row.filing_deadline = due
            if not row.ledger:
                _save_ledger(row, _ledger(row, claim))
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
            claim = _claim(repo.require(session, inp.claim_id))
            rules = _rules(session, claim)
        dl = compute_deadline(
            Clock(inp.clock), rules, _day(inp.start), level=inp.level, repeat=inp.repeat
        )
        return DeadlineResult(due=dl.due.isoformat(), rule=dl.rule)

    # -- scrub and fix -------------------------------------------------------------------
    @activity.defn(name="claims.scrub")
    def scrub(self, inp: ScrubClaimInput) -> ScrubResult:
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            claim = _claim(row)
            auths = tuple(
                Authorization(
                    number=a.number,
                    codes=tuple(a.codes),
                    start=a.start,
                    end=a.end,
                    units_authorized=a.units,
                    units_used=repo.units_billed_elsewhere(session, a.number, row.id),
                )
                for a in repo.authorizations_for(session, row.episode_id)
                if a.number and a.codes and a.status in ("approved", "partial")
            )
            context = ScrubContext(rules=_rules(session, claim), authorizations=auths)
            findings = scrub(claim, context, _day(inp.today))
            blocked = blocks_submission(findings)
            notes: dict[str, str] = {}
            for f in findings:
                if f.blocks:
                    name = form_field_for(f.field)
                    notes[name] = f"{notes[name]}; {f.message}" if name in notes else f.message
            row.findings = [f.to_dict() for f in findings]
            row.status = "needs_fix" if blocked else "ready"
            repo.add_event(
                session,
                row.id,
                key=f"{row.id}:scrub:{inp.attempt}",
                kind="scrubbed",
                detail=f"{sum(f.blocks for f in findings)} error(s), "
                f"{sum(not f.blocks for f in findings)} warning(s)",
                data={"findings": row.findings},
                at=_at(inp.at),
            )
            return ScrubResult(
                clean=not blocked,
                findings=[f.to_dict() for f in findings if f.blocks],
                field_notes=notes,
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
                at=_at(inp.at),
            )
            if not fresh:
                return
            fixed = apply_corrections(_claim(row), inp.data)
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
                elif final:
                    row.status, row.accepted_at = "accepted", at
                else:
                    row.status = "acknowledged"
        return AckOutcome(
            accepted=n.accepted,
            final=final,
            form_field=form_field,
            message=n.message or f"{n.source} {verdict}",
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
        return StatusAnswer(summary=summary, category=n.category, status=n.status)

    # -- remittance --------------------------------------------------------------------------
    @activity.defn(name="claims.post_remittance")
    def post_remittance(self, inp: PostRemittanceInput) -> PostingOutcome:
        n = inp.notice
        at = _at(inp.at)
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            fallback_id = f"file{n.x12_file_id}:{n.claim_index}"

            def refuse(reason: str, posting_id: str = fallback_id) -> PostingOutcome:
                repo.add_event(
                    session,
                    row.id,
                    key=f"{row.id}:refused:{posting_id}",
                    kind="posting_refused",
                    detail=reason,
                    data={"x12_file_id": n.x12_file_id, "claim_index": n.claim_index},
                    at=at,
                )
                row.last_message = reason
                return PostingOutcome(posting_id=posting_id, accepted=False, reason=reason)

            stored = repo.x12_file(session, n.x12_file_id)
            if stored is None:
                return refuse(f"remittance file {n.x12_file_id} is not stored")
            try:
                doc = read_835(stored.content, stored.name)
            except X12Error as exc:
                return refuse(f"the 835 cannot be read: {exc}")
            payments = [(r, c) for r in doc.transactions for c in r.claims]
            if not 0 <= n.claim_index < len(payments):
                return refuse(f"the 835 has no claim payment number {n.claim_index}")
            remit, payment = payments[n.claim_index]
            posting_id = f"{remit.trace_number}:{payment.patient_control_number}:{n.claim_index}"
            done = _event_data(session, row.id, f"{row.id}:posted:{posting_id}")
            if done is not None:
                return PostingOutcome(**done)
            claim = _claim(row)
            rules = _rules(session, claim)
            ledger = _ledger(row, claim)
            adj = adjudication_from_835(payment, posting_id, row.id, ledger)
            if adj == ALREADY_REVERSED:
                return PostingOutcome(
                    posting_id=posting_id,
                    accepted=True,
                    reason=adj,
                    reversal=True,
                    status_code=payment.status,
                )
            if isinstance(adj, str):
                return refuse(adj, posting_id)
            denial = overturned_denial(ledger, row.id, adj)
            if denial is not None:  # a new adjudication of a denied claim: reverse the denial
                undone = post_adjudication(
                    ledger,
                    Adjudication(
                        posting_id=f"{posting_id}:undo",
                        claim_id=row.id,
                        paid_cents=0,
                        reverses=denial,
                    ),
                )
                ledger = undone.ledger if undone.accepted else ledger
            result = post_adjudication(ledger, adj, rules)
            if not result.accepted:
                return refuse(f"the ledger refused the posting: {result.reason}", posting_id)
            if denial is not None:
                result = replace(result, reason=f"posted after reversing the denial {denial}")
            _save_ledger(row, result.ledger)
            paid_on = remit.payment_date or remit.production_date or _day(inp.at[:10])
            repo.add_posting(
                session,
                Posting(
                    id=posting_id,
                    claim_id=row.id,
                    payer_id=row.payer_id,
                    status_code=payment.status,
                    charge_cents=payment.charge_cents,
                    paid_cents=payment.paid_cents,
                    patient_resp_cents=sum(
                        a.amount_cents
                        for line in payment.lines
                        for a in line.adjustments
                        if a.group == "PR"
                    ),
                    adjustments=adjustment_rows(payment),
                    payer_claim_number=payment.payer_claim_number,
                    paid_on=paid_on,
                    x12_file_id=n.x12_file_id,
                    posted_at=at,
                ),
            )
            if payment.is_reversal:
                row.status = "reversed"
            else:
                row.status = "paid" if payment.paid_cents > 0 else "denied"
            balance = result.ledger.claim(row.id)
            assert balance is not None
            under = [u for u in result.to_dict()["underpayments"]]
            outcome = PostingOutcome(
                posting_id=posting_id,
                accepted=True,
                reason=result.reason,
                reversal=payment.is_reversal,
                status_code=payment.status,
                payer_claim_number=payment.payer_claim_number,
                paid_on=paid_on.isoformat(),
                billed_cents=balance.total("billed_cents"),
                paid_cents=balance.total("paid_cents"),
                adjusted_cents=balance.total("adjustment_cents"),
                patient_resp_cents=balance.total("patient_cents"),
                open_cents=balance.total("open_cents"),
                underpaid_cents=sum(int(u["shortfall_cents"]) for u in under),
                underpayments=under,
            )
            repo.add_event(
                session,
                row.id,
                key=f"{row.id}:posted:{posting_id}",
                kind="reversed" if payment.is_reversal else "remitted",
                detail=f"{result.reason}: paid {payment.paid_cents} of {payment.charge_cents}",
                data=asdict(outcome),
                at=at,
            )
            return outcome

    @activity.defn(name="claims.route_denials")
    def route_denials(self, inp: RouteDenialsInput) -> DenialPlan:
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            post = repo.posting(session, inp.posting_id)
            if post is None:
                return DenialPlan()
            claim = _claim(row)
            rules = _rules(session, claim)
            grouped: dict[tuple[str, str], tuple[int, list[str]]] = {}
            for adj in post.adjustments:
                key = (str(adj["group"]), str(adj["carc"]))
                amount, rarcs = grouped.get(key, (0, []))
                rarcs += [r for r in adj.get("rarcs", []) if r not in rarcs]
                grouped[key] = (amount + int(adj["amount_cents"]), rarcs)
            work: list[DenialWork] = []
            for (group, carc), (amount, rarcs) in sorted(grouped.items()):
                item = self._route(session, row, rules, claim, inp, group, carc, amount, rarcs)
                if item is not None:
                    work.append(item)
            work.sort(key=lambda w: (WORK_ORDER.index(w.kind), w.denial_id))
            if any(w.kind != "patient_responsibility" for w in work):
                row.denied = True
            return DenialPlan(work=work)

    def _route(
        self,
        session: Session,
        row: ClaimRow,
        rules: RuleSet,
        claim: Claim,
        inp: RouteDenialsInput,
        group: str,
        carc: str,
        amount: int,
        rarcs: list[str],
    ) -> DenialWork | None:
        try:
            route = route_denial(
                group if group in GroupCode.__members__ else "OA",
                carc,
                rarcs,
                rules,
                _day(inp.today),
                _day(inp.notice_date),
                claim.statement_from,
            )
        except DomainError:  # a CARC that is not a number: route it by hand
            route = route_denial("OA", 0, rarcs, rules, _day(inp.today), _day(inp.notice_date))
        kind = KIND_FOR_ACTION[route.action]
        if kind is None or amount == 0:
            return None
        field = route.field
        if route.category == "authorization_missing" and not field:
            field = "prior_auth_number"
        denial_id = f"{inp.posting_id}:{group}:{carc}"
        repo.upsert_denial(
            session,
            Denial(
                id=denial_id,
                claim_id=row.id,
                payer_id=row.payer_id,
                group_code=group,
                carc=carc,
                rarcs=rarcs,
                amount_cents=amount,
                queue=str(route.queue),
                action=str(route.action),
                deadline=route.deadline.due,
                reason=route.reason,
                created_at=_at(inp.at),
            ),
        )
        return DenialWork(
            denial_id=denial_id,
            kind=kind,
            group=group,
            carc=carc,
            amount_cents=amount,
            action=str(route.action),
            reason=route.reason,
            deadline=route.deadline.due.isoformat(),
            rule=route.deadline.rule,
            rarcs=rarcs,
            field=field,
            form_field=form_field_for(field) if field else "",
            appeal_level=route.appeal_level,
        )

    # -- corrected claims, appeals, write-offs ---------------------------------------------
    @activity.defn(name="claims.create_replacement")
    def create_replacement(self, inp: ReplacementInput) -> ReplacementResult:
        at = _at(inp.at)
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            if not row.payer_claim_number:
                raise ApplicationError(
                    f"claim {row.id} has no payer claim number to replace",
                    type=ErrorType.NOT_FOUND,
                    non_retryable=True,
                )
            original = _claim(row)
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

    @activity.defn(name="claims.draft_appeal")
    def draft_appeal(self, inp: DraftAppealInput) -> AppealDraft:
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            claim = _claim(row)
            rules = _rules(session, claim)
            notice = _day(inp.notice_date)
            dl = compute_deadline(Clock.APPEAL, rules, notice, level=inp.level)
            levels = {lvl.level: lvl for lvl in rules.deadlines.appeal_levels}
            appeal_id = f"{row.id}:{inp.level}"
            if repo.appeal(session, appeal_id) is None:
                denial = session.get(Denial, inp.denial_id)
                auths = [
                    (a.number, a.start, a.end, a.units)
                    for a in repo.authorizations_for(session, row.episode_id)
                    if a.number and a.number == claim.prior_auth_number
                ]
                days = [
                    (d.day, d.minutes)
                    for d in repo.documented_days(
                        session, row.episode_id, claim.statement_from, claim.statement_to
                    )
                ]
                letter = appeal_letter(
                    claim=claim,
                    payer_name=rules.name,
                    payer_claim_number=row.payer_claim_number,
                    level=inp.level,
                    level_name=levels[inp.level].name,
                    denial=f"{denial.group_code}-{denial.carc}" if denial else "on this claim",
                    denial_reason=denial.reason if denial else "",
                    denied_cents=denial.amount_cents if denial else row.total_cents,
                    notice_date=notice,
                    deadline=dl.due,
                    deadline_rule=dl.rule,
                    authorizations=auths,
                    documented=days,
                )
                repo.save_appeal(
                    session,
                    Appeal(
                        id=appeal_id,
                        claim_id=row.id,
                        level=inp.level,
                        deadline=dl.due,
                        letter=letter,
                        status="drafted",
                        updated_at=_at(inp.at),
                    ),
                )
                repo.add_event(
                    session,
                    row.id,
                    key=f"{row.id}:appeal:{inp.level}:drafted",
                    kind="appeal_drafted",
                    detail=f"level {inp.level} due {dl.due.isoformat()}",
                    at=_at(inp.at),
                )
            return AppealDraft(
                appeal_id=appeal_id,
                level=inp.level,
                deadline=dl.due.isoformat(),
                rule=dl.rule,
                levels=len(levels),
            )

    @activity.defn(name="claims.record_appeal")
    def record_appeal(self, inp: RecordAppealInput) -> None:
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            appeal = repo.appeal(session, f"{row.id}:{inp.level}")
            if not repo.add_event(
                session,
                row.id,
                key=f"{row.id}:appeal:{inp.level}:{inp.status}",
                kind=f"appeal_{inp.status}",
                detail=inp.note,
                at=datetime.fromisoformat(inp.at),
            ):
                return
            if appeal is not None:
                appeal.status = inp.status
                appeal.updated_at = datetime.fromisoformat(inp.at)
                if inp.letter.strip():
                    appeal.letter = inp.letter
                if inp.note:
                    appeal.outcome_note = inp.note
            if inp.status == "sent":
                row.status = "appealed"

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
            if _event_data(session, row.id, key) is not None:
                return
            claim = _claim(row)
            ledger = _ledger(row, claim)
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
                _save_ledger(row, result.ledger)
            for denial in repo.denials_for(session, row.id):
                if denial.group_code != "PR" and denial.status != "closed":
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
            claim = _claim(row)
            ledger = _ledger(row, claim)
            balance = ledger.claim(row.id)
            assert balance is not None
            written = _written_off(session, row.id)
            wrote_off = _event_data(session, row.id, f"{row.id}:writeoff") is not None
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
