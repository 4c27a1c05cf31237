"""The clearinghouse inbox's task: a file that could not be read or matched.

The inbox workflow opens one ``unmatched_file`` task per such file (task id
``unmatched-file-{x12 file id}``); the context carries the file id, its name and the
reader's message (no PHI: names and messages come from the file's envelope and our
ids). The biller looks at the stored file and records what was done about it.
"""

from __future__ import annotations

from models.forms import FieldType, FormField, FormSchema, register
from models.task_kinds import TaskKind, register_kind

UNMATCHED_FILE = "unmatched_file"

RESOLUTIONS = (
    ("matched_manually", "Matched to the right claim/episode and worked by hand"),
    ("requested_resend", "Asked the clearinghouse or payer to send a corrected file"),
    ("duplicate", "Duplicate of a file already processed"),
    ("not_ours", "Not ours: no action"),
)

UNMATCHED_FILE_FORM = register(
    FormSchema(
        name=UNMATCHED_FILE,
        title="Resolve an unmatched or unreadable inbound file",
        fields=(
            FormField(
                name="resolution",
                label="What was done",
                type=FieldType.CHOICE,
                choices=RESOLUTIONS,
            ),
            FormField(
                name="claim_id",
                label="Claim it belongs to",
                required=False,
                pattern=r"[A-Za-z0-9:._+-]{1,80}",
                pattern_hint="a claim id, e.g. E0001:medicare:2026-03-02",
                max_length=80,
                hint="When the file concerns one of our claims.",
            ),
            FormField(
                name="note",
                label="Note",
                type=FieldType.TEXTAREA,
                required=False,
                max_length=2000,
            ),
        ),
    )
)

UNMATCHED_FILE_KIND = register_kind(
    TaskKind(
        name=UNMATCHED_FILE,
        queue="billing",
        form_schema=UNMATCHED_FILE,
        label="Unmatched inbound file",
        sla_days=1,
        escalate_days=2,
        priority=2,
    )
)
