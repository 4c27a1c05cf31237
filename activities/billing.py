"""Episode billing activities: every rule decision of the episode runs here and is
recorded in history (rule set version, charges captured, holds, claims built)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.db import unit_of_work, workflow_time
from activities.domain_json import from_json, to_json
from iopbill.settings import Settings
from models import ruleset_catalog
from models.db import billing as repo
from models.db import episodes as episode_repo
from models.db.billing_tables import AuthorizationRow, ChargeRow, ClaimRow, Posting
from models.db.tables import Episode, EpisodeEvent, Patient
from models.domain.authorizations import (
    Authorization,
    AuthorizedCharge,
    apply_authorizations,
    forecast,
)
from models.domain.charges import Charge, DocumentedDay, capture_day
from models.domain.claims import ClaimContext, InterimState, billing_period, build_claims
from models.domain.deadlines import Clock, compute_deadline
from models.domain.ruleset_schema import Program, RuleSet
from models.domain.serialization import day_from_dict
from models.domain.values import DateSpan, DomainError
from models.episode_tasks import AUTHORIZATION
from models.forms import rule_errors
from workflows.episode_types import (
    AuthorizationStatus,
    BeginEpisodeInput,
    BuildClaimsInput,
    BuildClaimsResult,
    CaptureDayInput,
    DaySummary,
    EligibilityNotice,
    EligibilityResolution,
    EpisodeFacts,
    HeldDay,
    HeldWriteOff,
    RecordAuthorizationInput,
    ResolveEligibilityInput,
)
from workflows.errors import ErrorType

DOCUMENTATION_WINDOW_DAYS = 2  # attended → documented by the end of the next business day
ELIGIBILITY_WAIT_DAYS = 1  # no 271 within a day → a person checks
WRITTEN_OFF = "written_off"  # a held charge written off with approval: never billed


def _grant_errors(inp: RecordAuthorizationInput) -> dict[str, str]:
    """The last line behind the forms: the ``authorization`` schema's own rules (number,
    days and units for a grant, last day not before the first) on what is about to be
    recorded. Field formats are the forms' business: a payer's number may not fit them."""
    if inp.status not in ("approved", "partial"):
        return {"status": f"is {inp.status!r}, neither approved nor partial"}
    grant = {
        "status": inp.status,
        "number": inp.number.strip(),
        "start": inp.start,
        "end": inp.end,
        "units": inp.units,
    }
    return rule_errors(AUTHORIZATION, grant)


def _episode(session: Session, episode_id: str) -> Episode:
    row = session.get(Episode, episode_id)
    if row is None:
        raise ApplicationError(
            f"episode {episode_id} not found", type=ErrorType.NOT_FOUND, non_retryable=True
        )
    return row


def auth_codes(rules: RuleSet, program: Program) -> list[str]:
    """The codes an authorization for this program covers: per diem plus component codes."""
    comp = rules.component
    codes = [rules.program(program).per_diem_code, *(b.code for b in comp.individual), comp.group]
    return sorted({c for c in codes if c})


class EpisodeBillingActivities:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self._sessions = sessions
        self._settings = settings

    @activity.defn(name="episodes.begin")
    def begin(self, inp: BeginEpisodeInput) -> EpisodeFacts:
        with unit_of_work(self._sessions) as session:
            episode = _episode(session, inp.episode_id)
            admit = episode.admit_date or date.fromisoformat(inp.as_of)
            if episode.admit_date is None:
                episode.admit_date = admit
            rules = ruleset_catalog.in_force(session, episode.payer_id, admit)
            d = rules.deadlines
            return EpisodeFacts(
                payer_id=episode.payer_id,
                program=episode.program,
                ruleset_version=rules.version,
                admit_date=admit.isoformat(),
                prior_auth_required=rules.prior_auth_required,
                prior_auth_days=d.prior_auth_standard_days,
                concurrent_review_lead_days=d.concurrent_review_lead_days,
                documentation_window_days=DOCUMENTATION_WINDOW_DAYS,
                eligibility_wait_days=ELIGIBILITY_WAIT_DAYS,
                cadence=rules.cadence.value,
            )

    @activity.defn(name="episodes.record_eligibility")
    def record_eligibility(self, notice: EligibilityNotice) -> None:
        with unit_of_work(self._sessions) as session:
            repo.record_eligibility(
                session,
                notice.episode_id,
                status=notice.status,
                plan_start=date.fromisoformat(notice.plan_start) if notice.plan_start else None,
                plan_end=date.fromisoformat(notice.plan_end) if notice.plan_end else None,
            )

    @activity.defn(name="episodes.resolve_eligibility")
    def resolve_eligibility(self, inp: ResolveEligibilityInput) -> EligibilityResolution:
        action = str(inp.data["action"])
        with unit_of_work(self._sessions) as session:
            episode = _episode(session, inp.episode_id)
            cover = repo.ensure_coverage(session, inp.episode_id, episode.payer_id, "")
            if inp.data.get("member_id"):
                cover.member_id = str(inp.data["member_id"])
                patient = session.get(Patient, episode.patient_id)
                if patient is not None:
                    patient.member_id = cover.member_id
            if action == "switch_payer" and inp.data.get("payer_id"):
                episode.payer_id = cover.payer_id = str(inp.data["payer_id"])
            status = {"confirmed_active": "active", "self_pay": "self_pay"}.get(action, "unknown")
            repo.record_eligibility(session, inp.episode_id, status=status)
            return EligibilityResolution(action=action, payer_id=episode.payer_id)

    @activity.defn(name="episodes.record_authorization")
    def record_authorization(self, inp: RecordAuthorizationInput) -> AuthorizationStatus:
        with unit_of_work(self._sessions) as session:
            episode = _episode(session, inp.episode_id)
            if inp.key and _has_event(session, inp.key):  # a retry: recorded already
                latest = list(repo.authorizations(session, inp.episode_id))[-1:]
                number = inp.number.strip()
                if inp.extend and latest and not number:
                    number = latest[0].number
                return AuthorizationStatus(
                    approved=inp.status != "denied", number=number, message="already recorded"
                )
            result = self._record_authorization(session, episode, inp)
            if inp.key:
                what = f"{inp.status} {result.number}".strip()
                episode_repo.add_event(
                    session,
                    inp.episode_id,
                    key=inp.key,
                    kind="authorization",
                    detail=f"{what} recorded by {inp.source}"
                    + (f": {result.message}" if result.message else ""),
                    at=workflow_time(inp.at),
                )
            return result

    def _record_authorization(
        self, session: Session, episode: Episode, inp: RecordAuthorizationInput
    ) -> AuthorizationStatus:
        if inp.status == "denied":
            return AuthorizationStatus(approved=False, message="the payer denied the request")
        rules = ruleset_catalog.version(session, episode.payer_id, inp.ruleset_version)
        existing = list(repo.authorizations(session, inp.episode_id))
        number = inp.number.strip()
        if inp.extend and existing and number and number not in {a.number for a in existing}:
            return self._add_continued(session, episode, rules, existing, inp, number)
        if inp.extend and existing:
            latest = next((a for a in existing if a.number == number), existing[-1])
            if inp.start:  # a retro-authorization may reach back before the first start
                latest.start = min(latest.start, date.fromisoformat(inp.start))
            if inp.end:
                latest.end = max(latest.end, date.fromisoformat(inp.end))
            latest.units += inp.units
            latest.status = "approved"
            session.flush()
            self._release_held(session, episode, rules)
            return AuthorizationStatus(
                approved=True, number=latest.number, message=f"{latest.number} extended"
            )
        incomplete = _grant_errors(inp)
        if incomplete:
            raise ApplicationError(
                "an incomplete grant: " + "; ".join(f"{k} {v}" for k, v in incomplete.items()),
                incomplete,
                type=ErrorType.AUTH_INCOMPLETE,
                non_retryable=True,
            )
        assert inp.start and inp.end  # a grant's rules above require both
        row = repo.add_authorization(
            session,
            episode_id=inp.episode_id,
            payer_id=episode.payer_id,
            number=inp.number,
            codes=auth_codes(rules, Program(episode.program)),
            start=date.fromisoformat(inp.start),
            end=date.fromisoformat(inp.end),
            units=inp.units,
            status=inp.status,
            source=inp.source,
        )
        self._release_held(session, episode, rules)
        return AuthorizationStatus(approved=True, number=row.number)

    def _add_continued(
        self,
        session: Session,
        episode: Episode,
        rules: RuleSet,
        existing: list[AuthorizationRow],
        inp: RecordAuthorizationInput,
        number: str,
    ) -> AuthorizationStatus:
        """An extension or a retro-authorization that came with a number of its own: the
        payer's new authorization is recorded beside the others, so the days it covers
        are billed under its number (a claim per number, REF*G1). Without a first day (a
        concurrent review's answer), it starts the day after the last day billed under
        the earlier numbers, and no later than the day after the last of them ends."""
        latest = existing[-1]
        if inp.start:
            start = date.fromisoformat(inp.start)
        else:
            numbers = {a.number for a in existing}
            used = [
                c.day
                for c in repo.charges(session, episode.id)
                if c.authorization_number in numbers and c.status in ("billable", "billed")
            ]
            after = max(a.end for a in existing) + timedelta(days=1)
            start = min(max(used) + timedelta(days=1), after) if used else latest.start
        end = date.fromisoformat(inp.end) if inp.end else max(latest.end, start)
        if not inp.start:  # an answer ending before the computed first day covers up to it
            start = min(start, end)
        if end < start:  # a person's first day after the last: refused on the field
            raise ApplicationError(
                f"authorization {number} ends {end} before it starts {start}",
                {"end": "must be on or after the first day"},
                type=ErrorType.AUTH_INCOMPLETE,
                non_retryable=True,
            )
        repo.add_authorization(
            session,
            episode_id=episode.id,
            payer_id=episode.payer_id,
            number=number,
            codes=list(latest.codes),
            start=start,
            end=end,
            units=inp.units,
            status="approved",
            source=inp.source,
        )
        self._release_held(session, episode, rules)
        return AuthorizationStatus(
            approved=True,
            number=number,
            message=f"{number} recorded beside {latest.number}, {start} to {end}",
        )

    @activity.defn(name="episodes.capture_day")
    def capture_day(self, inp: CaptureDayInput) -> DaySummary:
        day = _parse_day(inp.document.day)
        with unit_of_work(self._sessions) as session:
            episode = _episode(session, inp.episode_id)
            rules = ruleset_catalog.version(session, episode.payer_id, inp.ruleset_version)
            result = capture_day(day, rules)
            repo.store_day(
                session,
                episode_id=inp.episode_id,
                day=day.date,
                program=day.program.value,
                telehealth=day.telehealth.value,
                services=list(inp.document.day.get("services", [])),
                note=inp.document.note,
                signed_by=inp.document.signed_by,
                minutes=day.total_minutes,
            )
            for n, charge in enumerate(result.charges, start=1):
                charge_id = f"{inp.episode_id}:{day.date.isoformat()}:{n}"
                if session.get(ChargeRow, charge_id) is None:
                    session.add(
                        ChargeRow(
                            id=charge_id,
                            episode_id=inp.episode_id,
                            payer_id=episode.payer_id,
                            day=day.date,
                            code=charge.code,
                            modifiers=list(charge.modifiers),
                            units=charge.units,
                            revenue_code=charge.revenue_code,
                            pos=charge.pos,
                            charge_cents=charge.charge_cents,
                            reason=charge.reason,
                            detail=to_json(charge),
                        )
                    )
            session.flush()
            # One read of the episode's charges and authorizations serves the release
            # and the forecast (the release changes statuses on these same rows).
            read = (repo.charges(session, episode.id), repo.authorizations(session, episode.id))
            held = self._release_held(session, episode, rules, read)
            review_due, run_out, remaining = self._forecast(
                session, episode, rules, date.fromisoformat(inp.as_of), read
            )
            return DaySummary(
                date=day.date.isoformat(),
                minutes=day.total_minutes,
                charges=[c.reason for c in result.charges],
                held=[f"{h.day}: {h.code} — {h.held_reason}" for h in held if h.day == day.date],
                not_billed=[n.reason for n in result.not_billed],
                review_due=review_due,
                run_out=run_out,
                units_remaining=remaining,
            )

    @activity.defn(name="episodes.preview_day")
    def preview_day(self, inp: CaptureDayInput) -> DaySummary:
        """The charges a day would produce and which would be held; writes nothing."""
        day = _parse_day(inp.document.day)
        with self._sessions() as session:
            episode = _episode(session, inp.episode_id)
            rules = ruleset_catalog.version(session, episode.payer_id, inp.ruleset_version)
            result = capture_day(day, rules)
            auths = [_auth(a) for a in repo.authorizations(session, episode.id)]
            used = _billed_units(session, episode.id)
            for row in repo.charges(session, episode.id, status="billable"):
                used[row.authorization_number] = used.get(row.authorization_number, 0) + row.units
            auths = [replace(a, units_used=used.get(a.number, 0)) for a in auths]
            ledger = apply_authorizations(result.charges, auths, rules)
            return DaySummary(
                date=day.date.isoformat(),
                minutes=day.total_minutes,
                charges=[a.charge.reason for a in ledger.billable],
                held=[f"{h.charge.code} — {h.reason}" for h in ledger.held],
                not_billed=[n.reason for n in result.not_billed],
            )

    def _release_held(
        self,
        session: Session,
        episode: Episode,
        rules: RuleSet,
        read: tuple[Sequence[ChargeRow], Sequence[AuthorizationRow]] | None = None,
    ) -> list[ChargeRow]:
        """Re-run the authorization ledger over every charge not yet on a claim. ``read``
        is the episode's charges and authorizations when the caller has them already."""
        every, auth_rows = read or (
            repo.charges(session, episode.id),
            repo.authorizations(session, episode.id),
        )
        rows = [r for r in every if r.status in ("billable", "held")]
        billed_units = _units_by_authorization(r for r in every if r.status == "billed")
        auths = [replace(_auth(a), units_used=billed_units.get(a.number, 0)) for a in auth_rows]
        by_id = {r.id: r for r in rows}
        charges = {r.id: from_json(Charge, r.detail) for r in rows}
        result = apply_authorizations(list(charges.values()), auths, rules)
        index = {id(c): cid for cid, c in charges.items()}
        held: list[ChargeRow] = []
        for item in result.billable:
            row = by_id[index[id(item.charge)]]
            row.status, row.held_reason = "billable", ""
            row.authorization_number = item.authorization_number
        for hold in result.held:
            row = by_id[index[id(hold.charge)]]
            row.status, row.held_reason = "held", hold.reason
            row.authorization_number = hold.authorization_number
            held.append(row)
        session.flush()
        return held

    def _forecast(
        self,
        session: Session,
        episode: Episode,
        rules: RuleSet,
        as_of: date,
        read: tuple[Sequence[ChargeRow], Sequence[AuthorizationRow]],
    ) -> tuple[str | None, str | None, int | None]:
        """Update each authorization's forecast; return the earliest review (due, run-out,
        left). ``read``: the episode's charges (statuses as the release left them) and
        authorizations."""
        best: tuple[str | None, str | None, int | None] = (None, None, None)
        every, rows = read
        charges = [r for r in every if r.status in ("billable", "billed")]
        current = repo.current_authorizations(rows)
        for row in rows:
            consumed = [(c.day, c.units) for c in charges if c.authorization_number == row.number]
            fc = forecast(_auth(row), consumed, rules, as_of)
            row.review_due, row.run_out = fc.review_due, fc.run_out
            row.units_used = sum(u for _, u in consumed)
            if row not in current:
                continue
            if best[0] is None or fc.review_due.isoformat() < best[0]:
                best = (fc.review_due.isoformat(), fc.run_out.isoformat(), fc.units_remaining)
        session.flush()
        return best

    @activity.defn(name="episodes.build_claims")
    def build_claims(self, inp: BuildClaimsInput) -> BuildClaimsResult:
        as_of = date.fromisoformat(inp.as_of)
        discharge = date.fromisoformat(inp.discharge_date) if inp.discharge_date else None
        with unit_of_work(self._sessions) as session:
            episode = _episode(session, inp.episode_id)
            rules = ruleset_catalog.version(session, episode.payer_id, inp.ruleset_version)
            if inp.write_off_held is not None:
                _write_off_held(session, inp.episode_id, inp.write_off_held)
            held = list(repo.charges(session, inp.episode_id, status="held"))
            if inp.settle_held and held:
                return BuildClaimsResult(
                    reason=f"{len(held)} charge(s) held outside the authorization: "
                    "settled before the last bill",
                    held=[_held_day(r) for r in held],
                )
            rows = list(repo.charges(session, inp.episode_id, status="billable"))
            by_key = {(r.day, r.code, r.charge_cents, tuple(r.modifiers)): r for r in rows}
            items = [
                AuthorizedCharge(
                    charge=from_json(Charge, r.detail), authorization_number=r.authorization_number
                )
                for r in rows
            ]
            context = self._context(session, episode, discharge)
            earlier = repo.claims(session, inp.episode_id)  # one read serves both
            build = build_claims(
                items,
                rules,
                context,
                as_of,
                _interim(session, earlier),
                billed={c.id for c in earlier},
            )
            created: list[str] = []
            for claim in build.claims:
                if session.get(ClaimRow, claim.claim_id) is None:
                    first = min(line.date_of_service for line in claim.lines)
                    filing = compute_deadline(Clock.TIMELY_FILING, rules, first)
                    session.add(
                        ClaimRow(
                            id=claim.claim_id,
                            episode_id=inp.episode_id,
                            payer_id=episode.payer_id,
                            form=claim.claim_form.value,
                            frequency=claim.frequency_code.value,
                            period_start=claim.statement_from,
                            period_end=claim.statement_to,
                            total_cents=claim.total_cents,
                            open_cents=claim.total_cents,
                            status="draft",
                            filing_deadline=filing.due,
                            claim=claim.to_dict(),
                        )
                    )
                for line in claim.lines:
                    key = (
                        line.date_of_service,
                        line.code,
                        line.charge_cents,
                        tuple(line.modifiers),
                    )
                    if key in by_key:
                        by_key[key].status, by_key[key].claim_id = "billed", claim.claim_id
                created.append(claim.claim_id)
            session.flush()
            # A claim built by an attempt that committed but never reported back (the
            # worker died in between) is still a draft: offer it again, so the episode
            # starts its workflow (it skips the ids it knows).
            unstarted = sorted(
                c.id
                for c in earlier
                if c.status == "draft" and c.original_claim_id is None and c.id not in created
            )
            next_check: str | None = None
            if discharge is None:
                period = billing_period(
                    as_of, rules.cadence, DateSpan(start=episode.admit_date or as_of, end=as_of)
                )
                if rules.cadence.value != "episode":
                    next_check = date.fromordinal(period.end.toordinal() + 1).isoformat()
            return BuildClaimsResult(
                claim_ids=unstarted + created,
                next_check=next_check,
                reason=build.reason,
                awaits_remittance=build.awaits_remittance,
            )

    def _context(self, session: Session, episode: Episode, discharge: date | None) -> ClaimContext:
        patient = session.get(Patient, episode.patient_id)
        cover = repo.coverage(session, episode.id)
        s = self._settings
        return ClaimContext(
            episode_id=episode.id,
            payer_id=episode.payer_id,
            billing_npi=s.billing_npi,
            billing_taxonomy=s.billing_taxonomy,
            billing_tax_id=s.billing_tax_id,
            subscriber_id=(cover.member_id if cover else "")
            or (patient.member_id if patient else ""),
            subscriber_first_name=patient.first_name if patient else "",
            subscriber_last_name=patient.last_name if patient else "",
            subscriber_birth_date=patient.birth_date if patient else None,
            patient_account=episode.id,
            diagnosis_codes=tuple(episode.intake.get("diagnosis_codes", ())),
            admission_date=episode.admit_date,
            discharge_date=discharge,
        )


def _held_day(row: ChargeRow) -> HeldDay:
    return HeldDay(
        charge_id=row.id,
        date=row.day.isoformat(),
        code=row.code,
        units=row.units,
        charge_cents=row.charge_cents,
        reason=row.held_reason,
        authorization_number=row.authorization_number,
    )


def _write_off_held(session: Session, episode_id: str, inp: HeldWriteOff) -> None:
    """Write off the listed charges that are still held, once per approval (``inp.key``).

    The charges leave the authorization ledger (status ``written_off``, never billed) and
    keep why they were held; the timeline row carries the amount, so the episode's
    charges still add up: captured = billed + written off + held + billable.
    """
    if _has_event(session, inp.key):
        return
    wanted = set(inp.charge_ids)
    rows = [r for r in repo.charges(session, episode_id, status="held") if r.id in wanted]
    for row in rows:
        row.status = WRITTEN_OFF
        row.held_reason = f"written off ({inp.reason}); held: {row.held_reason}"
    cents = sum(r.charge_cents for r in rows)
    days = sorted({r.day.isoformat() for r in rows})
    episode_repo.add_event(
        session,
        episode_id,
        key=inp.key,
        kind="held_written_off",
        detail=f"{len(rows)} held charge(s) on {', '.join(days) or 'no day'} written off: "
        f"{cents} cents; {inp.reason}; approved by {inp.approved_by}",
        at=workflow_time(inp.at),
    )
    session.flush()


def _has_event(session: Session, key: str) -> bool:
    return session.scalar(select(EpisodeEvent.id).where(EpisodeEvent.key == key)) is not None


def _parse_day(data: dict[str, object]) -> DocumentedDay:
    try:
        return day_from_dict(data)
    except DomainError as exc:
        raise ApplicationError(
            f"{exc.field}: {exc.reason}",
            {exc.field: exc.reason},
            type=ErrorType.DAY_INVALID,
            non_retryable=True,
        ) from None


def _auth(row: AuthorizationRow) -> Authorization:
    return Authorization(
        number=row.number,
        codes=tuple(row.codes),
        start=row.start,
        end=row.end,
        units_authorized=row.units,
    )


def _billed_units(session: Session, episode_id: str) -> dict[str, int]:
    return _units_by_authorization(repo.charges(session, episode_id, status="billed"))


def _units_by_authorization(rows: Iterable[ChargeRow]) -> dict[str, int]:
    out: dict[str, int] = {}
    for row in rows:
        out[row.authorization_number] = out.get(row.authorization_number, 0) + row.units
    return out


def _interim(session: Session, claims: Sequence[ClaimRow]) -> InterimState:
    """Where the episode's interim series stands, from its ``claims`` so far."""
    sent: Sequence[ClaimRow] = [
        c
        for c in claims
        if c.claim.get("interim_sequence", 0) > 0 and c.frequency in ("1", "2", "3", "4")
    ]
    if not sent:
        return InterimState()
    last = max(sent, key=lambda c: c.claim.get("interim_sequence", 0))
    remitted = session.scalar(select(Posting.id).where(Posting.claim_id == last.id).limit(1))
    return InterimState(claims_sent=len(sent), last_remitted=remitted is not None)
