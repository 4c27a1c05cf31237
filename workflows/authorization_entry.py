"""Checks of an authorization entered on the episode page (``enter_authorization``).

The rule is the biller's ``authorization`` task form (``models.episode_tasks``): the
entry is validated through that schema, so the page and the task refuse the same
answers with the same words. Pure and deterministic (no clock: the form has no field
checked against today), so the EpisodeWorkflow's validator
(``EpisodeAuthorization.validate`` in ``workflows.episode_authorization``) runs it in the
sandbox, adds the stage check and raises one ``FormInvalid`` error naming every bad field.
"""

from __future__ import annotations

from typing import Any

from models.episode_tasks import AUTHORIZATION
from models.forms import FormInvalid, validate_form
from workflows.episode_types import EnterAuthorizationInput


def entry_errors(inp: EnterAuthorizationInput) -> dict[str, str]:
    """Field → message for everything wrong with ``inp`` (empty when it is fine).

    Approved and partial need a number, first and last day (end ≥ start) and units > 0;
    denied needs nothing, but what is given must still be well formed.
    """
    data: dict[str, Any] = {
        "status": inp.status,
        "number": inp.number,
        "start": inp.start,
        "end": inp.end,
        "units": inp.units,  # 0 when the page left it empty: "must be more than 0"
    }
    try:
        validate_form(AUTHORIZATION, data)
    except FormInvalid as invalid:
        return invalid.errors
    return {}
