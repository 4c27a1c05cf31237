"""Charge capture: one documented IOP day → the charges the payer's rule set allows.

A day that reaches the rule set's threshold is billed with the per-diem code, one unit.
Otherwise (or when the payer bills per service, like Medicare) each service becomes a
component code: psychotherapy by time band, group untimed (with HQ where the payer asks),
family codes from 26 minutes, crisis 90839 + 90840, interactive complexity only beside an
allowed primary. Every charge and every service left unbilled carries a human reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from models.domain.findings import Finding, Severity
from models.domain.ruleset_schema import (
    ClaimForm,
    Program,
    RuleSet,
    ServiceKind,
    ShortDay,
    TelehealthMode,
    TimeBand,
)
from models.domain.values import NPI, DomainError, format_minutes

FAMILY_MIN_MINUTES = 26  # CPT: 90846/90847 need at least 26 minutes
CRISIS_MIN_MINUTES = 30  # CPT: 90839 covers 30–74 minutes
CRISIS_FIRST_MAX = 74  # beyond 74, +90840 per further 30 minutes (75–104 → 1, 105–134 → 2)
TIMED_KINDS = (ServiceKind.INDIVIDUAL, ServiceKind.FAMILY_WITH_PATIENT)


@dataclass(frozen=True, kw_only=True)
class Service:
    kind: ServiceKind
    minutes: int
    clinician_npi: str = ""
    telehealth: TelehealthMode | None = None  # None: the day's mode

    def __post_init__(self) -> None:
        if isinstance(self.minutes, bool) or not isinstance(self.minutes, int):
            raise DomainError("minutes", self.minutes, "must be whole minutes")
        if not 0 <= self.minutes <= 24 * 60:
            raise DomainError("minutes", self.minutes, "must be between 0 and 1440")
        if self.clinician_npi:
            NPI(self.clinician_npi, "clinician_npi")


@dataclass(frozen=True, kw_only=True)
class DocumentedDay:
    date: date
    program: Program
    telehealth: TelehealthMode = TelehealthMode.NONE
    services: tuple[Service, ...] = ()

    @property
    def total_minutes(self) -> int:
        """Minutes that count toward the daily threshold (add-on codes carry no time)."""
        return sum(
            s.minutes for s in self.services if s.kind is not ServiceKind.INTERACTIVE_COMPLEXITY
        )


@dataclass(frozen=True, kw_only=True)
class Charge:
    date_of_service: date
    code: str
    units: int
    charge_cents: int
    reason: str
    revenue_code: str = ""
    modifiers: tuple[str, ...] = ()
    pos: str = ""
    program: Program = Program.PSYCHIATRIC
    rendering_npi: str = ""
    per_diem: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date_of_service.isoformat(),
            "code": self.code,
            "revenue_code": self.revenue_code,
            "units": self.units,
            "modifiers": list(self.modifiers),
            "pos": self.pos,
            "charge_cents": self.charge_cents,
            "reason": self.reason,
        }


@dataclass(frozen=True, kw_only=True)
class NotBilled:
    kind: ServiceKind
    minutes: int
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": str(self.kind), "minutes": self.minutes, "reason": self.reason}


@dataclass(frozen=True, kw_only=True)
class CaptureResult:
    charges: tuple[Charge, ...]
    not_billed: tuple[NotBilled, ...] = ()
    findings: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "charges": [c.to_dict() for c in self.charges],
            "not_billed": [n.to_dict() for n in self.not_billed],
            "findings": [f.to_dict() for f in self.findings],
        }


def _unique(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _band(bands: tuple[TimeBand, ...], minutes: int) -> TimeBand | None:
    return next((b for b in bands if b.contains(minutes)), None)


def _band_text(band: TimeBand) -> str:
    if band.max_minutes is None:
        return f"≥ {band.min_minutes} min band"
    return f"{band.min_minutes}–{band.max_minutes} min band"


class _Builder:
    """Collects charges for one day with the day's POS, modifiers and revenue codes."""

    def __init__(self, day: DocumentedDay, rules: RuleSet) -> None:
        self.day = day
        self.rules = rules
        self.program = rules.program(day.program)
        self.npi = next((s.clinician_npi for s in day.services if s.clinician_npi), "")
        self.charges: list[Charge] = []
        self.not_billed: list[NotBilled] = []

    def mode(self, kind: ServiceKind | None) -> TelehealthMode:
        """The telehealth mode of a charge: the service's own, else the day's."""
        own = (s.telehealth for s in self.day.services if s.kind is kind and s.telehealth)
        return next(own, self.day.telehealth)

    def add(
        self,
        code: str,
        units: int,
        reason: str,
        kind: ServiceKind | None = None,
        extra: tuple[str, ...] = (),
        npi: str = "",
    ) -> None:
        tele = self.rules.telehealth_rule(self.mode(kind))
        revenue = self.program.revenue_code
        if kind is not None:
            revenue = self.rules.component.revenue_code(kind)
        pos = ""
        if self.rules.claim_form is ClaimForm.PROFESSIONAL:
            revenue = ""
            pos = tele.pos or self.program.pos or self.rules.pos
        self.charges.append(
            Charge(
                date_of_service=self.day.date,
                code=code,
                units=units,
                charge_cents=self.rules.charge_cents(code) * units,
                reason=reason,
                revenue_code=revenue,
                modifiers=_unique(extra + tele.modifiers),
                pos=pos,
                program=self.day.program,
                rendering_npi=npi or self.npi,
                per_diem=kind is None,
            )
        )

    def skip(self, kind: ServiceKind, minutes: int, reason: str) -> None:
        self.not_billed.append(NotBilled(kind=kind, minutes=minutes, reason=reason))


