"""The embedded payer simulator: real X12 in, real X12 out, on the workflow's clock.

``send`` reads what we sent with ``models.x12`` readers, decides each payer's answers
from its personality (``simulator_payers.toml``), the seed and the scenario markers in
the member id, writes them with ``models.x12`` writers and stores them as inbound
``x12_files`` rows with ``delivered=False, deliver_at=now + delay``. ``receive(now)``
returns the rows that are due; the inbox activity reads and matches them like any
other inbound file.

Answers are named ``{outbound name stem}.{kind}.{n}``; a file already answered is not
answered again (``send`` is idempotent). Decisions are seeded by the claim or episode id
and how many times it was sent, never by control numbers, so a run is reproducible.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from activities.db import unit_of_work
from models import ruleset_catalog
from models.db import x12files as repo
from models.db.billing_tables import X12File
from models.db.counters import next_control_number
from models.domain.ruleset_schema import RuleSet
from models.domain.values import DomainError
from models.x12 import (
    BillingProvider,
    Claim837,
    ClaimPayment,
    ClaimStatus,
    ClaimStatusReport,
    EligibilityResponse,
    Envelope,
    ProviderStatus,
    Remittance,
    StatusInfo,
    read_270,
    read_276,
    read_835,
    read_837,
    write_271,
    write_277,
    write_277ca,
    write_835,
    write_999,
)

from . import documents as docs
from .config import (
    PartnerConfig,
    PayerIdentity,
    SimulatorConfig,
    load_partners,
    load_simulator,
)
from .mapping import from_pcn, key_hash, name_prefix
from .payer_answers import (
    ack_report,
    adjudicate,
    eligibility_result,
    front_end_defect,
    functional_ack,
)
from .protocol import InboundFile, OutboundFile

__all__ = ["MARKERS", "PAYER_CPU", "Simulator"]

MARKERS = (
    "INACT",
    "AMBIG",
    "NOELIG",
    "AUTHPART",
    "AUTHDENY",
    "REJ277",
    "NOACK",
    "NOPAY",
    "DENY50",
    "DENY197",
    "DENY29",
    "SLOWPAY",
    "PRCOINS",
)


@dataclass(frozen=True, kw_only=True)
class _Answer:
    kind: str
    content: str
    days: float
    claim_ids: tuple[str, ...] = ()
    episode_id: str | None = None


def _rules_on(s: Session, payer_id: str, day: date) -> RuleSet | None:
    try:
        return ruleset_catalog.in_force(s, payer_id, day)
    except DomainError:
        return None


def _rules(s: Session, payer_id: str, claim: Claim837) -> RuleSet | None:
    return _rules_on(s, payer_id, claim.service_period[0])


def _stem(name: str) -> str:
    return name.rsplit(".", 1)[0]


class _ThreadCpu:
    """CPU seconds spent in a block of code, summed over the threads that ran it.

    The payers' side of the simulator (reading what we sent, deciding, writing answers)
    runs in the worker process, though a real payer's costs are not ours; the episodes
    benchmark reads this to show the worker's CPU with and without it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seconds = 0.0

    @contextmanager
    def measure(self) -> Iterator[None]:
        start = time.thread_time()
        try:
            yield
        finally:
            spent = time.thread_time() - start
            with self._lock:
                self._seconds += spent

    def seconds(self) -> float:
        with self._lock:
            return self._seconds


PAYER_CPU = _ThreadCpu()


