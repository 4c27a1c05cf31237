"""Typed form schemas for human tasks: pure, deterministic, shared by workflows and web.

A HumanTaskWorkflow's ``complete`` validator and the EpisodeWorkflow's
``enter_authorization`` validator run ``validate_form`` inside the workflow sandbox, so
the rules here must not read a clock or do I/O: ``as_of`` is passed in. The web renders
the same schema, so a field's label and hint live in one place, and an activity that
records what a form answered checks the schema's cross-field rules with ``rule_errors``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any


class FieldType(StrEnum):
    TEXT = "text"
    TEXTAREA = "textarea"
    DATE = "date"
    INTEGER = "integer"
    MONEY = "money"  # entered as dollars "123.45", stored as integer cents
    CHOICE = "choice"
    BOOLEAN = "boolean"


@dataclass(frozen=True, kw_only=True)
class FormField:
    name: str
    label: str
    type: FieldType = FieldType.TEXT
    required: bool = True
    pattern: str | None = None
    pattern_hint: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 200
    not_future: bool = False
    minimum: int | None = None
    maximum: int | None = None
    hint: str = ""


@dataclass(frozen=True, kw_only=True)
class RequiredWhen:
    """When the choice ``field`` is one of ``values``, ``required`` must be filled in and
    ``positive`` (integers) must be above 0: "approved" needs its number and dates."""

    field: str
    values: tuple[str, ...]
    required: tuple[str, ...]
    positive: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CoversDates:
    """When the choice ``field`` is one of ``values``, the span ``first``–``last`` must
    take in every date the task lists under ``context_key``: a retro-authorization that
    leaves a held day outside would release nothing, and the biller would be asked again
    about the same days."""

    field: str
    values: tuple[str, ...]
    first: str
    last: str
    context_key: str


@dataclass(frozen=True, kw_only=True)
class OnFile:
    """``field``, when given, must be one of the keys of the mapping the task lists under
    ``context_key`` (when it lists any): a correction naming an authorization number that
    does not cover the claim's dates would fail the scrubber again, and the biller would
    be asked again about the same claim."""

    field: str
    context_key: str
    what: str  # e.g. "an authorization on file for this claim's dates"


@dataclass(frozen=True, kw_only=True)
class FormSchema:
    name: str
    title: str
    fields: tuple[FormField, ...] = field(default_factory=tuple)
    required_when: tuple[RequiredWhen, ...] = ()
    ordered_dates: tuple[tuple[str, str], ...] = ()  # (first, last): last ≥ first
    covers: tuple[CoversDates, ...] = ()  # checked only when the task's context is given
    on_file: tuple[OnFile, ...] = ()  # likewise


class FormInvalid(ValueError):
    """Every bad field at once: ``errors`` maps field name → message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        listed = "; ".join(f"{k}: {v}" for k, v in sorted(self.errors.items()))
        super().__init__(f"form has {len(self.errors)} invalid field(s): {listed}")


_MONEY = re.compile(r"^-?\d{1,9}(\.\d{1,2})?$")


def _clean(f: FormField, raw: Any, as_of: date) -> tuple[Any, str | None]:
    text = "" if raw is None else str(raw).strip()
    if not text:
        if f.type is FieldType.BOOLEAN:
            return False, None
        return (None, "is required") if f.required else (None, None)
    if len(text) > f.max_length:
        return None, f"must be at most {f.max_length} characters"
    if f.type is FieldType.DATE:
        try:
            value = date.fromisoformat(text)
        except ValueError:
            return None, "must be a date YYYY-MM-DD"
        if f.not_future and value > as_of:
            return None, f"cannot be after {as_of.isoformat()}"
        return value.isoformat(), None
    if f.type is FieldType.INTEGER:
        if not re.fullmatch(r"-?\d{1,9}", text):
            return None, "must be a whole number"
        number = int(text)
        if f.minimum is not None and number < f.minimum:
            return None, f"must be at least {f.minimum}"
        if f.maximum is not None and number > f.maximum:
            return None, f"must be at most {f.maximum}"
        return number, None
    if f.type is FieldType.MONEY:
        if not _MONEY.fullmatch(text):
            return None, "must be an amount like 123.45"
        negative = text.startswith("-")
        whole, _, frac = text.lstrip("-").partition(".")
        cents = int(whole) * 100 + int((frac + "00")[:2])
        return -cents if negative else cents, None
    if f.type is FieldType.CHOICE:
        allowed = [c for c, _ in f.choices]
        if text not in allowed:
            return None, f"must be one of {', '.join(allowed)}"
        return text, None
    if f.type is FieldType.BOOLEAN:
        return text.lower() in ("1", "true", "on", "yes"), None
    if f.pattern and not re.fullmatch(f.pattern, text):
        return None, f.pattern_hint or "has the wrong format"
    return text, None


