"""tasks.claim_id as wide as claims.id (80): a claim id is
``{episode}:{payer}:{first date}`` plus a replacement suffix, and with a long payer id it
outgrew the 60 characters the task row had, which PostgreSQL refuses

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _claim_id_width(old: int, new: int) -> None:
    bind = op.get_bind()
    # SQLite alters a column by copying the table, and the copy has no triggers: keep the
    # ones on tasks (task_queue_counts follows them) and put them back afterwards.
    triggers: list[str] = []
    if bind.dialect.name == "sqlite":
        triggers = list(
            bind.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tasks'"
            ).scalars()
        )
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column(
            "claim_id", existing_type=sa.String(old), type_=sa.String(new), existing_nullable=True
        )
    for statement in triggers:
        op.execute(statement)


def upgrade() -> None:
    _claim_id_width(60, 80)


def downgrade() -> None:
    _claim_id_width(80, 60)
