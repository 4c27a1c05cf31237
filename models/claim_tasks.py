"""Task kinds and forms of the ClaimWorkflow and the clearinghouse inbox, and the
billing queue's ``held_days`` task the EpisodeWorkflow opens before its last bill.

Every claim task kind has a queue, an SLA in days and a typed form. The claim
correction forms (fix claim, fix rejected claim, corrected claim) share one set of
fields; each scrubber finding or payer message is shown on the form field that
``form_field_for`` maps it to (the task context carries ``field_notes``: form field →
message). Pure data and pure functions: the workflow sandbox validates these forms.
"""

from __future__ import annotations

import re

from models.domain import denials
from models.domain.denials import Action
from models.episode_tasks import AUTHORIZATION_GRANT_FIELDS
from models.forms import (
    CoversDates,
    FieldType,
    FormField,
    FormSchema,
    OnFile,
    RequiredWhen,
    register,
)
from models.task_kinds import TaskKind, register_kind

GENERAL_FIELD = "note"

# -- the claim correction fields ---------------------------------------------------------
_NPI = r"\d{10}"
_CORRECTION_FIELDS: tuple[FormField, ...] = (
    FormField(
        name="prior_auth_number",
        label="Authorization number (REF*G1)",
        required=False,
        pattern=r"[A-Za-z0-9-]{1,30}",
        pattern_hint="1–30 letters, digits or '-'",
        max_length=30,
    ),
    FormField(
        name="diagnosis_codes",
        label="Diagnosis codes",
        required=False,
        pattern=r"[A-Za-z][0-9][0-9A-Za-z](\.?[0-9A-Za-z]{1,4})?(\s*,\s*[A-Za-z][0-9][0-9A-Za-z](\.?[0-9A-Za-z]{1,4})?){0,11}",
        pattern_hint="ICD-10-CM codes separated by commas, e.g. F33.1, F41.1",
        hint="replaces the claim's diagnosis list",
    ),
    FormField(
        name="billing_npi",
        label="Billing NPI",
        required=False,
        pattern=_NPI,
        pattern_hint="10 digits",
    ),
    FormField(
        name="billing_taxonomy",
        label="Billing taxonomy",
        required=False,
        pattern=r"\d{3}[0-9A-Za-z]{6}[Xx]",
        pattern_hint="10 characters ending in X",
    ),
    FormField(
        name="rendering_npi",
        label="Rendering NPI (every line)",
        required=False,
        pattern=_NPI,
        pattern_hint="10 digits",
    ),
    FormField(
        name="pos",
        label="Place of service (every line)",
        required=False,
        pattern=r"\d{2}",
        pattern_hint="2 digits",
    ),
    FormField(
        name="modifiers",
        label="Modifiers (every line)",
        required=False,
        pattern=r"[0-9A-Za-z]{2}(\s*,\s*[0-9A-Za-z]{2}){0,3}",
        pattern_hint="up to 4 two-character modifiers separated by commas",
    ),
    FormField(name="subscriber_id", label="Member id", required=False, max_length=64),
    FormField(name="subscriber_first_name", label="Subscriber first name", required=False),
    FormField(name="subscriber_last_name", label="Subscriber last name", required=False),
    FormField(
        name="subscriber_birth_date",
        label="Subscriber birth date",
        type=FieldType.DATE,
        required=False,
        not_future=True,
    ),
    FormField(
        name=GENERAL_FIELD,
        label="What you changed",
        type=FieldType.TEXTAREA,
        required=False,
        max_length=2000,
    ),
)
CORRECTION_FIELD_NAMES = tuple(f.name for f in _CORRECTION_FIELDS if f.name != GENERAL_FIELD)

