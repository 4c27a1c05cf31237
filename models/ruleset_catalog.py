"""Where the shipped rule-set files and the versions an admin added meet.

Activities choose rule sets here (``in_force`` by date at admission, ``version`` for a
pinned version), so an added version is seen by every episode admitted — and every
claim whose rules are looked up by date — on or after its effective date. The admin
page validates a new version here with the same parser the files go through.
The choice itself stays pure: ``models.domain.rulesets.select_ruleset``.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from datetime import date

from sqlalchemy.orm import Session

from models.db import rulesets as repo
from models.domain.ruleset_schema import RuleSet, RuleSetError
from models.domain.rulesets import (
    check_unique,
    list_rulesets,
    parse_ruleset_text,
    select_ruleset,
)
from models.domain.values import DomainError

_PARSED: dict[str, RuleSet] = {}  # sha256 of a stored text → its rule set (rows never change)


def _parse_stored(row: repo.RuleSetVersionRow) -> RuleSet:
    digest = hashlib.sha256(row.text.encode()).hexdigest()
    found = _PARSED.get(digest)
    if found is None:
        found = _PARSED[digest] = parse_ruleset_text(row.text, source_name(row))
    return found


def source_name(row: repo.RuleSetVersionRow) -> str:
    """How an added version is named in messages: ``added:{payer}@{version}``."""
    return f"added:{row.payer_id}@{row.version}"


def rulesets_for(session: Session, payer_id: str) -> tuple[RuleSet, ...]:
    """Every version of one payer: the shipped files, then the added ones."""
    shipped = tuple(rs for rs in list_rulesets() if rs.id == payer_id)
    added = tuple(_parse_stored(row) for row in repo.versions(session, payer_id))
    return shipped + added


def in_force(session: Session, payer_id: str, as_of: date) -> RuleSet:
    """The version of ``payer_id`` in effect on ``as_of``, shipped or added."""
    return select_ruleset(rulesets_for(session, payer_id), payer_id, as_of)


def version(session: Session, payer_id: str, version: str) -> RuleSet:
    """An exact version (what a running episode pinned), shipped or added."""
    for rs in list_rulesets():
        if rs.id == payer_id and rs.version == version:
            return rs
    row = repo.get_version(session, payer_id, version)
    if row is None:
        raise DomainError("version", f"{payer_id}@{version}", "no such rule-set version")
    return _parse_stored(row)


class VersionRefused(Exception):
    """Why a new version was refused: the key it concerns, its line in the text, why."""

    def __init__(self, *, key: str, line: int | None, reason: str) -> None:
        where = f"line {line}: " if line else ""
        super().__init__(f"{where}{key}: {reason}")
        self.key, self.line, self.reason = key, line, reason


_SYNTAX_LINE = re.compile(r"at line (\d+)")


def _line_of(text: str, key: str) -> int | None:
    """The line that sets ``key`` (``a.b.c`` → ``c = …`` under ``[a.b]``), or the closest
    enclosing table or array it can find; None when nothing matches."""
    lines = text.splitlines()
    parts = [re.sub(r"\[\d+\]$", "", part) for part in key.split(".")]
    found, start = None, 0
    for i, part in enumerate(parts):
        header = re.compile(r"^\s*\[\s*" + re.escape(".".join(parts[: i + 1])) + r"\s*\]")
        setter = re.compile(r"^\s*" + re.escape(part) + r"\s*=")
        matches = (
            n
            for n, line in enumerate(lines)
            if n >= start and (header.match(line) or setter.match(line))
        )
        hit = next(matches, None)
        if hit is not None:  # 1-based line number = 0-based index of the next line
            found = start = hit + 1
    return found


def check_new_version(session: Session, payer_id: str, text: str, today: date) -> RuleSet:
    """Validate an admin's new version of ``payer_id``: the file parser's checks, the
    same payer, an effective date after ``today``, and no version or effective date the
    payer already has (shipped or added). Raises :class:`VersionRefused`."""
    name = f"new {payer_id} version"
    try:
        rules = parse_ruleset_text(text, name)
    except RuleSetError as exc:
        if exc.key == "(syntax)":
            found = _SYNTAX_LINE.search(str(exc.__cause__ or exc))
            line = int(found.group(1)) if found else None
            reason = str(exc.__cause__ or exc)
            raise VersionRefused(key="TOML", line=line, reason=reason) from None
        raise VersionRefused(key=exc.key, line=_line_of(text, exc.key), reason=exc.reason) from None
    except (DomainError, tomllib.TOMLDecodeError) as exc:
        raise VersionRefused(key="rule set", line=None, reason=str(exc)) from None
    if rules.id != payer_id:
        raise VersionRefused(
            key="id", line=_line_of(text, "id"), reason=f"must be {payer_id!r}, not {rules.id!r}"
        )
    if rules.effective <= today:
        raise VersionRefused(
            key="effective",
            line=_line_of(text, "effective"),
            reason=f"must be after today ({today}): versions in force are not changed",
        )
    try:
        check_unique((*rulesets_for(session, payer_id), rules))
    except RuleSetError as exc:
        raise VersionRefused(
            key=exc.key,
            line=_line_of(text, exc.key),
            reason=f"{payer_id} already has this {exc.key} "
            f"({exc.reason.removeprefix('same as in ')})",
        ) from None
    return rules


def add_version(
    session: Session, payer_id: str, text: str, *, today: date, created_by: str
) -> RuleSet:
    """Validate and store; a duplicate that slips in at the same moment is refused too."""
    rules = check_new_version(session, payer_id, text, today)
    try:
        repo.add_version(
            session,
            payer_id=payer_id,
            version=rules.version,
            effective=rules.effective,
            text=text,
            created_by=created_by,
        )
    except repo.DuplicateVersion as exc:
        raise VersionRefused(
            key="version", line=_line_of(text, "version"), reason=str(exc)
        ) from None
    return rules