def capture_day(day: DocumentedDay, rules: RuleSet) -> CaptureResult:
    """The charges for one documented day under ``rules``, each with its reason.

    Services delivered in a telehealth mode the payer does not cover (the service's own
    mode, else the day's) are left unbilled with a reason and do not count toward the
    threshold.
    """
    findings: list[Finding] = []
    covered: list[Service] = []
    uncovered: list[NotBilled] = []
    for s in day.services:
        mode = s.telehealth or day.telehealth
        if rules.telehealth_rule(mode).covered:
            covered.append(s)
        else:
            reason = f"{mode} telehealth not covered by {rules.name}"
            uncovered.append(NotBilled(kind=s.kind, minutes=s.minutes, reason=reason))
    if uncovered:
        findings.append(
            Finding(
                edit="telehealth_not_covered",
                severity=Severity.WARNING,
                field="telehealth",
                message=f"{rules.name} does not cover {len(uncovered)} service(s) delivered by "
                "a telehealth mode it excludes; they are not billed",
            )
        )
    day = replace(day, services=tuple(covered))
    builder = _Builder(day, rules)
    builder.not_billed.extend(uncovered)
    total = day.total_minutes
    threshold = rules.threshold_minutes
    documented = f"{format_minutes(total)} documented"
    if rules.per_diem_enabled and total >= threshold and total > 0:
        code = builder.program.per_diem_code
        builder.add(
            code,
            1,
            f"{documented} ≥ {threshold} min threshold → {code} × 1",
            extra=builder.program.modifiers,
        )
    elif rules.per_diem_enabled and rules.short_day is ShortDay.NONE:
        for s in day.services:
            builder.skip(
                s.kind,
                s.minutes,
                f"{documented} < {threshold} min threshold; short days not billed",
            )
    else:
        prefix = (
            f"{documented} < {threshold} min threshold, component billing: "
            if rules.per_diem_enabled
            else "billed per service: "
        )
        findings.extend(_components(day, rules, builder, prefix))
    return CaptureResult(
        charges=tuple(builder.charges),
        not_billed=tuple(builder.not_billed),
        findings=tuple(findings),
    )


def _minutes_of(day: DocumentedDay, kind: ServiceKind) -> int:
    return sum(s.minutes for s in day.services if s.kind is kind)


def _npi_of(day: DocumentedDay, kind: ServiceKind) -> str:
    return next((s.clinician_npi for s in day.services if s.kind is kind and s.clinician_npi), "")