_CLAIM_FIELD_TO_FORM = {
    "prior_auth_number": "prior_auth_number",
    "authorization_number": "prior_auth_number",
    "diagnosis_codes": "diagnosis_codes",
    "diagnosis_pointers": "diagnosis_codes",
    "billing_npi": "billing_npi",
    "billing_taxonomy": "billing_taxonomy",
    "rendering_npi": "rendering_npi",
    "pos": "pos",
    "modifiers": "modifiers",
    "subscriber_id": "subscriber_id",
    "subscriber_first_name": "subscriber_first_name",
    "subscriber_last_name": "subscriber_last_name",
    "subscriber_birth_date": "subscriber_birth_date",
}
_PREFIX = re.compile(r"^(claim\.|lines?(\[\d+\])?\.)")


def form_field_for(claim_field: str) -> str:
    """The correction-form field that fixes ``claim_field`` (a finding's or a payer's field).

    ``lines[2].rendering_npi`` → ``rendering_npi``, ``claim.prior_auth_number`` →
    ``prior_auth_number``, ``diagnosis_codes[1]`` → ``diagnosis_codes``; anything the
    form cannot change lands on the general ``note`` field.
    """
    name = claim_field.strip()
    while True:
        stripped = _PREFIX.sub("", name)
        if stripped == name:
            break
        name = stripped
    name = re.sub(r"\[\d+\]$", "", name)
    return _CLAIM_FIELD_TO_FORM.get(name, GENERAL_FIELD)


def _decision(name: str, label: str, *choices: tuple[str, str]) -> FormField:
    return FormField(name=name, label=label, type=FieldType.CHOICE, choices=choices)


_NOTE = FormField(
    name="note", label="Note", type=FieldType.TEXTAREA, required=False, max_length=2000
)

# -- schemas -------------------------------------------------------------------------------
# Where the task lists the authorizations on file that cover the claim's dates (the
# scrubber's and the denial router's "authorizations"), a correction must name one of them.
_AUTH_ON_FILE = (
    OnFile(
        field="prior_auth_number",
        context_key="authorizations",
        what="an authorization on file that covers this claim's dates (record a new one "
        "on the episode page first)",
    ),
)
FIX_CLAIM = register(
    FormSchema(
        name="fix_claim", title="Fix the claim", fields=_CORRECTION_FIELDS, on_file=_AUTH_ON_FILE
    )
)
FIX_REJECTED_CLAIM = register(
    FormSchema(
        name="fix_rejected_claim",
        title="Fix the rejected claim",
        fields=_CORRECTION_FIELDS,
        on_file=_AUTH_ON_FILE,
    )
)
CORRECTED_CLAIM = register(
    FormSchema(
        name="corrected_claim",
        title="Corrected claim (frequency 7)",
        fields=_CORRECTION_FIELDS,
        on_file=_AUTH_ON_FILE,
    )
)
MISSING_ACK = register(
    FormSchema(
        name="missing_ack",
        title="No acknowledgement from the payer",
        fields=(
            _decision(
                "decision",
                "What next",
                ("resubmit", "resubmit the claim"),
                ("accepted", "the payer portal shows the claim accepted"),
                ("keep_waiting", "keep waiting another watch window"),
            ),
            _NOTE,
        ),
    )
)
FINALIZED_DENIED = "finalized_denied"  # claim_status: the payer finalized a denial


def _carc_choices() -> tuple[tuple[str, str], ...]:
    """The CARCs of the denial-routing table (models.domain.denials) that route to work: a
    finalized denial is routed by its code as an 835 denial would be. CARC 45 (contractual)
    and the patient-share codes are not denials of the claim, so they are not offered."""
    codes = sorted(c for c in denials._BY_CARC if denials._BY_CARC[c].action is not Action.ADJUST)
    return tuple((str(c), f"{c} — {denials._BY_CARC[c].category.replace('_', ' ')}") for c in codes)


