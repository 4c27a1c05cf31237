"""Fake clearinghouse activities under the real names: they record what was sent."""

from __future__ import annotations

from temporalio import activity

from workflows.claim_types import SentFileResult
from workflows.episode_types import AuthRequestInput, EligibilityInquiryInput

SENT: list[tuple[str, str]] = []


@activity.defn(name="clearinghouse.send_eligibility")
def send_eligibility(inp: EligibilityInquiryInput) -> SentFileResult:
    SENT.append(("270", inp.episode_id))
    return SentFileResult(x12_file_id=len(SENT), name=f"270-{inp.episode_id}")


@activity.defn(name="clearinghouse.request_authorization")
def request_authorization(inp: AuthRequestInput) -> SentFileResult:
    SENT.append(("AUTHREQ", inp.episode_id))
    return SentFileResult(x12_file_id=len(SENT), name=f"auth-{inp.episode_id}")


FAKES = [send_eligibility, request_authorization]
