"""The role → queue map covers the task catalogue."""

from __future__ import annotations

from models.task_catalog import KINDS
from web.access import ALL_QUEUES, ROLE_QUEUES, home_for, queues_for
from workflows.task_types import SUPERVISOR_QUEUE


def test_every_queue_of_the_catalogue_is_worked_by_a_role_below_supervisor() -> None:
    worked = {q for role, queues in ROLE_QUEUES.items() if role != "supervisor" for q in queues}
    kinds_queues = {k.queue for k in KINDS.values()} - {SUPERVISOR_QUEUE}
    assert kinds_queues <= worked


def test_a_supervisor_sees_every_queue_and_an_admin_none() -> None:
    assert set(queues_for({"supervisor"})) == set(ALL_QUEUES) >= {SUPERVISOR_QUEUE}
    assert queues_for({"admin"}) == ()
    assert home_for({"admin"}) == "/admin/users" and home_for({"admin", "biller"}) == "/inbox"


def test_a_user_with_two_roles_works_both_sets_of_queues_once() -> None:
    both = queues_for({"intake", "clinician"})
    assert set(both) == {"intake", "eligibility", "clinical"} and len(both) == len(set(both))
