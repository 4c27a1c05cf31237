"""Load the shipped payer rule sets (the only module in ``models.domain`` that reads files).

Files live beside this module (``models/domain/rulesets/*.toml``); each holds one version
of one payer's rules. :func:`load_ruleset` picks the version in effect on a date; a running episode
keeps the version it started with by calling :func:`load_ruleset_version`.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import lru_cache
from importlib import resources

from models.domain.ruleset_schema import RuleSet, RuleSetError, parse_ruleset
from models.domain.values import DomainError

PACKAGE = __name__


def parse_ruleset_text(text: str, file: str) -> RuleSet:
    """Decode TOML text and validate it; syntax errors also name the file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleSetError(file, "(syntax)", str(exc)) from exc
    return parse_ruleset(data, file)


@lru_cache(maxsize=1)
def _all() -> tuple[RuleSet, ...]:
    files = sorted(
        (entry for entry in resources.files(PACKAGE).iterdir() if entry.name.endswith(".toml")),
        key=lambda entry: entry.name,
    )
    rulesets = tuple(parse_ruleset_text(f.read_text(encoding="utf-8"), f.name) for f in files)
    return check_unique(rulesets)


def check_unique(rulesets: tuple[RuleSet, ...]) -> tuple[RuleSet, ...]:
    """Refuse two files with the same (id, version) or the same (id, effective date)."""
    seen: dict[tuple[str, str], str] = {}
    for rs in rulesets:
        for key in ((rs.id, "version " + rs.version), (rs.id, "effective " + str(rs.effective))):
            if key in seen:
                raise RuleSetError(rs.source, key[1].split()[0], f"same as in {seen[key]}")
            seen[key] = rs.source
    return rulesets


def list_rulesets() -> tuple[RuleSet, ...]:
    """Every shipped rule-set version, ordered by payer id then effective date."""
    return tuple(sorted(_all(), key=lambda rs: (rs.id, rs.effective)))


def select_ruleset(rulesets: tuple[RuleSet, ...], payer_id: str, as_of: date) -> RuleSet:
    """The version of ``payer_id`` in effect on ``as_of`` (latest effective date ≤ as_of)."""
    versions = [rs for rs in rulesets if rs.id == payer_id]
    if not versions:
        raise DomainError("payer_id", payer_id, "no rule set for this payer")
    in_effect = [rs for rs in versions if rs.effective <= as_of]
    if not in_effect:
        raise DomainError("as_of", as_of.isoformat(), f"no {payer_id} rule set in effect yet")
    return max(in_effect, key=lambda rs: rs.effective)


def load_ruleset(payer_id: str, as_of: date) -> RuleSet:
    """The shipped rule set of ``payer_id`` in effect on ``as_of``."""
    return select_ruleset(_all(), payer_id, as_of)


def load_ruleset_version(payer_id: str, version: str) -> RuleSet:
    """An exact version: what a running episode uses to keep the rules it started with."""
    for rs in _all():
        if rs.id == payer_id and rs.version == version:
            return rs
    raise DomainError("version", f"{payer_id}@{version}", "no such rule-set version")


def payer_ids() -> tuple[str, ...]:
    """Distinct payer ids with at least one shipped rule set."""
    return tuple(sorted({rs.id for rs in _all()}))
