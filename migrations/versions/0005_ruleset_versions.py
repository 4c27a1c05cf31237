"""ruleset versions: payer rule-set versions added by an admin from the web

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db.base

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ruleset_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("payer_id", sa.String(40), nullable=False),
        sa.Column("version", sa.String(40), nullable=False),
        sa.Column("effective", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", models.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("payer_id", "version", name="uq_ruleset_versions_payer_version"),
        sa.UniqueConstraint("payer_id", "effective", name="uq_ruleset_versions_payer_effective"),
    )
    op.create_index("ix_ruleset_versions_payer_id", "ruleset_versions", ["payer_id"])


def downgrade() -> None:
    op.drop_index("ix_ruleset_versions_payer_id", table_name="ruleset_versions")
    op.drop_table("ruleset_versions")
