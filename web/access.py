"""Who may see what: the role → queue map and the roles each screen admits, in one place."""

from __future__ import annotations

from collections.abc import Iterable

from models.task_catalog import KINDS
from workflows.task_types import SUPERVISOR_QUEUE

INTAKE, CLINICIAN, BILLER, SUPERVISOR, ADMIN = (
    "intake",
    "clinician",
    "biller",
    "supervisor",
    "admin",
)

# Every queue a task kind in the catalogue uses, plus the escalation queue.
ALL_QUEUES: tuple[str, ...] = tuple(
    sorted({kind.queue for kind in KINDS.values()} | {SUPERVISOR_QUEUE})
)

# Queues each role works. A supervisor sees every queue, including ``supervisor``
# (level-2 escalations and write-off approvals). Intake staff verify coverage as well
# as completing intake; clinicians get the documentation the claims are missing.
ROLE_QUEUES: dict[str, tuple[str, ...]] = {
    INTAKE: ("intake", "eligibility"),
    CLINICIAN: ("clinical",),
    BILLER: (
        "billing",
        "coding",
        "denials",
        "appeals",
        "authorizations",
        "eligibility",
        "credentialing",
        "intake",
    ),
    SUPERVISOR: ALL_QUEUES,
    ADMIN: (),
}

# Roles admitted by each screen (checked by the route guard on every request).
WORKERS = frozenset({INTAKE, CLINICIAN, BILLER, SUPERVISOR})
SUPERVISORS = frozenset({SUPERVISOR})
ADMINS = frozenset({ADMIN})
# Program staff register patients and document days; billers may read the episode page.
PROGRAM_STAFF = frozenset({INTAKE, CLINICIAN, SUPERVISOR, ADMIN})
PROGRAM_VIEWERS = PROGRAM_STAFF | {BILLER}
# Who records authorizations and edits coverage from the episode page (front desk and
# billing: they talk to the payer), not clinicians or admins.
COVERAGE_STAFF = frozenset({INTAKE, BILLER, SUPERVISOR})
ANY_STAFF = frozenset({INTAKE, CLINICIAN, BILLER, SUPERVISOR, ADMIN})


def queues_for(roles: Iterable[str]) -> tuple[str, ...]:
    """The user's queues in a stable order (first role's order, then the rest)."""
    seen: dict[str, None] = {}
    for role in sorted(roles):
        for queue in ROLE_QUEUES.get(role, ()):
            seen.setdefault(queue, None)
    return tuple(seen)


def sees_all_queues(roles: Iterable[str]) -> bool:
    return SUPERVISOR in set(roles)


def home_for(roles: Iterable[str]) -> str:
    """Where a user lands after logging in."""
    role_set = set(roles)
    if role_set & WORKERS:
        return "/inbox"
    return "/admin/users"
