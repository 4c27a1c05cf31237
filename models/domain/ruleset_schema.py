"""Payer rule-set types and the schema that turns a parsed TOML document into them.

Parsing is pure: :func:`parse_ruleset` takes the decoded TOML table and the file name it
came from (for error messages). Reading files is :mod:`models.domain.rulesets`' job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from models.domain.values import (
    ConditionCode,
    DomainError,
    Modifier,
    PlaceOfService,
    ProcedureCode,
    RevenueCode,
    TypeOfBill,
)


class ClaimForm(StrEnum):
    PROFESSIONAL = "837P"
    INSTITUTIONAL = "837I"


class Cadence(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    EPISODE = "episode"


class Program(StrEnum):
    PSYCHIATRIC = "psychiatric"
    SUBSTANCE_USE = "substance_use"


class ServiceKind(StrEnum):
    INDIVIDUAL = "individual"
    GROUP = "group"
    FAMILY_WITH_PATIENT = "family_with_patient"
    FAMILY_WITHOUT_PATIENT = "family_without_patient"
    CRISIS = "crisis"
    INTERACTIVE_COMPLEXITY = "interactive_complexity"
    EM = "em"


class TelehealthMode(StrEnum):
    NONE = "none"
    VIDEO = "video"
    AUDIO = "audio"


class ShortDay(StrEnum):
    """What to do with a day below the per-diem threshold."""

    COMPONENT = "component"
    NONE = "none"


class RuleSetError(DomainError):
    """A rule-set file is invalid: names the file, the key and the reason."""

    def __init__(self, file: str, key: str, reason: str) -> None:
        super().__init__(key, file, reason)
        self.file = file
        self.key = key
        self.args = (f"{file}: {key}: {reason}",)


@dataclass(frozen=True, kw_only=True)
class ProgramRule:
    program: Program
    per_diem_code: str
    revenue_code: str
    modifiers: tuple[str, ...] = ()
    pos: str = ""


@dataclass(frozen=True, kw_only=True)
class TimeBand:
    code: str
    min_minutes: int
    max_minutes: int | None = None

    def contains(self, minutes: int) -> bool:
        return minutes >= self.min_minutes and (
            self.max_minutes is None or minutes <= self.max_minutes
        )


@dataclass(frozen=True, kw_only=True)
class ComponentRule:
    individual: tuple[TimeBand, ...]
    with_em: tuple[TimeBand, ...]
    group: str
    family_with_patient: str
    family_without_patient: str
    crisis: str
    crisis_addon: str
    interactive_complexity: str
    em: str
    group_modifiers: tuple[str, ...]
    revenue_codes: tuple[tuple[ServiceKind, str], ...]

    def revenue_code(self, kind: ServiceKind) -> str:
        return dict(self.revenue_codes).get(kind, "")


@dataclass(frozen=True, kw_only=True)
class TelehealthRule:
    mode: TelehealthMode
    covered: bool
    modifiers: tuple[str, ...] = ()
    pos: str = ""


@dataclass(frozen=True, kw_only=True)
class AppealLevel:
    level: int
    name: str
    days: int


@dataclass(frozen=True, kw_only=True)
class DeadlineRules:
    timely_filing_days: int
    ack_watch_days: int
    payment_followup_days: int
    payment_followup_repeat_days: int
    concurrent_review_lead_days: int
    prior_auth_standard_days: int
    prior_auth_expedited_days: int
    appeal_receipt_days: int
    records_request_days: int
    recertification_days: int  # 0: the payer has no recertification clock
    appeal_levels: tuple[AppealLevel, ...]


@dataclass(frozen=True, kw_only=True)
class RuleSet:
    id: str
    name: str
    version: str
    effective: date
    plan_type: str
    claim_form: ClaimForm
    cadence: Cadence
    prior_auth_required: bool
    taxonomy_required: bool
    interim_billing: bool
    type_of_bill: str
    condition_codes: tuple[str, ...]
    pos: str
    allowed_modifiers: tuple[str, ...]
    per_diem_enabled: bool
    threshold_minutes: int
    short_day: ShortDay
    programs: tuple[ProgramRule, ...]
    component: ComponentRule
    telehealth: tuple[TelehealthRule, ...]
    deadlines: DeadlineRules
    fee_schedule: tuple[tuple[str, int], ...]
    charge_master: tuple[tuple[str, int], ...]
    source: str = ""

    def program(self, program: Program) -> ProgramRule:
        return next(rule for rule in self.programs if rule.program is program)

    def telehealth_rule(self, mode: TelehealthMode) -> TelehealthRule:
        return next(rule for rule in self.telehealth if rule.mode is mode)

    def contracted_cents(self, code: str) -> int | None:
        """The contracted (allowed) amount for a code, or None if not in the schedule."""
        return dict(self.fee_schedule).get(code)

    def charge_cents(self, code: str) -> int:
        """The billed charge for a code from the charge master (0 when not listed)."""
        return dict(self.charge_master).get(code, 0)

    def revenue_pairs(self) -> frozenset[tuple[str, str]]:
        """Every (revenue code, HCPCS) pair this rule set itself produces."""
        pairs: set[tuple[str, str]] = set()
        for rule in self.programs:
            if rule.per_diem_code:
                pairs.add((rule.revenue_code, rule.per_diem_code))
        comp = self.component
        codes = {
            ServiceKind.GROUP: [comp.group],
            ServiceKind.FAMILY_WITH_PATIENT: [comp.family_with_patient],
            ServiceKind.FAMILY_WITHOUT_PATIENT: [comp.family_without_patient],
            ServiceKind.CRISIS: [comp.crisis, comp.crisis_addon],
            ServiceKind.INTERACTIVE_COMPLEXITY: [comp.interactive_complexity],
            ServiceKind.EM: [comp.em],
            ServiceKind.INDIVIDUAL: [b.code for b in comp.individual + comp.with_em],
        }
        for kind, kind_codes in codes.items():
            for code in kind_codes:
                pairs.add((comp.revenue_code(kind), code))
        return frozenset(pairs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "claim_form": str(self.claim_form),
            "version": self.version,
            "effective": self.effective.isoformat(),
            "cadence": str(self.cadence),
        }


T = TypeVar("T")


class _Reader:
    """Walks one TOML table, recording which keys were read so leftovers are rejected."""

    def __init__(self, file: str, table: Mapping[str, Any], path: str = "") -> None:
        self.file = file
        self.table = table
        self.path = path
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, reason: str) -> RuleSetError:
        return RuleSetError(self.file, self.key(name), reason)

    def get(self, name: str, kind: type[T], default: T | None = None) -> T:
        self.seen.add(name)
        if name not in self.table:
            if default is None:
                raise self.fail(name, "missing required key")
            return default
        value = self.table[name]
        if kind is int and isinstance(value, bool):
            raise self.fail(name, "expected int, got bool")
        if not isinstance(value, kind):
            raise self.fail(name, f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    def non_negative(self, name: str, default: int | None = None) -> int:
        value = self.get(name, int, default)
        if value < 0:
            raise self.fail(name, "must be >= 0")
        return value

    def code(self, name: str, parse: Callable[[str], str], default: str | None = None) -> str:
        text = self.get(name, str, default)
        if text == "":
            return ""
        try:
            return str(parse(text))
        except DomainError as exc:
            raise self.fail(name, exc.reason) from exc

    def codes(self, name: str, parse: Callable[[str], str]) -> tuple[str, ...]:
        items = self.get(name, list, [])
        out: list[str] = []
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise self.fail(f"{name}[{index}]", "expected str")
            try:
                out.append(str(parse(item)))
            except DomainError as exc:
                raise self.fail(f"{name}[{index}]", exc.reason) from exc
        return tuple(out)

    def enum(self, name: str, kind: type[StrEnum], default: str | None = None) -> Any:
        text = self.get(name, str, default)
        try:
            return kind(text)
        except ValueError as exc:
            allowed = ", ".join(m.value for m in kind)
            raise self.fail(name, f"must be one of {allowed}") from exc

    def sub(self, name: str) -> _Reader:
        return _Reader(self.file, self.get(name, dict), self.key(name))

    def done(self) -> None:
        extra = sorted(set(self.table) - self.seen)
        if extra:
            raise self.fail(extra[0], "unknown key")


def _bands(reader: _Reader, name: str) -> tuple[TimeBand, ...]:
    items = reader.get(name, list)
    bands: list[TimeBand] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise reader.fail(f"{name}[{index}]", "expected a table {code, min, max}")
        band = _Reader(reader.file, item, reader.key(f"{name}[{index}]"))
        low = band.non_negative("min")
        high = band.get("max", int, -1)
        if high != -1 and high < low:
            raise band.fail("max", "must be >= min")
        bands.append(
            TimeBand(
                code=band.code("code", ProcedureCode),
                min_minutes=low,
                max_minutes=None if high == -1 else high,
            )
        )
        band.done()
    return tuple(bands)


def _amounts(reader: _Reader, name: str) -> tuple[tuple[str, int], ...]:
    table = reader.sub(name)
    out = []
    for code in sorted(table.table):
        try:
            ProcedureCode(code)
        except DomainError as exc:
            raise table.fail(code, exc.reason) from exc
        out.append((code, table.non_negative(code)))
    table.done()
    return tuple(out)


def parse_ruleset(data: Mapping[str, Any], file: str) -> RuleSet:
    """Validate a decoded TOML rule set; raise :class:`RuleSetError` naming file, key, reason."""
    top = _Reader(file, data)
    form = top.enum("claim_form", ClaimForm)
    tob = top.code("type_of_bill", TypeOfBill, "")
    if form is ClaimForm.INSTITUTIONAL and not tob:
        raise top.fail("type_of_bill", "required for an 837I rule set")
    if form is ClaimForm.PROFESSIONAL and tob:
        raise top.fail("type_of_bill", "an 837P rule set has no type of bill")
    pos = top.code("pos", PlaceOfService, "")
    if form is ClaimForm.PROFESSIONAL and not pos:
        raise top.fail("pos", "required for an 837P rule set")

    per_diem = top.sub("per_diem")
    per_diem_enabled = per_diem.get("enabled", bool)
    threshold = per_diem.non_negative("threshold_minutes")
    short_day = per_diem.enum("short_day", ShortDay)
    per_diem.done()

    programs_table = top.sub("programs")
    programs: list[ProgramRule] = []
    for program in Program:
        rule = programs_table.sub(program.value)
        code = rule.code("per_diem_code", ProcedureCode, "")
        if per_diem_enabled and not code:
            raise rule.fail("per_diem_code", "required when per_diem.enabled")
        revenue = rule.code("revenue_code", RevenueCode, "")
        if form is ClaimForm.INSTITUTIONAL and not revenue:
            raise rule.fail("revenue_code", "required for an 837I rule set")
        programs.append(
            ProgramRule(
                program=program,
                per_diem_code=code,
                revenue_code=revenue,
                modifiers=rule.codes("modifiers", Modifier),
                pos=rule.code("pos", PlaceOfService, ""),
            )
        )
        rule.done()
    programs_table.done()

    comp = top.sub("component")
    revs = comp.sub("revenue_codes")
    revenue_codes = tuple((kind, revs.code(kind.value, RevenueCode, "")) for kind in ServiceKind)
    revs.done()
    if form is ClaimForm.INSTITUTIONAL:
        for kind, code in revenue_codes:
            if not code:
                raise revs.fail(kind.value, "required for an 837I rule set")
    component = ComponentRule(
        individual=_bands(comp, "individual"),
        with_em=_bands(comp, "with_em"),
        group=comp.code("group", ProcedureCode),
        family_with_patient=comp.code("family_with_patient", ProcedureCode),
        family_without_patient=comp.code("family_without_patient", ProcedureCode),
        crisis=comp.code("crisis", ProcedureCode),
        crisis_addon=comp.code("crisis_addon", ProcedureCode),
        interactive_complexity=comp.code("interactive_complexity", ProcedureCode),
        em=comp.code("em", ProcedureCode),
        group_modifiers=comp.codes("group_modifiers", Modifier),
        revenue_codes=revenue_codes,
    )
    comp.done()

    tele = top.sub("telehealth")
    telehealth = [TelehealthRule(mode=TelehealthMode.NONE, covered=True)]
    for mode in (TelehealthMode.VIDEO, TelehealthMode.AUDIO):
        rule = tele.sub(mode.value)
        telehealth.append(
            TelehealthRule(
                mode=mode,
                covered=rule.get("covered", bool),
                modifiers=rule.codes("modifiers", Modifier),
                pos=rule.code("pos", PlaceOfService, ""),
            )
        )
        rule.done()
    tele.done()

    dl = top.sub("deadlines")
    levels: list[AppealLevel] = []
    for index, item in enumerate(dl.get("appeal_levels", list)):
        if not isinstance(item, dict):
            raise dl.fail(f"appeal_levels[{index}]", "expected a table {level, name, days}")
        lvl = _Reader(file, item, dl.key(f"appeal_levels[{index}]"))
        levels.append(
            AppealLevel(
                level=lvl.non_negative("level"),
                name=lvl.get("name", str),
                days=lvl.non_negative("days"),
            )
        )
        lvl.done()
    if [lvl.level for lvl in levels] != list(range(1, len(levels) + 1)):
        raise dl.fail("appeal_levels", "levels must be numbered 1, 2, 3… in order")
    deadlines = DeadlineRules(
        timely_filing_days=dl.non_negative("timely_filing_days"),
        ack_watch_days=dl.non_negative("ack_watch_days"),
        payment_followup_days=dl.non_negative("payment_followup_days"),
        payment_followup_repeat_days=dl.non_negative("payment_followup_repeat_days"),
        concurrent_review_lead_days=dl.non_negative("concurrent_review_lead_days"),
        prior_auth_standard_days=dl.non_negative("prior_auth_standard_days"),
        prior_auth_expedited_days=dl.non_negative("prior_auth_expedited_days"),
        appeal_receipt_days=dl.non_negative("appeal_receipt_days"),
        records_request_days=dl.non_negative("records_request_days"),
        recertification_days=dl.non_negative("recertification_days", 0),
        appeal_levels=tuple(levels),
    )
    dl.done()

    ruleset = RuleSet(
        id=top.get("id", str),
        name=top.get("name", str),
        version=top.get("version", str),
        effective=top.get("effective", date),
        plan_type=top.get("plan_type", str),
        claim_form=form,
        cadence=top.enum("cadence", Cadence),
        prior_auth_required=top.get("prior_auth_required", bool),
        taxonomy_required=top.get("taxonomy_required", bool),
        interim_billing=top.get("interim_billing", bool, False),
        type_of_bill=tob,
        condition_codes=top.codes("condition_codes", ConditionCode),
        pos=pos,
        allowed_modifiers=top.codes("allowed_modifiers", Modifier),
        per_diem_enabled=per_diem_enabled,
        threshold_minutes=threshold,
        short_day=short_day,
        programs=tuple(programs),
        component=component,
        telehealth=tuple(telehealth),
        deadlines=deadlines,
        fee_schedule=_amounts(top, "fee_schedule"),
        charge_master=_amounts(top, "charge_master"),
        source=file,
    )
    if ruleset.interim_billing and form is not ClaimForm.INSTITUTIONAL:
        raise top.fail("interim_billing", "interim billing needs an 837I rule set")
    if not ruleset.id or not ruleset.version:
        raise top.fail("id" if not ruleset.id else "version", "must not be empty")
    top.done()
    return ruleset
