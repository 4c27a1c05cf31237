"""`iopbill rules …`: try the billing rules on one documented day, list the rule sets.

Nothing else runs: no database, no Temporal. Output is JSON on stdout; a bad input
prints a message naming the field on stderr and exits 1.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from models.domain import (
    ClaimContext,
    DomainError,
    ScrubContext,
    build_claims,
    capture_day,
    list_rulesets,
    load_ruleset,
    scrub,
)
from models.domain.authorizations import AuthorizedCharge
from models.domain.serialization import day_from_dict

app = typer.Typer(help="Try the payer billing rules without running anything else.")

# Edits that judge the day's lines and the rule set alone; the others need patient,
# provider and authorization data a preview does not have.
PREVIEW_EDITS = frozenset(
    {"revenue_code_pairing", "pos_form_tob", "modifiers_allowed", "duplicate_lines"}
)
PREVIEW_NPI = "1234567893"  # a syntactically valid placeholder for the preview claim


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code=1)


def _echo(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@app.command()
def preview(
    day_file: Annotated[Path, typer.Argument(metavar="DAY.json", help="One documented day.")],
    payer: Annotated[str, typer.Option("--payer", help="Payer rule-set id.")],
) -> None:
    """Show the charges, unbilled services and line edits for one documented day."""
    try:
        text = day_file.read_text(encoding="utf-8")
    except OSError as exc:
        _fail(f"{day_file}: cannot read: {exc.strerror}")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{day_file}: not JSON: {exc.msg} at line {exc.lineno}")
    try:
        day = day_from_dict(data)
        rules = load_ruleset(payer, day.date)
    except DomainError as exc:
        _fail(f"{day_file}: {exc}")
    result = capture_day(day, rules)
    findings = list(result.findings)
    if result.charges:
        context = ClaimContext(
            episode_id="preview",
            payer_id=rules.id,
            billing_npi=PREVIEW_NPI,
            billing_taxonomy="",
            admission_date=day.date,
            discharge_date=day.date,
        )
        billable = [AuthorizedCharge(charge=c) for c in result.charges]
        (claim,) = build_claims(billable, rules, context, as_of=day.date).claims
        context_scrub = ScrubContext(rules=rules)
        findings += [f for f in scrub(claim, context_scrub, day.date) if f.edit in PREVIEW_EDITS]
    _echo(
        {
            "charges": [
                {
                    "code": c.code,
                    "revenue_code": c.revenue_code,
                    "units": c.units,
                    "modifiers": list(c.modifiers),
                    "pos": c.pos,
                    "charge_cents": c.charge_cents,
                    "reason": c.reason,
                }
                for c in result.charges
            ],
            "held": [n.to_dict() for n in result.not_billed],
            "findings": [f.to_dict() for f in findings],
        }
    )


@app.command()
def payers(
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Only the version in effect on this date (YYYY-MM-DD)."),
    ] = None,
) -> None:
    """List the shipped payer rule sets (every version, or the one in effect on --as-of)."""
    rulesets = list_rulesets()
    if as_of is not None:
        try:
            on = date.fromisoformat(as_of)
        except ValueError:
            _fail(f"--as-of: must be a date YYYY-MM-DD (got {as_of!r})")
        ids = dict.fromkeys(rs.id for rs in rulesets)
        rulesets = tuple(
            load_ruleset(i, on)
            for i in ids
            if any(rs.id == i and rs.effective <= on for rs in rulesets)
        )
    _echo(
        [
            {"id": rs.id, "name": rs.name, "claim_form": str(rs.claim_form), "version": rs.version}
            for rs in rulesets
        ]
    )
