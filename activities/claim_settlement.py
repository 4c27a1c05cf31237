"""``claims.*`` activities on the payer's 835: posting it to the ledger, routing its
denials to work, and appeals; with the claim-row and ledger helpers every ``claims.*``
activity uses. :class:`activities.claims.ClaimActivities` adds the other activities and
registers them all.

Each activity runs one transaction and is idempotent: postings by ``{trace}:{patient
control number}:{CLP index}``, denials by ``{posting_id}:{group}:{carc}``, appeals by
``{claim_id}:{level}``, timeline rows by their key. A retry or a replay changes nothing.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.claim_rules import (
    ALREADY_REVERSED,
    adjudication_from_835,
    adjustment_rows,
    appeal_letter,
    covering_authorizations,
    overturned_denial,
)
from activities.db import unit_of_work
from activities.domain_json import from_json, to_json
from models import ruleset_catalog
from models.claim_tasks import form_field_for
from models.db import claims as repo
from models.db.base import utcnow
from models.db.billing_tables import Appeal, ClaimRow, Denial, Posting
from models.domain import (
    Action,
    Adjudication,
    Claim,
    Clock,
    DomainError,
    GroupCode,
    Ledger,
    RuleSet,
    add_claim,
    compute_deadline,
    post_adjudication,
    route_denial,
)
from models.x12 import X12Error, read_835
from workflows.claim_payloads import (
    AppealDraft,
    DenialPlan,
    DenialWork,
    DraftAppealInput,
    FinalizedDenial,
    PostingOutcome,
    PostRemittanceInput,
    RecordAppealInput,
    RouteDenialsInput,
)

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


FINALIZED = ":finalized:"  # in the id of a denial the payer reported by status, not by 835


def is_finalized_denial(denial_id: str) -> bool:
    return FINALIZED in denial_id


def day_of(iso: str) -> date:
    return date.fromisoformat(iso)


def stamp(iso: str) -> datetime:
    """The workflow time the activity was scheduled at; an input from before the claim
    sent one (``""``) is stamped with the clock."""
    return datetime.fromisoformat(iso) if iso else utcnow()


def claim_of(row: ClaimRow) -> Claim:
    return from_json(Claim, row.claim)


def rules_of(session: Session, claim: Claim) -> RuleSet:
    """The version the claim was built under (shipped or added by an admin)."""
    return ruleset_catalog.version(session, claim.payer_id, claim.ruleset_version)


def ledger_of(row: ClaimRow, claim: Claim) -> Ledger:
    if row.ledger:
        return from_json(Ledger, row.ledger)
    return add_claim(Ledger(), claim)


def save_ledger(row: ClaimRow, ledger: Ledger) -> None:
    row.ledger = to_json(ledger)
    balance = ledger.claim(row.id)
    if balance is not None:
        row.paid_cents = balance.total("paid_cents")
        row.adjusted_cents = balance.total("adjustment_cents")
        row.patient_resp_cents = balance.total("patient_cents")
        row.open_cents = balance.total("open_cents")
        if balance.payer_claim_number:
            row.payer_claim_number = balance.payer_claim_number


def event_data(session: Session, claim_id: str, key: str) -> dict[str, Any] | None:
    for event in repo.timeline(session, claim_id):
        if event.key == key:
            return dict(event.data)
    return None


class SettlementActivities:
    """The ``claims.*`` activities on the payer's 835 (bound to a sessionmaker)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # -- remittance --------------------------------------------------------------------------
    @activity.defn(name="claims.post_remittance")
    def post_remittance(self, inp: PostRemittanceInput) -> PostingOutcome:
        n = inp.notice
        at = stamp(inp.at)
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
            done = event_data(session, row.id, f"{row.id}:posted:{posting_id}")
            if done is not None:
                return PostingOutcome(**done)
            claim = claim_of(row)
            rules = rules_of(session, claim)
            ledger = ledger_of(row, claim)
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
            save_ledger(row, result.ledger)
            paid_on = remit.payment_date or remit.production_date or day_of(inp.at[:10])
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
        if inp.finalized is not None:
            return self._route_finalized(inp, inp.finalized)
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            post = repo.posting(session, inp.posting_id)
            if post is None:
                return DenialPlan()
            claim = claim_of(row)
            rules = rules_of(session, claim)
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

    def _route_finalized(self, inp: RouteDenialsInput, fin: FinalizedDenial) -> DenialPlan:
        """A denial the payer finalized without an 835 (a 277 F2, its portal), as a biller
        recorded it: the claim's open balance is routed by the CARC as an 835 denial of it
        would be; nothing is posted, so the ledger keeps it open until the work settles it
        (a write-off adjusts it, an appeal's 835 pays it)."""
        at = stamp(inp.at)
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            claim = claim_of(row)
            rules = rules_of(session, claim)
            if fin.payer_claim_number and not row.payer_claim_number:
                row.payer_claim_number = fin.payer_claim_number
            group = fin.group.strip().upper() or "CO"
            carc = fin.carc.strip()
            balance = ledger_of(row, claim).claim(row.id)
            amount = balance.total("open_cents") if balance is not None else row.open_cents
            code = f"{group}-{carc}" + (f" ({', '.join(fin.rarcs)})" if fin.rarcs else "")
            if repo.add_event(
                session,
                row.id,
                key=inp.posting_id,
                kind="denial_finalized",
                detail=f"the payer finalized the claim as denied, {code}, as "
                f"{fin.user or 'a biller'} recorded from its status (task {fin.task_id}); "
                "nothing was paid or posted",
                data={"task_id": fin.task_id, "carc": carc, "group": group, "rarcs": fin.rarcs},
                at=at,
            ):
                row.status, row.denied = "denied", True
                row.last_message = f"payer finalized the denial {code}"
            item = self._route(
                session, row, rules, claim, inp, group, carc, amount, list(fin.rarcs)
            )
            if item is None:
                return DenialPlan()
            if item.kind == "corrected_claim" and not row.payer_claim_number:
                # A replacement names the claim it replaces: without the payer's number
                # a person works it (the task says why).
                item = replace(
                    item,
                    kind="general_review",
                    reason=f"{item.reason}; no payer claim number is known for a corrected "
                    "claim: find it on the payer's portal",
                )
            return DenialPlan(work=[item])

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
                day_of(inp.today),
                day_of(inp.notice_date),
                claim.statement_from,
            )
        except DomainError:  # a CARC that is not a number: route it by hand
            route = route_denial("OA", 0, rarcs, rules, day_of(inp.today), day_of(inp.notice_date))
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
                created_at=stamp(inp.at),
            ),
        )
        # A corrected claim's form offers the authorizations that cover the claim.
        covering = (
            covering_authorizations(claim, repo.authorizations_for(session, row.episode_id))
            if kind == "corrected_claim"
            else {}
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
            authorizations=covering,
        )

    # -- appeals -------------------------------------------------------------------------------
    @activity.defn(name="claims.draft_appeal")
    def draft_appeal(self, inp: DraftAppealInput) -> AppealDraft:
        with unit_of_work(self._sessions) as session:
            row = repo.require(session, inp.claim_id)
            claim = claim_of(row)
            rules = rules_of(session, claim)
            notice = day_of(inp.notice_date)
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
                        updated_at=stamp(inp.at),
                    ),
                )
                repo.add_event(
                    session,
                    row.id,
                    key=f"{row.id}:appeal:{inp.level}:drafted",
                    kind="appeal_drafted",
                    detail=f"level {inp.level} due {dl.due.isoformat()}",
                    at=stamp(inp.at),
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
