"""Episode-page forms that change coverage and authorizations: parsed into plain values
here (errors keyed by field name, as the workflow's validator keys them); the routes
call the gateway or the repository and render."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from models.db.billing_tables import Coverage
from models.db.coverages import SECONDARY, CoverageEdit
from web.episode_pages import GENDERS, KEY, PAYERS, new_registration_key
from workflows.episode_types import EnterAuthorizationInput

AUTH_STATUSES: tuple[str, ...] = ("approved", "partial", "denied")
AUTH_FIELDS: tuple[str, ...] = ("status", "number", "start", "end", "units")
AUTH_STAGES: tuple[str, ...] = ("authorization", "active")


def authorization_values(form: Mapping[str, str] | None) -> dict[str, str]:
    """What the authorization form shows: what was typed, or a fresh submission key."""
    values = {"status": "approved", "key": new_registration_key()}
    if form:
        values.update({k: str(form.get(k, "")) for k in (*AUTH_FIELDS, "key")})
    return values


def parse_authorization(
    form: Mapping[str, str], user: str
) -> tuple[EnterAuthorizationInput, str, dict[str, str]]:
    """The form → the Update's input, its submission key, and the errors found before sending
    (the workflow's validator checks the rest and names every bad field)."""
    text = {k: str(form.get(k, "")).strip() for k in (*AUTH_FIELDS, "key")}
    errors: dict[str, str] = {}
    if not KEY.match(text["key"]):
        errors["stage"] = "this form is stale; reload the page"
    units = 0
    if text["units"]:
        try:
            units = int(text["units"])
        except ValueError:
            errors["units"] = "must be a whole number"
    inp = EnterAuthorizationInput(
        status=text["status"],
        number=text["number"],
        start=text["start"],
        end=text["end"],
        units=units,
        user=user,
    )
    return inp, text["key"], errors


# -- coverage ------------------------------------------------------------------------------

RELATIONSHIPS: tuple[str, ...] = ("self", "spouse", "child", "other")
COVERAGE_FIELDS: tuple[str, ...] = (
    "payer_id",
    "member_id",
    "relationship",
    "group_number",
    "sub_first_name",
    "sub_last_name",
    "sub_birth_date",
    "sub_gender",
    "plan_start",
    "plan_end",
)


def coverage_values(row: Coverage | None) -> dict[str, str]:
    """A coverage row as the form shows it (empty when there is none)."""
    if row is None:
        return {"relationship": "self"}
    sub = row.subscriber or {}
    return {
        "payer_id": row.payer_id,
        "member_id": row.member_id,
        "relationship": "self"
        if row.relationship == "self"
        else str(sub.get("relationship", "child")),
        "group_number": str(sub.get("group_number", "")),
        "sub_first_name": str(sub.get("first_name", "")),
        "sub_last_name": str(sub.get("last_name", "")),
        "sub_birth_date": str(sub.get("birth_date", "")),
        "sub_gender": str(sub.get("gender", "")),
        "plan_start": row.plan_start.isoformat() if row.plan_start else "",
        "plan_end": row.plan_end.isoformat() if row.plan_end else "",
    }


def _optional_date(value: str, name: str, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[name] = "must be a date YYYY-MM-DD"
        return None


def parse_coverage(
    form: Mapping[str, str], which: str, *, primary_payer: str
) -> tuple[CoverageEdit, dict[str, str]]:
    """The coverage form → a ``CoverageEdit`` and the errors, keyed by field name."""
    text = {k: str(form.get(k, "")).strip() for k in COVERAGE_FIELDS}
    errors: dict[str, str] = {}
    payer = ""
    if which == SECONDARY:
        payer = text["payer_id"]
        if payer not in PAYERS:
            errors["payer_id"] = "choose a payer"
        elif payer == primary_payer:
            errors["payer_id"] = f"{payer} is already the primary payer"
    if not text["member_id"]:
        errors["member_id"] = "is required"
    relationship = text["relationship"] or "self"
    if relationship not in RELATIONSHIPS:
        errors["relationship"] = "choose self, spouse, child or other"
    subscriber: dict[str, str] = {}
    if relationship != "self":
        for name in ("sub_first_name", "sub_last_name"):
            if not text[name]:
                errors[name] = "is required when the patient is not the subscriber"
        born = text["sub_birth_date"]
        if not born:
            errors["sub_birth_date"] = "is required when the patient is not the subscriber"
        else:
            _optional_date(born, "sub_birth_date", errors)
        gender = text["sub_gender"] or "U"
        if gender not in GENDERS:
            errors["sub_gender"] = "choose F, M or U"
        subscriber = {
            "first_name": text["sub_first_name"],
            "last_name": text["sub_last_name"],
            "birth_date": born,
            "gender": gender,
        }
    start = _optional_date(text["plan_start"], "plan_start", errors)
    end = _optional_date(text["plan_end"], "plan_end", errors)
    if start and end and end < start:
        errors["plan_end"] = f"ends {end} before the plan starts ({start})"
    edit = CoverageEdit(
        member_id=text["member_id"],
        relationship=relationship,
        subscriber=subscriber,
        group_number=text["group_number"],
        plan_start=start,
        plan_end=end,
        payer_id=payer,
    )
    return edit, errors
