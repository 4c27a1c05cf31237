"""The task page about a claim: lines, scrubber findings at their fields, denials with
CARC/RARC, remittances, the authorization ledger and the raw X12 when wanted."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from models.db import claims as claim_repo
from models.db.billing_tables import AuthorizationRow, ChargeRow, ClaimRow, Denial, X12File
from models.db.tables import Task
from tests.web.conftest import add_task


def claim_task(sessions: sessionmaker[Session]) -> str:
    task_id = add_task(sessions, claim_id="CLM-42", queue="billing", kind="fix_claim")
    episode = f"E-{task_id}"
    with sessions() as s, s.begin():
        s.execute(update(Task).where(Task.id == task_id).values(form_schema="fix_claim"))
        claim_repo.add_claim(
            s,
            ClaimRow(
                id="CLM-42",
                episode_id=episode,
                payer_id="medicare",
                form="837I",
                period_start=date(2026, 11, 2),
                period_end=date(2026, 11, 6),
                total_cents=150000,
                open_cents=150000,
                status="denied",
                findings=[
                    {
                        "edit": "AUTH-1",
                        "severity": "error",
                        "field": "prior_auth_number",
                        "message": "the payer requires an authorization number",
                    },
                    {
                        "edit": "DX-2",
                        "severity": "warning",
                        "field": "claim",
                        "message": "secondary diagnosis unusual for IOP",
                    },
                ],
            ),
        )
        s.add(
            ChargeRow(
                id=f"{episode}:2026-11-02:1",
                episode_id=episode,
                payer_id="medicare",
                day=date(2026, 11, 2),
                code="S9480",
                revenue_code="0905",
                units=1,
                charge_cents=150000,
                claim_id="CLM-42",
            )
        )
        s.add(
            Denial(
                id="p1:CO:197",
                claim_id="CLM-42",
                payer_id="medicare",
                group_code="CO",
                carc="197",
                rarcs=["N54"],
                amount_cents=150000,
                queue="billing",
                action="corrected_claim",
                reason="Precertification/authorization absent",
            )
        )
        s.add(
            AuthorizationRow(
                id="A-1",
                episode_id=episode,
                payer_id="medicare",
                number="AUTH-778",
                codes=["S9480"],
                start=date(2026, 11, 1),
                end=date(2026, 11, 30),
                units=12,
                units_used=5,
            )
        )
        s.add(
            X12File(
                direction="out",
                kind="837I",
                name="claim-42.x12",
                sha256="0" * 64,
                content="ISA*00*~CLM*CLM-42*1500***13:A:1~",
                claim_ids=["CLM-42"],
                episode_id=episode,
            )
        )
    return task_id


async def test_a_claim_task_shows_everything_needed_to_act(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    task_id = claim_task(web_sessions)
    page = (await (await as_role("biller")).get(f"/tasks/{task_id}")).text
    assert "Claim CLM-42 · denied" in page and "$1,500.00" in page
    assert "S9480" in page and "0905" in page  # the line
    assert "197" in page and "N54" in page and "Precertification/authorization absent" in page
    assert "AUTH-778" in page and "5 / 12" in page  # the authorization ledger
    assert '<details class="x12">' in page and "CLM*CLM-42*1500" in page  # raw X12
    field = page.split('id="f-prior_auth_number"')[1].split("</div>")[0]
    assert "AUTH-1: the payer requires an authorization number" in field
    assert "DX-2" in page  # a finding about no form field is listed with the claim


async def test_denial_codes_carry_our_short_explanations(
    web_sessions: sessionmaker[Session], as_role: Any
) -> None:
    task_id = claim_task(web_sessions)
    page = (await (await as_role("biller")).get(f"/tasks/{task_id}")).text
    carc = page.split('<td class="carc">')[1].split("</td>")[0]
    assert "197" in carc and "authorization missing, denied or obtained late" in carc
    rarc = page.split('<td class="rarc">')[1].split("</td>")[0]
    assert "N54" in rarc and "differs from the authorization" in rarc
    assert 'title="contractual: not billable to the patient"' in page
