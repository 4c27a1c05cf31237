"""tasks.claim_id as wide as claims.id (80): a claim id is
``{episode}:{payer}:{first date}`` plus a replacement suffix, and with a long payer id it
outgrew the 60 characters the task row had, which PostgreSQL refuses

Revision ID: 0006
Revises: 0005
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _sqlite_triggers() -> tuple[str, ...]:
    """The task_queue_counts triggers of revision 0002, one statement each."""
    spec = importlib.util.spec_from_file_location("rev_0002", Path(__file__).with_name("0002_web.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.SQLITE_TRIGGERS)


def _claim_id_width(old: int, new: int) -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column(
            "claim_id", existing_type=sa.String(old), type_=sa.String(new), existing_nullable=True
        )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite alters a column by copying the table, and the copy has no triggers: put
        # back the ones that keep task_queue_counts in step.
        for statement in _sqlite_triggers():
            op.execute(statement)


def upgrade() -> None:
    _claim_id_width(60, 80)


def downgrade() -> None:
    _claim_id_width(80, 60)
