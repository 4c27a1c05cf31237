"""Checks of an authorization entered on the episode page (``enter_authorization``).

Pure: the EpisodeWorkflow's validator (``EpisodeAuthorization.validate`` in
``workflows.episode_authorization``) adds the stage check and raises one ``FormInvalid``
error naming every bad field.
"""

from __future__ import annotations

from datetime import date

from workflows.episode_types import AUTHORIZATION_DECISIONS, EnterAuthorizationInput


def entry_errors(inp: EnterAuthorizationInput) -> dict[str, str]:
    """Field → message for everything wrong with ``inp`` (empty when it is fine).

    Approved and partial need a number, first and last day (end ≥ start) and units > 0;
    denied needs nothing, but dates given must still be dates.
    """
    errors: dict[str, str] = {}
    if inp.status not in AUTHORIZATION_DECISIONS:
        errors["status"] = "choose approved, partial or denied"
    granted = inp.status in ("approved", "partial")
    dates: dict[str, date] = {}
    for name, raw in (("start", inp.start), ("end", inp.end)):
        if not raw:
            if granted:
                errors[name] = "is required"
            continue
        try:
            dates[name] = date.fromisoformat(raw)
        except ValueError:
            errors[name] = f"must be a date YYYY-MM-DD, got {raw!r}"
    if len(dates) == 2 and dates["end"] < dates["start"]:
        errors["end"] = f"ends {dates['end']} before it starts ({dates['start']})"
    if granted and inp.units <= 0:
        errors["units"] = "must be more than 0"
    if granted and not inp.number.strip():
        errors["number"] = "is required"
    return errors