def rule_errors(schema: FormSchema, values: Mapping[str, Any]) -> dict[str, str]:
    """Field → message for each cross-field rule of ``schema`` that ``values`` break.

    ``values`` are typed: ``validate_form``'s cleaned ones, or what an activity is about
    to record (ISO dates, integer units). A field breaking two rules gets the first.
    """
    errors: dict[str, str] = {}
    for rule in schema.required_when:
        chosen = values.get(rule.field)
        if chosen not in rule.values:
            continue
        for name in rule.required:
            if not _given(values.get(name)):
                errors.setdefault(name, f"is required when {rule.field} is {chosen}")
        for name in rule.positive:
            number = values.get(name)
            if isinstance(number, int) and number <= 0:
                errors.setdefault(name, f"must be more than 0 when {rule.field} is {chosen}")
    for first, last in schema.ordered_dates:
        begins, ends = values.get(first, ""), values.get(last, "")
        if _given(begins) and _given(ends) and ends < begins:
            errors.setdefault(last, f"cannot be before {first} ({begins})")
    return errors


def context_errors(
    schema: FormSchema, values: Mapping[str, Any], context: Mapping[str, Any]
) -> dict[str, str]:
    """Field → message for each rule of ``schema`` that ties ``values`` to what the task
    shows (``context``): the span an answer gives must take in the dates listed there."""
    errors: dict[str, str] = {}
    for rule in schema.covers:
        if values.get(rule.field) not in rule.values:
            continue
        listed = sorted(str(d) for d in context.get(rule.context_key) or ())
        begins, ends = values.get(rule.first, ""), values.get(rule.last, "")
        if not listed or not _given(begins) or not _given(ends):
            continue
        if begins > listed[0]:
            errors[rule.first] = f"must be on or before {listed[0]}, the first day listed"
        if ends < listed[-1]:
            errors[rule.last] = f"must be on or after {listed[-1]}, the last day listed"
    for known in schema.on_file:
        given, listed_map = values.get(known.field), context.get(known.context_key)
        if not _given(given) or not isinstance(listed_map, Mapping) or not listed_map:
            continue
        if str(given).strip().upper() not in {str(k).upper() for k in listed_map}:
            choices = ", ".join(f"{k} ({v})" for k, v in listed_map.items())
            errors[known.field] = f"must be {known.what}: {choices}"
    return errors


def _given(value: Any) -> bool:
    return value not in (None, "")


def validate_form(
    schema: FormSchema,
    data: dict[str, Any],
    *,
    as_of: date | None = None,
    context: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Return cleaned values or raise FormInvalid listing every bad field (unknown ones too).

    ``as_of`` is the day a ``not_future`` field may not pass; a schema without one needs
    none, and leaving it out for a schema with one is a TypeError, not a skipped check.
    ``context`` is what the task shows; given, the schema's ``covers`` and ``on_file``
    rules are checked.
    """
    if as_of is None and any(f.not_future for f in schema.fields):
        raise TypeError(f"form {schema.name!r} checks dates against a day: pass as_of")
    day = date.max if as_of is None else as_of  # read by not_future fields only
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    known = {f.name for f in schema.fields}
    for name in sorted(set(data) - known):
        errors[name] = "is not a field of this form"
    for f in schema.fields:
        value, error = _clean(f, data.get(f.name), day)
        if error:
            errors[f.name] = error
        elif value is not None:
            clean[f.name] = value
    for name, message in rule_errors(schema, clean).items():
        errors.setdefault(name, message)  # a field's own error says more
    if context is not None:
        for name, message in context_errors(schema, clean, context).items():
            errors.setdefault(name, message)
    if errors:
        raise FormInvalid(errors)
    return clean


_GENDER = (("F", "female"), ("M", "male"), ("U", "unknown"))
_ICD10 = r"[A-Za-z][0-9][0-9A-Za-z](\.?[0-9A-Za-z]{1,4})?"
ICD10_LIST = rf"{_ICD10}(\s*[,;]\s*{_ICD10}){{0,11}}"

SCHEMAS: dict[str, FormSchema] = {}


def register(schema: FormSchema) -> FormSchema:
    if schema.name in SCHEMAS and SCHEMAS[schema.name] != schema:
        raise ValueError(f"form schema {schema.name!r} registered twice with different fields")
    SCHEMAS[schema.name] = schema
    return schema


INTAKE = register(
    FormSchema(
        name="intake",
        title="Complete intake",
        fields=(
            FormField(name="first_name", label="First name", max_length=60),
            FormField(name="last_name", label="Last name", max_length=60),
            FormField(
                name="birth_date", label="Date of birth", type=FieldType.DATE, not_future=True
            ),
            FormField(name="gender", label="Gender", type=FieldType.CHOICE, choices=_GENDER),
            FormField(
                name="member_id",
                label="Member id",
                pattern=r"[A-Za-z0-9][A-Za-z0-9-]{2,29}",
                pattern_hint="3–30 letters, digits or '-'",
            ),
            FormField(
                name="diagnosis_codes",
                label="Diagnoses (ICD-10-CM)",
                pattern=ICD10_LIST,
                pattern_hint="ICD-10-CM codes separated by commas, e.g. F33.1, F41.1",
                hint="Primary first; behavioral-health codes are F01–F99",
            ),
            FormField(
                name="note", label="Note", type=FieldType.TEXTAREA, required=False, max_length=2000
            ),
        ),
    )
)


def get_schema(name: str) -> FormSchema:
    try:
        return SCHEMAS[name]
    except KeyError:
        raise KeyError(f"no form schema named {name!r}") from None