def _components(day: DocumentedDay, rules: RuleSet, b: _Builder, prefix: str) -> list[Finding]:
    comp = rules.component
    kinds = {s.kind for s in day.services}
    has_em = ServiceKind.EM in kinds and _minutes_of(day, ServiceKind.EM) > 0
    if has_em:
        b.add(
            comp.em,
            1,
            prefix + "E/M visit → " + comp.em + " × 1 (its time does not count "
            "toward psychotherapy)",
            ServiceKind.EM,
            npi=_npi_of(day, ServiceKind.EM),
        )
    elif ServiceKind.EM in kinds:
        b.skip(ServiceKind.EM, 0, "E/M with 0 minutes documented: not billable")

    individual = _minutes_of(day, ServiceKind.INDIVIDUAL)
    crisis = _minutes_of(day, ServiceKind.CRISIS)
    if ServiceKind.CRISIS in kinds and crisis < CRISIS_MIN_MINUTES:
        # CPT: crisis under 30 minutes is reported with the psychotherapy codes.
        individual += crisis
        crisis = 0
    if individual or ServiceKind.INDIVIDUAL in kinds:
        bands = comp.with_em if has_em else comp.individual
        band = _band(bands, individual)
        label = "psychotherapy with E/M" if has_em else "individual psychotherapy"
        if band is None:
            b.skip(
                ServiceKind.INDIVIDUAL,
                individual,
                f"{format_minutes(individual)} {label} is under {bands[0].min_minutes} min: "
                "not billable",
            )
        else:
            b.add(
                band.code,
                1,
                f"{prefix}{format_minutes(individual)} {label} in {_band_text(band)} "
                f"→ {band.code} × 1",
                ServiceKind.INDIVIDUAL,
                npi=_npi_of(day, ServiceKind.INDIVIDUAL),
            )
    if crisis:
        b.add(
            comp.crisis,
            1,
            f"{prefix}{format_minutes(crisis)} crisis psychotherapy → {comp.crisis} × 1",
            ServiceKind.CRISIS,
            npi=_npi_of(day, ServiceKind.CRISIS),
        )
        if crisis > CRISIS_FIRST_MAX:
            extra = (crisis - 45) // 30
            b.add(
                comp.crisis_addon,
                extra,
                f"{prefix}{format_minutes(crisis - 60)} beyond the first hour of crisis "
                f"→ {comp.crisis_addon} × {extra}",
                ServiceKind.CRISIS,
                npi=_npi_of(day, ServiceKind.CRISIS),
            )

    groups = [s for s in day.services if s.kind is ServiceKind.GROUP and s.minutes > 0]
    if groups:
        b.add(
            comp.group,
            len(groups),
            f"{prefix}{len(groups)} group session(s) (untimed) → {comp.group} × {len(groups)}",
            ServiceKind.GROUP,
            extra=comp.group_modifiers,
            npi=groups[0].clinician_npi,
        )

    for kind, code in (
        (ServiceKind.FAMILY_WITH_PATIENT, comp.family_with_patient),
        (ServiceKind.FAMILY_WITHOUT_PATIENT, comp.family_without_patient),
    ):
        if kind not in kinds:
            continue
        minutes = _minutes_of(day, kind)
        text = kind.value.replace("_", " ")
        if minutes >= FAMILY_MIN_MINUTES:
            b.add(
                code,
                1,
                f"{prefix}{format_minutes(minutes)} {text} → {code} × 1",
                kind,
                npi=_npi_of(day, kind),
            )
        else:
            b.skip(
                kind,
                minutes,
                f"{format_minutes(minutes)} {text} is under {FAMILY_MIN_MINUTES} min: not billable",
            )

    billed = {c.code for c in b.charges}
    if ServiceKind.INTERACTIVE_COMPLEXITY in kinds:
        _interactive_complexity(rules, b, billed, prefix)
    return _conflicts(rules, billed)


def _interactive_complexity(rules: RuleSet, b: _Builder, billed: set[str], prefix: str) -> None:
    comp = rules.component
    never = {comp.crisis, comp.crisis_addon, comp.family_with_patient, comp.family_without_patient}
    allowed = {band.code for band in comp.individual + comp.with_em} | {comp.group}
    code = comp.interactive_complexity
    blocked = sorted(billed & never)
    if blocked:
        b.skip(
            ServiceKind.INTERACTIVE_COMPLEXITY,
            0,
            f"{code} is never billed with {', '.join(blocked)}",
        )
    elif billed & allowed:
        primary = sorted(billed & allowed)[0]
        b.add(
            code,
            1,
            f"{prefix}interactive complexity add-on to {primary} → {code} × 1",
            ServiceKind.INTERACTIVE_COMPLEXITY,
        )
    else:
        b.skip(
            ServiceKind.INTERACTIVE_COMPLEXITY,
            0,
            f"{code} is an add-on and no psychotherapy or group code was billed this day",
        )


def _conflicts(rules: RuleSet, billed: set[str]) -> list[Finding]:
    comp = rules.component
    psychotherapy = billed & {band.code for band in comp.individual}
    others = billed & {
        comp.crisis,
        comp.crisis_addon,
        comp.family_with_patient,
        comp.family_without_patient,
    }
    if not (psychotherapy and others):
        return []
    return [
        Finding(
            edit="same_day_conflict",
            severity=Severity.WARNING,
            field="services",
            message=(
                f"{', '.join(sorted(psychotherapy))} with {', '.join(sorted(others))} on the same "
                "day: bill only if distinct, with modifier 59/XU and documentation"
            ),
        )
    ]
