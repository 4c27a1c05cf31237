"""Task kinds and forms of the EpisodeWorkflow (beyond intake). Owned by the episode."""

from __future__ import annotations

from models.forms import FieldType, FormField, FormSchema, RequiredWhen, register
from models.task_kinds import TaskKind, register_kind

PAYER_CHOICES = (
    ("medicare", "Medicare"),
    ("medicaid_state", "State Medicaid"),
    ("commercial_alpha", "Alpha Health Plan"),
    ("commercial_beta", "Beta Behavioral Health"),
    ("commercial_gamma", "Gamma Employer Benefits"),
)
_NOTE = FormField(
    name="note", label="Note", type=FieldType.TEXTAREA, required=False, max_length=2000
)
_AUTH_NUMBER = FormField(
    name="number",
    label="Authorization number",
    required=False,
    pattern=r"[A-Za-z0-9-]{3,30}",
    pattern_hint="3–30 letters, digits or '-'",
)
# What a payer's authorization grants, as a biller types it: the authorization task and
# the held-days retro-authorization (models/claim_tasks.py) ask for the same fields.
AUTHORIZATION_GRANT_FIELDS: tuple[FormField, ...] = (
    _AUTH_NUMBER,
    FormField(name="start", label="First authorized day", type=FieldType.DATE, required=False),
    FormField(name="end", label="Last authorized day", type=FieldType.DATE, required=False),
    FormField(
        name="units",
        label="Units (days) authorized",
        type=FieldType.INTEGER,
        required=False,
        minimum=0,
        maximum=365,
    ),
)

register(
    FormSchema(
        name="resolve_eligibility",
        title="Resolve eligibility",
        fields=(
            FormField(
                name="action",
                label="Resolution",
                type=FieldType.CHOICE,
                choices=(
                    ("confirmed_active", "Coverage confirmed active (portal / phone)"),
                    ("update_coverage", "Corrected member id: check again"),
                    ("switch_payer", "Patient has another payer: switch"),
                    ("self_pay", "No coverage: self-pay"),
                ),
            ),
            FormField(
                name="member_id",
                label="Member id",
                required=False,
                pattern=r"[A-Za-z0-9][A-Za-z0-9-]{2,29}",
                pattern_hint="3–30 letters, digits or '-'",
            ),
            FormField(
                name="payer_id",
                label="Payer",
                type=FieldType.CHOICE,
                required=False,
                choices=PAYER_CHOICES,
            ),
            _NOTE,
        ),
    )
)

AUTHORIZATION = register(
    FormSchema(
        name="authorization",
        title="Record the payer's authorization decision",
        fields=(
            FormField(
                name="status",
                label="Decision",
                type=FieldType.CHOICE,
                choices=(
                    ("approved", "Approved"),
                    ("partial", "Partially approved"),
                    ("denied", "Denied"),
                ),
            ),
            *AUTHORIZATION_GRANT_FIELDS,
            _NOTE,
        ),
        # The one statement of "a grant needs its number, days and units": the biller's
        # task form, the episode page's enter_authorization validator
        # (workflows.authorization_entry) and, as a last line, the activity that records
        # the grant (AuthIncomplete) all check it, so an incomplete answer is refused
        # where it is typed instead of failing the episode.
        required_when=(
            RequiredWhen(
                field="status",
                values=("approved", "partial"),
                required=("number", "start", "end", "units"),
                positive=("units",),
            ),
        ),
        ordered_dates=(("start", "end"),),
    )
)

register(
    FormSchema(
        name="concurrent_review",
        title="Concurrent review: extend the authorization",
        fields=(
            FormField(
                name="status",
                label="Outcome",
                type=FieldType.CHOICE,
                choices=(("approved", "Extension approved"), ("denied", "Extension denied")),
            ),
            _AUTH_NUMBER,
            FormField(
                name="end", label="New last authorized day", type=FieldType.DATE, required=False
            ),
            FormField(
                name="units",
                label="Additional units",
                type=FieldType.INTEGER,
                required=False,
                minimum=0,
                maximum=365,
            ),
            _NOTE,
        ),
    )
)

register(
    FormSchema(
        name="missing_documentation",
        title="Document an attended day",
        fields=(
            FormField(
                name="action",
                label="What happened",
                type=FieldType.CHOICE,
                choices=(
                    ("will_document", "The clinician is documenting it now"),
                    ("not_attended", "The patient did not attend after all"),
                ),
            ),
            _NOTE,
        ),
    )
)

for _kind in (
    TaskKind(
        name="resolve_eligibility",
        queue="eligibility",
        form_schema="resolve_eligibility",
        label="Resolve eligibility",
        sla_days=1,
        escalate_days=1,
        priority=2,
    ),
    TaskKind(
        name="authorization",
        queue="authorizations",
        form_schema="authorization",
        label="Authorization follow-up",
        sla_days=2,
        escalate_days=2,
        priority=2,
    ),
    TaskKind(
        name="concurrent_review",
        queue="authorizations",
        form_schema="concurrent_review",
        label="Concurrent review",
        sla_days=2,
        escalate_days=1,
        priority=2,
    ),
    TaskKind(
        name="missing_documentation",
        queue="clinical",
        form_schema="missing_documentation",
        label="Missing documentation",
        sla_days=1,
        escalate_days=1,
        priority=3,
    ),
):
    register_kind(_kind)
