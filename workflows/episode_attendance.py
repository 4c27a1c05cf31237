"""What the EpisodeWorkflow's attendance loop watches besides billing: attended days not
documented in time ("missing documentation" tasks), the concurrent review before the
authorization runs out ("concurrent review" task), and when to wake up next.

``EpisodeAttendance`` is not a workflow: ``workflows.episode`` holds one and calls it from
its attendance loop. It runs inside the workflow, so it is imported into the sandbox.
"""

from __future__ import annotations

import asyncio
import functools
from datetime import date, timedelta

from temporalio import workflow

from workflows.episode_authorization import EpisodeAuthorization
from workflows.episode_runtime import EpisodeRuntime

with workflow.unsafe.imports_passed_through():
    from workflows.task_types import TaskResult, TaskStatus


class EpisodeAttendance:
    def __init__(self, rt: EpisodeRuntime, authorization: EpisodeAuthorization) -> None:
        self._rt = rt
        self._authorization = authorization

    def next_wake(self) -> timedelta:
        """How long the loop may sleep: until the next documentation due date or billing
        check without a task open for it, a week when there is neither."""
        rt = self._rt
        s = rt.s
        assert s.clock is not None
        dates = [
            date.fromisoformat(due)
            for day, due in s.expected.items()
            if f"{rt.inp.episode_id}-doc-{day}" not in rt.open_tasks
        ]
        if s.next_billing_check and not s.self_pay:
            dates.append(date.fromisoformat(s.next_billing_check))
        if not dates:
            return rt.days(7)
        wait = s.clock.until(workflow.now(), min(dates))
        return max(wait, timedelta(seconds=1))

    # -- concurrent review ------------------------------------------------------------------
    def review_due(self) -> bool:
        """A concurrent review is due: the forecast says so and none is open or settled."""
        s = self._rt.s
        due = self._latest_review_due()
        if due is None or due > self._rt.today().isoformat():
            return False
        if s.review_state == "open" or s.review_state == "denied":
            return False
        return s.review_handled_for is None or due > s.review_handled_for

    def _latest_review_due(self) -> str | None:
        """The review date forecast after the most recent documented day."""
        days = self._rt.s.documented
        return days[max(days)].review_due if days else None

    def maybe_open_review(self) -> None:
        s = self._rt.s
        if not self.review_due():
            return
        summary = s.documented[max(s.documented)]
        s.review_state = "open"
        task = self._rt.start_task(
            "concurrent_review",
            f"review-{summary.review_due}",
            "Concurrent review",
            f"Authorization forecast: {summary.units_remaining} unit(s) left, runs out "
            f"{summary.run_out}; review due {summary.review_due}",
            context={"run_out": summary.run_out, "units_remaining": summary.units_remaining},
        )
        task.add_done_callback(lambda t: asyncio.create_task(self._review_done(t)))

    async def _review_done(self, task: asyncio.Task[TaskResult]) -> None:
        rt = self._rt
        s = rt.s
        result = task.result()
        s.review_handled_for = rt.today().isoformat()
        if result.status is TaskStatus.WITHDRAWN and rt.review_override is not None:
            s.review_state, rt.review_override = rt.review_override, None
            return  # settled by an authorization entered on the episode page
        if result.status is not TaskStatus.COMPLETED or result.data.get("status") != "approved":
            s.review_state = "denied" if result.status is TaskStatus.COMPLETED else "none"
            return
        d = result.data
        await self._authorization.record(
            "approved",
            str(d.get("number", "")),
            None,
            d.get("end"),
            int(d.get("units") or 0),
            "biller",
            extend=True,
        )
        s.review_state = "none"
        rt.changed = True

    # -- missing documentation --------------------------------------------------------------
    def open_missing_documentation(self) -> None:
        rt = self._rt
        today = rt.today().isoformat()
        for day, due in list(rt.s.expected.items()):
            task_id = f"{rt.inp.episode_id}-doc-{day}"
            if due <= today and day not in rt.s.documented and task_id not in rt.open_tasks:
                task = rt.start_task(
                    "missing_documentation",
                    f"doc-{day}",
                    f"Document the day {day}",
                    f"Attended on {day} but not documented by {due}",
                    context={"date": day},
                )
                task.add_done_callback(functools.partial(self._documentation_done, day=day))

    def _documentation_done(self, task: asyncio.Task[TaskResult], *, day: str) -> None:
        result = task.result()
        if result.status is TaskStatus.COMPLETED and result.data.get("action") == "not_attended":
            self._rt.s.expected.pop(day, None)
