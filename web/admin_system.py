"""Admin views of payers, rule-set files, added rule-set versions and the clearinghouse.

The web may not import ``models.domain``, so the shipped rule sets are read as text from
their files by path; their header keys are read with ``tomllib`` for the table only.
Versions an admin added live in ``ruleset_versions``; a new one is validated by
``models.ruleset_catalog`` (the same parser the files go through).
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from models.db import rulesets as ruleset_repo

RULESETS = Path(__file__).resolve().parents[1] / "models" / "domain" / "rulesets"
HEADER_KEYS = ("id", "name", "version", "effective", "claim_form", "cadence")


@dataclass(frozen=True, kw_only=True)
class RuleSetFile:
    filename: str
    payer_id: str
    name: str
    version: str
    effective: str
    claim_form: str
    cadence: str
    text: str


def rule_set_files(directory: Path = RULESETS) -> list[RuleSetFile]:
    files = []
    for path in sorted(directory.glob("*.toml")):
        text = path.read_text(encoding="utf-8")
        try:
            head = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            head = {}
        files.append(
            RuleSetFile(
                filename=path.name,
                payer_id=str(head.get("id", "")),
                name=str(head.get("name", "")),
                version=str(head.get("version", "")),
                effective=str(head.get("effective", "")),
                claim_form=str(head.get("claim_form", "")),
                cadence=str(head.get("cadence", "")),
                text=text,
            )
        )
    return sorted(files, key=lambda f: (f.payer_id, f.effective))


def rule_set_file(filename: str, directory: Path = RULESETS) -> RuleSetFile | None:
    """One file by its name as listed (never a path from the request)."""
    return next((f for f in rule_set_files(directory) if f.filename == filename), None)


@dataclass(frozen=True, kw_only=True)
class PayerVersion:
    """One rule-set version of a payer, shipped (``filename``) or added (``added_by``)."""

    payer_id: str
    name: str
    version: str
    effective: str
    claim_form: str
    cadence: str
    text: str
    filename: str = ""
    added_by: str = ""
    added_at: datetime | None = None
    in_force: bool = False


def _added(row: ruleset_repo.RuleSetVersionRow) -> PayerVersion:
    try:
        head = tomllib.loads(row.text)
    except tomllib.TOMLDecodeError:  # stored only after validation; kept readable anyway
        head = {}
    return PayerVersion(
        payer_id=row.payer_id,
        name=str(head.get("name", "")),
        version=row.version,
        effective=row.effective.isoformat(),
        claim_form=str(head.get("claim_form", "")),
        cadence=str(head.get("cadence", "")),
        text=row.text,
        added_by=row.created_by,
        added_at=row.created_at,
    )


def payer_versions(session: Session, today: date) -> dict[str, list[PayerVersion]]:
    """Each payer with a shipped rule set → its versions by effective date, shipped and
    added, the one in force ``today`` marked."""
    shipped = [PayerVersion(**vars(f)) for f in rule_set_files() if f.payer_id]
    found: dict[str, list[PayerVersion]] = {}
    for v in (*shipped, *(_added(r) for r in ruleset_repo.versions(session))):
        found.setdefault(v.payer_id, []).append(v)
    result: dict[str, list[PayerVersion]] = {}
    for payer in sorted(p for p in found if any(v.filename for v in found[p])):
        versions = sorted(found[payer], key=lambda v: v.effective)
        current = max(
            (v for v in versions if v.effective <= today.isoformat()),
            key=lambda v: v.effective,
            default=None,
        )
        result[payer] = [PayerVersion(**{**vars(v), "in_force": v is current}) for v in versions]
    return result


def current_version(versions: Sequence[PayerVersion]) -> PayerVersion | None:
    return next((v for v in versions if v.in_force), versions[-1] if versions else None)
