"""Admin views of payers, rule-set files and the clearinghouse adapter.

The web may not import ``models.domain``, so rule sets are read as text from their
files by path; their header keys are read with ``tomllib`` for the table only.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

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
