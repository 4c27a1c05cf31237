"""Episode-page forms that change coverage and authorizations: parsed into plain values
here (errors keyed by field name, as the workflow's validator keys them); the routes
call the gateway or the repository and render."""

from __future__ import annotations

from collections.abc import Mapping

from web.episode_pages import KEY, new_registration_key
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
