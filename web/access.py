"""Who may see what: the role → queue map and the roles each screen admits, in one place."""

from __future__ import annotations

from collections.abc import Iterable

from workflows.task_types import SUPERVISOR_QUEUE

INTAKE, CLINICIAN, BILLER, SUPERVISOR, ADMIN = (
    "intake",
    "clinician",
    "biller",
    "supervisor",
    "admin",
)

# Queues each role works. Queue names match ``models.task_kinds`` (today only ``intake``
# has a task kind; the others are where the claims and denial issues will put theirs).
# A supervisor sees every queue, including the escalation queue ``supervisor``.
ROLE_QUEUES: dict[str, tuple[str, ...]] = {
    INTAKE: ("intake",),
    CLINICIAN: ("documentation",),
    BILLER: ("intake", "eligibility", "authorizations", "claims", "denials", "payments"),
    SUPERVISOR: (
        "intake",
        "documentation",
        "eligibility",
        "authorizations",
        "claims",
        "denials",
        "payments",
        SUPERVISOR_QUEUE,
    ),
    ADMIN: (),
}

# Roles admitted by each screen (checked by the route guard on every request).
WORKERS = frozenset({INTAKE, CLINICIAN, BILLER, SUPERVISOR})
SUPERVISORS = frozenset({SUPERVISOR})
ADMINS = frozenset({ADMIN})
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