class Simulator:
    name = "simulator"

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        day_seconds: float = 86400.0,
        delay_scale: float = 1.0,
        config: SimulatorConfig | None = None,
        partners: PartnerConfig | None = None,
        seed: int | None = None,
    ) -> None:
        if delay_scale <= 0:
            raise ValueError(f"delay_scale must be positive, not {delay_scale}")
        self._sessions = sessions
        # One payer day in seconds: the program's day, shortened by ``delay_scale`` (the
        # demo's payers answer sooner than its SLA clock runs; 1.0 everywhere else).
        self._day = day_seconds * delay_scale
        self._config = config or load_simulator()
        self._partners = partners or load_partners()
        self._seed = self._config.seed if seed is None else seed

    # -- protocol --------------------------------------------------------------------
    def send(self, out: OutboundFile, *, now: datetime) -> None:
        with PAYER_CPU.measure(), unit_of_work(self._sessions) as s:
            stem = _stem(out.name)
            if repo.count_inbound_named(s, stem + "."):
                return  # answered already (a retried send)
            for n, answer in enumerate(self._answers(s, out, now), 1):
                repo.store_inbound(
                    s,
                    name=f"{stem}.{answer.kind}.{n}",
                    content=answer.content,
                    kind=answer.kind,
                    deliver_at=now + timedelta(seconds=answer.days * self._day),
                    delivered=False,
                    claim_ids=answer.claim_ids,
                    episode_id=answer.episode_id,
                )

    def receive(self, *, now: datetime) -> list[InboundFile]:
        with unit_of_work(self._sessions) as s:
            return [InboundFile(name=r.name, content=r.content) for r in repo.due_inbound(s, now)]

    def acknowledge(self, inbound: InboundFile, *, ok: bool = True) -> None:
        """Nothing to move: the inbox marks the stored row delivered."""

    # -- decisions -------------------------------------------------------------------
    def _rng(self, *parts: object) -> random.Random:
        return random.Random("|".join(str(p) for p in (self._seed, *parts)))

    def _answers(self, s: Session, out: OutboundFile, now: datetime) -> list[_Answer]:
        if out.kind in ("837P", "837I"):
            return list(self._claims(s, out, now))
        if out.kind == "270":
            return list(self._eligibility(s, out, now))
        if out.kind == "276":
            return list(self._status(s, out, now))
        if out.kind == "AUTHREQ":
            return list(self._authorization(s, out, now))
        if out.kind == "APPEAL":
            return list(self._appeal(s, out, now))
        return []

    def _identity(self, payer_x12_id: str) -> PayerIdentity:
        for p in self._partners.payers.values():
            if p.payer_id == payer_x12_id or p.id == payer_x12_id:
                return p
        raise KeyError(f"simulator knows no payer {payer_x12_id!r}")

    def _envelope(self, s: Session, payer: PayerIdentity, now: datetime) -> Envelope:
        number = next_control_number(s, f"sim:{payer.id}")
        return Envelope(
            sender_id=payer.interchange_id,
            receiver_id=self._partners.submitter.id,
            interchange_control_number=number,
            group_control_number=number,
            created=now.replace(tzinfo=None),
        )

    # 837 → 999, 277CA, 835 ------------------------------------------------------------
    def _sent(self, s: Session, claim_id: str) -> list[X12File]:
        """Every 837 file sent for ``claim_id``."""
        return repo.outbound_named(s, [name_prefix(k, claim_id) for k in ("837P", "837I")])

    def _claims(self, s: Session, out: OutboundFile, now: datetime) -> Iterator[_Answer]:
        doc = read_837(out.content, out.name)
        for ic in doc.interchanges:
            for batch in ic.transactions:
                claim = batch.claims[0]
                payer = self._identity(claim.payer.payer_id)
                who = self._config.payer(payer.id)
                claim_id = from_pcn(claim.patient_control_number)
                member = claim.subscriber.member_id
                sent = self._sent(s, claim_id)
                attempt = max(1, len(sent))
                if "NOACK" in member and attempt == 1:
                    continue
                ids = tuple(from_pcn(c.patient_control_number) for c in batch.claims)
                ack = functional_ack(ic.envelope.group_control_number, batch)
                env = self._envelope(s, payer, now)
                yield _Answer(kind="999", content=write_999(env, [ack]), days=0, claim_ids=ids)
                rejection = front_end_defect(claim, who, attempt)
                number = self._payer_claim_number(claim_id, attempt) if rejection is None else ""
                report = ack_report(payer, batch, rejection, number, now)
                env = self._envelope(s, payer, now)
                yield _Answer(
                    kind="277CA",
                    content=write_277ca(env, [report]),
                    days=who.ack_days,
                    claim_ids=ids,
                )
                if rejection is not None or "NOPAY" in member:
                    continue
                rng = self._rng("adjudicate", claim_id, attempt)
                # The same claim sent again after the payer adjudicated it: an exact
                # duplicate, denied CO-18 (a corrected claim has an id of its own).
                duplicate = self._adjudicated_before(s, sent, out.name)
                days: float = rng.randint(*who.pay_days)
                if "SLOWPAY" in member:
                    days = who.slow_pay_days - who.ack_days
                payment = adjudicate(
                    claim,
                    who,
                    _rules(s, payer.id, claim),
                    rng,
                    self._payer_claim_number(claim_id, attempt),
                    duplicate=duplicate,
                )
                yield _Answer(
                    kind="835",
                    content=self._remit(s, payer, batch.billing_provider, payment, now, days),
                    days=who.ack_days + days,
                    claim_ids=ids,
                )

    def _adjudicated_before(self, s: Session, sent: list[X12File], name: str) -> bool:
        """Whether an earlier submission among ``sent`` (not the file ``name`` being
        answered) got an 835, paid or not yet delivered."""
        return any(
            repo.count_inbound_named(s, _stem(f.name) + ".835.") for f in sent if f.name != name
        )

    def _payer_claim_number(self, claim_id: str, attempt: int) -> str:
        return ("PC" + key_hash(self._seed, claim_id, attempt)).upper()

    def _remit(
        self,
        s: Session,
        payer: PayerIdentity,
        provider: BillingProvider,
        payment: ClaimPayment,
        now: datetime,
        days: float,
    ) -> str:
        env = self._envelope(s, payer, now)
        paid_on = (now + timedelta(seconds=days * self._day)).date()
        remit = Remittance(
            control_number="0001",
            trace_number=f"EFT{env.interchange_control_number:09d}",
            payer_tin="9" + key_hash(payer.id).translate(str.maketrans("abcdef", "123456"))[:8],
            payer_name=payer.name,
            payee_name=provider.name,
            payee_id=provider.npi,
            payment_date=paid_on,
            handling="I" if payment.paid_cents else "H",
            payment_method="ACH" if payment.paid_cents else "NON",
            payer_id=payer.payer_id,
            production_date=paid_on,
            claims=(payment,),
        )
        return write_835(env, [remit])

    # 270 → 271 ------------------------------------------------------------------------
    def _eligibility(self, s: Session, out: OutboundFile, now: datetime) -> Iterator[_Answer]:
        doc = read_270(out.content, out.name)
        for ic in doc.interchanges:
            for req in ic.transactions:
                payer = self._identity(req.payer_id)
                who = self._config.payer(payer.id)
                results = []
                for q in req.queries:
                    if "NOELIG" in q.member_id:
                        continue
                    rules = _rules_on(s, payer.id, q.service_date)
                    requires_auth = rules is not None and rules.prior_auth_required
                    results.append(eligibility_result(q, who, requires_auth))
                if not results:
                    continue
                response = EligibilityResponse(
                    control_number="0001",
                    reference=req.reference,
                    created=now.replace(tzinfo=None, microsecond=0),
                    payer_name=req.payer_name,
                    payer_id=req.payer_id,
                    provider_name=req.provider_name,
                    provider_npi=req.provider_npi,
                    results=tuple(results),
                )
                env = self._envelope(s, payer, now)
                yield _Answer(
                    kind="271",
                    content=write_271(env, [response]),
                    days=who.eligibility_days,
                    episode_id=out.episode_id,
                )

    # 276 → 277 ------------------------------------------------------------------------
    def _status(self, s: Session, out: OutboundFile, now: datetime) -> Iterator[_Answer]:
        doc = read_276(out.content, out.name)
        for ic in doc.interchanges:
            for req in ic.transactions:
                payer = self._identity(req.payer_id)
                who = self._config.payer(payer.id)
                claims = []
                for q in req.queries:
                    claim_id = from_pcn(q.patient_control_number or q.trace_number)
                    category, code, paid = self._claim_state(s, claim_id, now)
                    claims.append(
                        ClaimStatus(
                            trace_number=q.trace_number,
                            patient_control_number=q.patient_control_number,
                            statuses=(
                                StatusInfo(
                                    category=category,
                                    code=code,
                                    effective_date=now.date(),
                                    amount_cents=q.charge_cents,
                                    paid_cents=paid,
                                ),
                            ),
                            last_name=q.subscriber.last_name,
                            first_name=q.subscriber.first_name,
                            member_id=q.member_id,
                            service_from=q.service_from,
                            service_to=q.service_to,
                        )
                    )
                report = ClaimStatusReport(
                    kind="277",
                    control_number="0001",
                    reference=req.reference,
                    created=now.replace(tzinfo=None, microsecond=0),
                    payer_name=req.payer_name,
                    payer_id=req.payer_id,
                    receiver_name=req.submitter_name,
                    receiver_id=req.submitter_id,
                    providers=(
                        ProviderStatus(
                            name=req.provider_name, id=req.provider_npi, claims=tuple(claims)
                        ),
                    ),
                )
                yield _Answer(
                    kind="277",
                    content=write_277(self._envelope(s, payer, now), [report]),
                    days=who.status_days,
                    claim_ids=tuple(from_pcn(q.patient_control_number) for q in req.queries),
                )

    def _claim_state(self, s: Session, claim_id: str, now: datetime) -> tuple[str, str, int | None]:
        """What the payer knows of a claim: paid / denied (an 835 is out) or pending."""
        found = False
        last: tuple[str, int] | None = None
        for kind in ("837P", "837I", "APPEAL"):
            for row in repo.inbound_named(s, name_prefix(kind, claim_id)):
                found = True
                if row.kind != "835" or (row.deliver_at is not None and row.deliver_at > now):
                    continue
                for remit in read_835(row.content).transactions:
                    for c in remit.claims:
                        if from_pcn(c.patient_control_number) == claim_id:
                            last = (c.status, c.paid_cents)
        if last is None:
            return ("P1", "20", None) if found else ("A4", "35", None)
        status, paid = last
        return ("F2", "88", 0) if status == "4" else ("F1", "65", paid)

    # AUTHREQ → AUTHRESP ---------------------------------------------------------------
    def _authorization(self, s: Session, out: OutboundFile, now: datetime) -> Iterator[_Answer]:
        req = docs.read_auth_request(out.content)
        who = self._config.payer(req.payer_id)
        rng = self._rng("auth", req.episode_id, req.start.isoformat())
        number = "AUTH" + key_hash(self._seed, req.episode_id, req.start).upper()[:8]
        control = f"{next_control_number(s, f'sim:{req.payer_id}'):09d}"
        units = min(req.units, who.auth_units) if who.auth_units else req.units
        if "AUTHDENY" in req.member_id:
            resp = docs.AuthResponse(
                control=control,
                episode_id=req.episode_id,
                status="denied",
                message="not medically necessary at the IOP level of care",
            )
        elif "AUTHPART" in req.member_id or rng.random() < who.auth_partial_rate:
            part = max(1, units // 2)
            resp = docs.AuthResponse(
                control=control,
                episode_id=req.episode_id,
                status="partial",
                number=number,
                start=req.start,
                end=min(req.end, req.start + timedelta(days=13)),
                units=part,
                codes=req.codes,
                message=f"approved {part} of {req.units} units; concurrent "
                "review required for more",
            )
        else:
            resp = docs.AuthResponse(
                control=control,
                episode_id=req.episode_id,
                status="approved",
                number=number,
                start=req.start,
                end=req.end,
                units=units,
                codes=req.codes,
                message="approved" if units == req.units else f"approved {units} units",
            )
        yield _Answer(
            kind="AUTHRESP",
            content=docs.write_auth_response(resp),
            days=who.auth_days,
            episode_id=req.episode_id,
        )

    # APPEAL → overturned 835 (or silence: the biller records the outcome) ---------------
    def _appeal(self, s: Session, out: OutboundFile, now: datetime) -> Iterator[_Answer]:
        sheet = docs.read_appeal(out.content)
        sent = repo.outbound_named(
            s, [name_prefix("837P", sheet.claim_id), name_prefix("837I", sheet.claim_id)]
        )
        if not sent:
            return
        doc = read_837(sent[-1].content)
        batch = doc.transactions[0]
        claim = batch.claims[0]
        payer = self._identity(claim.payer.payer_id)
        who = self._config.payer(payer.id)
        rng = self._rng("appeal", sheet.claim_id, sheet.level)
        if "DENY50" not in claim.subscriber.member_id and rng.random() >= who.appeal_overturn_rate:
            return
        days = rng.randint(*who.appeal_days)
        payment = adjudicate(
            claim,
            who,
            _rules(s, payer.id, claim),
            rng,
            self._payer_claim_number(sheet.claim_id, 100 + sheet.level),
            overturn=True,
        )
        yield _Answer(
            kind="835",
            content=self._remit(s, payer, batch.billing_provider, payment, now, days),
            days=days,
            claim_ids=(sheet.claim_id,),
        )