CLAIM_STATUS = register(
    FormSchema(
        name="claim_status",
        title="Claim status follow-up",
        fields=(
            _decision(
                "next_step",
                "What you did",
                ("waiting", "payer is processing: keep waiting"),
                ("info_sent", "sent the information the payer asked for"),
                ("called", "called the payer"),
                (FINALIZED_DENIED, "the payer finalized this claim as denied: work the denial"),
            ),
            FormField(
                name="carc",
                label="Denial reason code (CARC) on the portal or 277",
                type=FieldType.CHOICE,
                required=False,
                choices=_carc_choices(),
                hint="routes the denial as an 835 with this code would; nothing is posted",
            ),
            FormField(
                name="group",
                label="Group code",
                type=FieldType.CHOICE,
                required=False,
                choices=(("CO", "CO contractual"), ("OA", "OA other"), ("PI", "PI payer")),
                hint="CO when left empty",
            ),
            FormField(
                name="rarcs",
                label="Remark codes (RARC)",
                required=False,
                pattern=r"[A-Za-z]{1,2}\d{1,4}(\s*,\s*[A-Za-z]{1,2}\d{1,4}){0,4}",
                pattern_hint="up to 5 remark codes separated by commas, e.g. N115, MA130",
            ),
            FormField(
                name="decision_date",
                label="Date of the denial notice",
                type=FieldType.DATE,
                required=False,
                not_future=True,
                hint="appeal deadlines count from it; today when left empty",
            ),
            FormField(
                name="payer_claim_number",
                label="Payer claim number",
                required=False,
                pattern=r"[A-Za-z0-9-]{1,50}",
                pattern_hint="1–50 letters, digits or '-'",
            ),
            FormField(name="reference", label="Call reference", required=False, max_length=60),
            _NOTE,
        ),
        required_when=(
            RequiredWhen(field="next_step", values=(FINALIZED_DENIED,), required=("carc",)),
        ),
    )
)
WRITE_APPEAL = register(
    FormSchema(
        name="write_appeal",
        title="Write the appeal",
        fields=(
            _decision(
                "decision",
                "Decision",
                ("send", "send the appeal"),
                ("do_not_appeal", "do not appeal (ask for a write-off)"),
            ),
            FormField(
                name="letter",
                label="Appeal letter (leave empty to send the draft)",
                type=FieldType.TEXTAREA,
                required=False,
                max_length=20000,
            ),
            _NOTE,
        ),
    )
)
APPEAL_OUTCOME = register(
    FormSchema(
        name="appeal_outcome",
        title="Record the appeal outcome",
        fields=(
            _decision(
                "outcome",
                "Payer decision",
                ("overturned", "overturned: the payer will pay"),
                ("upheld", "upheld: denial stands"),
            ),
            FormField(
                name="decision_date",
                label="Date of the decision notice",
                type=FieldType.DATE,
                not_future=True,
            ),
            _NOTE,
        ),
    )
)
WRITE_OFF_APPROVAL = register(
    FormSchema(
        name="write_off_approval",
        title="Approve the write-off",
        fields=(
            _decision(
                "decision",
                "Decision",
                ("approve", "approve the write-off"),
                ("deny", "deny: keep working the claim"),
            ),
            _NOTE,
        ),
    )
)
UNDERPAYMENT_REVIEW = register(
    FormSchema(
        name="underpayment_review",
        title="Review the underpayment",
        fields=(
            _decision(
                "decision",
                "Decision",
                ("accept", "accept the payment"),
                ("dispute", "dispute with the payer"),
            ),
            _NOTE,
        ),
    )
)
POSTING_REVIEW = register(
    FormSchema(
        name="posting_review",
        title="Remittance could not be posted",
        fields=(
            _decision(
                "decision",
                "Decision",
                ("await_corrected", "wait for a corrected remittance from the payer"),
                ("contacted_payer", "contacted the payer about the remittance"),
            ),
            _NOTE,
        ),
    )
)


def _worked(name: str, title: str, *choices: tuple[str, str]) -> FormSchema:
    return register(
        FormSchema(
            name=name,
            title=title,
            fields=(_decision("result", "Result", *choices), _NOTE),
        )
    )


