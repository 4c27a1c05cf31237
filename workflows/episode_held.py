"""The EpisodeWorkflow's last bill when charges are still held outside the authorization.

A denied concurrent review (or none at all) leaves days the authorization does not cover
as held charges. Before the last bill the episode lists them (``episodes.build_claims``
with ``settle_held``: while any are held it builds nothing) and asks a biller in a
``held_days`` task: a retro-authorization was obtained (recorded like an approved
extension, which releases the days, then billed) or the days are written off — which a
supervisor approves in a ``write_off_approval`` task, as a claim's write-off is approved;
approved, the last bill records the write-off before it builds. Denied, the biller is asked
again. The task refuses a retro-authorization whose span leaves out a held day (it would
release nothing); days still held for another reason are asked about again.

``EpisodeHeldDays`` is not a workflow: ``workflows.episode`` holds one and calls ``settle``
from its closing stage (patch ``held-days-before-close``). It runs inside the workflow, so
it is imported into the sandbox.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from temporalio import workflow

from workflows.episode_authorization import EpisodeAuthorization
from workflows.episode_runtime import EpisodeRuntime

with workflow.unsafe.imports_passed_through():
    from workflows.episode_types import BuildClaimsResult, HeldWriteOff
    from workflows.task_types import TaskResult, TaskStatus

Bill = Callable[..., Awaitable[BuildClaimsResult | None]]


def cents(amount: int) -> str:
    return f"{amount // 100}.{amount % 100:02d}"


def held_context(built: BuildClaimsResult) -> dict[str, object]:
    """What the tasks show: every held day with its code, amount and why it was held."""
    return {
        "held": [
            {
                "charge_id": h.charge_id,
                "date": h.date,
                "code": h.code,
                "units": h.units,
                "charge_cents": h.charge_cents,
                "reason": h.reason,
            }
            for h in built.held
        ],
        "days": built.held_dates,
        "held_cents": built.held_cents,
    }


class EpisodeHeldDays:
    def __init__(self, rt: EpisodeRuntime, authorization: EpisodeAuthorization) -> None:
        self._rt = rt
        self._authorization = authorization

    async def settle(self, bill: Bill) -> None:
        """The last bill, once every held charge is billed or written off."""
        rt = self._rt
        eid = rt.inp.episode_id
        write_off: HeldWriteOff | None = None
        asked = 0
        while True:
            built = await bill(settle_held=True, write_off=write_off)
            write_off = None
            if built is None or not built.held:
                return  # billed: nothing (left) held
            asked += 1
            answer = await self._ask(built, asked)
            if answer.status is not TaskStatus.COMPLETED:
                await bill()  # withdrawn: bill what is billable, as before this patch
                return
            d = answer.data
            if d.get("decision") == "retro_authorization":
                await self._authorization.record(
                    "approved",
                    str(d.get("number", "")),
                    d.get("start"),
                    d.get("end"),
                    int(d.get("units") or 0),
                    "biller",
                    extend=True,
                    key=f"{eid}:held:{asked}",
                )
                continue  # released days are billed; any left held are asked about again
            approval = await self._approve(built, asked, str(d.get("reason", "")))
            if approval is not None:
                write_off = HeldWriteOff(
                    charge_ids=[h.charge_id for h in built.held],
                    reason=str(d.get("reason", "")),
                    approved_by=approval.completed_by or "",
                    key=f"{eid}:held-write-off:{asked}",
                    at=workflow.now().isoformat(),
                )

    async def _ask(self, built: BuildClaimsResult, n: int) -> TaskResult:
        days = built.held_dates
        reason = (
            f"{len(built.held)} charge(s) on {len(days)} day(s) ({', '.join(days)}), "
            f"{cents(built.held_cents)} in all, are held outside the authorization and "
            "would never be billed. A retro-authorization bills them; otherwise write them off "
            "(a supervisor approves)."
        )
        return await self._rt.start_task(
            "held_days",
            f"held-{n}",
            "Days held outside the authorization",
            reason,
            context=held_context(built),
            amount=built.held_cents,
        )

    async def _approve(self, built: BuildClaimsResult, n: int, why: str) -> TaskResult | None:
        """The supervisor's approval; None when denied or withdrawn (the biller is asked again)."""
        answer = await self._rt.start_task(
            "write_off_approval",
            f"held-write-off-{n}",
            "Approve write-off of held days",
            f"Write off {cents(built.held_cents)} held outside the authorization on "
            f"{', '.join(built.held_dates)}: {why}",
            context=held_context(built),
            amount=built.held_cents,
        )
        approved = (
            answer.status is TaskStatus.COMPLETED and answer.data.get("decision") == "approve"
        )
        return answer if approved else None
