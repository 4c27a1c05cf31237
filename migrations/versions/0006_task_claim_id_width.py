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


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column(
            "claim_id", existing_type=sa.String(60), type_=sa.String(80), existing_nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column(
            "claim_id", existing_type=sa.String(80), type_=sa.String(60), existing_nullable=True
        )
