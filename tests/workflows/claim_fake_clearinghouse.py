"""Fake clearinghouse activities for ClaimWorkflow tests, under the real activity names.

They write the outbound 837 (built from the stored claim with ``models.x12``) into
x12_files and remember every call per claim, so tests can answer with the notices the
inbox workflow would send.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.domain_json import from_json
from models.db.billing_tables import ClaimRow, X12File
from models.domain import Claim
from models.x12 import (
    Address,
    Batch837,
    BillingProvider,
    Claim837,
    ClaimForm,
    Envelope,
    Party,
    Payer,
    Person,
    ServiceLine,
    Subscriber,
    write_837,
)
from workflows.claim_types import (
    AppealInput,
    SentFileResult,
    StatusInquiryInput,
    SubmitClaimInput,
)

ADDRESS = Address(line1="1 Main St", city="Springfield", state="IL", postal_code="627011234")


def claim_837(claim: Claim, control: int, now: datetime) -> str:
    """The 837P text of a domain claim (enough of it for the tests to read back)."""
    person = Person(
        last_name=claim.subscriber_last_name,
        first_name=claim.subscriber_first_name,
        birth_date=claim.subscriber_birth_date,
        gender="U",
        address=ADDRESS,
    )
    c837 = Claim837(
        form=ClaimForm.PROFESSIONAL,
        patient_control_number=claim.claim_id.replace(":", "-")[:38],
        subscriber=Subscriber(person=person, member_id=claim.subscriber_id or "UNKNOWN"),
        payer=Payer(name=claim.payer_id.upper(), payer_id="PAYER1"),
        diagnosis_codes=tuple(dx.replace(".", "") for dx in claim.diagnosis_codes),
        lines=tuple(
            ServiceLine(
                procedure_code=line.code,
                charge_cents=line.charge_cents,
                service_date=line.date_of_service,
                units=line.units,
                modifiers=line.modifiers,
                diagnosis_pointers=line.diagnosis_pointers,
            )
            for line in claim.lines
        ),
        frequency_code=str(claim.frequency_code),
        original_claim_number=claim.original_claim_number,
        prior_authorization=claim.prior_auth_number,
        place_of_service=claim.lines[0].pos or "52",
    )
    batch = Batch837(
        control_number=f"{control:04d}",
        reference=f"B{control}",
        created=now,
        submitter=Party(name="IOPBILL TEST", id="SUBMITTER1"),
        receiver=Party(name="CLEARINGHOUSE", id="RECEIVER1"),
        billing_provider=BillingProvider(
            name="TEST IOP",
            npi=claim.billing_npi,
            tax_id="123456789",
            address=ADDRESS,
            taxonomy=claim.billing_taxonomy,
        ),
        claims=(c837,),
    )
    env = Envelope(
        sender_id="SUBMITTER1",
        receiver_id="RECEIVER1",
        interchange_control_number=control,
        group_control_number=control,
        created=now,
    )
    return write_837(env, [batch])


class FakeClearinghouse:
    """Records every call per claim id: ``calls[claim_id]`` = [(activity name, input)]."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self.calls: dict[str, list[tuple[str, Any]]] = {}

    def _record(self, claim_id: str, name: str, inp: Any) -> int:
        self.calls.setdefault(claim_id, []).append((name, inp))
        return len(self.calls[claim_id])

    def names(self, claim_id: str) -> list[str]:
        return [name for name, _ in self.calls.get(claim_id, [])]

    @activity.defn(name="clearinghouse.submit_claim")
    def submit_claim(self, inp: SubmitClaimInput) -> SentFileResult:
        n = self._record(inp.claim_id, "submit_claim", inp)
        now = datetime.fromisoformat(inp.now)
        with self._sessions() as s, s.begin():
            row = s.get(ClaimRow, inp.claim_id)
            assert row is not None
            text = claim_837(from_json(Claim, row.claim), 100 + n, now)
            name = f"837P-{inp.claim_id}-{n}.x12"
            f = X12File(
                direction="out",
                kind="837P",
                name=name,
                sha256=f"{inp.claim_id}:{n}",
                content=text,
                claim_ids=[inp.claim_id],
            )
            s.add(f)
            s.flush()
            return SentFileResult(x12_file_id=f.id, name=name, control_number=str(100 + n))

    @activity.defn(name="clearinghouse.send_status_inquiry")
    def send_status_inquiry(self, inp: StatusInquiryInput) -> SentFileResult:
        n = self._record(inp.claim_id, "send_status_inquiry", inp)
        return SentFileResult(x12_file_id=0, name=f"276-{inp.claim_id}-{n}.x12")

    @activity.defn(name="clearinghouse.send_appeal")
    def send_appeal(self, inp: AppealInput) -> SentFileResult:
        n = self._record(inp.claim_id, "send_appeal", inp)
        return SentFileResult(x12_file_id=0, name=f"appeal-{inp.claim_id}-{inp.level}-{n}.pdf")

    def activities(self) -> list[Callable[..., Any]]:
        return [self.submit_claim, self.send_status_inquiry, self.send_appeal]