VERIFY_COB = _worked(
    "verify_cob",
    "Verify coordination of benefits",
    ("primary_confirmed", "this payer is primary: reprocess requested"),
    ("billed_other_primary", "billed the right primary payer"),
)
CREDENTIALING = _worked(
    "credentialing",
    "Credentialing problem",
    ("fixed", "enrolment fixed with the payer"),
    ("cannot_fix", "cannot be fixed"),
)
RECORDS_REQUEST = _worked(
    "records_request",
    "Send the requested records",
    ("sent", "records sent"),
    ("not_available", "records not available"),
)
PATIENT_RESPONSIBILITY = _worked(
    "patient_responsibility",
    "Bill the patient's share",
    ("billed_patient", "statement sent to the patient"),
    ("billed_secondary", "billed the secondary payer"),
)
GENERAL_REVIEW = _worked(
    "general_review",
    "Review the denial",
    ("worked", "worked; nothing more to do"),
    ("escalated", "escalated outside iopbill"),
)


# -- the episode's last bill: charges held outside the authorization ------------------------
HELD_DAYS = register(
    FormSchema(
        name="held_days",
        title="Days held outside the authorization",
        fields=(
            _decision(
                "decision",
                "Decision",
                ("retro_authorization", "a retro-authorization was obtained: bill the days"),
                ("write_off", "write the days off (a supervisor approves)"),
            ),
            *AUTHORIZATION_GRANT_FIELDS,
            FormField(
                name="reason",
                label="Why write them off",
                type=FieldType.TEXTAREA,
                required=False,
                max_length=500,
            ),
            _NOTE,
        ),
        required_when=(
            RequiredWhen(
                field="decision",
                values=("retro_authorization",),
                required=("number", "start", "end", "units"),
                positive=("units",),
            ),
            RequiredWhen(field="decision", values=("write_off",), required=("reason",)),
        ),
        covers=(
            CoversDates(
                field="decision",
                values=("retro_authorization",),
                first="start",
                last="end",
                context_key="days",
            ),
        ),
        ordered_dates=(("start", "end"),),
    )
)


# -- kinds ---------------------------------------------------------------------------------
def _kind(
    name: str, queue: str, label: str, sla: float, escalate: float, priority: int = 3
) -> None:
    register_kind(
        TaskKind(
            name=name,
            queue=queue,
            form_schema=name,
            label=label,
            sla_days=sla,
            escalate_days=escalate,
            priority=priority,
        )
    )


_kind("fix_claim", "billing", "Fix claim", 2, 2, 2)
_kind("fix_rejected_claim", "billing", "Fix rejected claim", 2, 2, 2)
_kind("missing_ack", "billing", "Missing acknowledgement", 1, 2, 2)
_kind("claim_status", "billing", "Claim status follow-up", 5, 5)
_kind("corrected_claim", "coding", "Corrected claim", 5, 5, 2)
_kind("write_appeal", "appeals", "Write appeal", 10, 10, 2)
_kind("appeal_outcome", "appeals", "Appeal outcome", 45, 15)
_kind("write_off_approval", "supervisor", "Write-off approval", 3, 3, 2)
_kind("underpayment_review", "denials", "Underpayment review", 10, 10)
_kind("posting_review", "billing", "Remittance posting refused", 2, 2, 2)
_kind("verify_cob", "billing", "Verify coordination of benefits", 5, 5)
_kind("credentialing", "credentialing", "Credentialing", 10, 10)
_kind("records_request", "billing", "Records request", 5, 5, 2)
_kind("patient_responsibility", "billing", "Patient responsibility", 10, 10, 4)
_kind("general_review", "denials", "Denial review", 5, 5)
_kind("held_days", "billing", "Days held outside the authorization", 3, 3, 2)  # the episode's

CLAIM_TASK_KINDS = (
    "fix_claim",
    "fix_rejected_claim",
    "missing_ack",
    "claim_status",
    "corrected_claim",
    "write_appeal",
    "appeal_outcome",
    "write_off_approval",
    "underpayment_review",
    "posting_review",
    "verify_cob",
    "credentialing",
    "records_request",
    "patient_responsibility",
    "general_review",
)
