"""web: sessions, login failures, saved views; inbox indexes and queue counters on tasks

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.db.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status IN ('open', 'claimed')")

# task_queue_counts follows every insert, delete and status/queue change of a task row,
# so the inbox reads its counts instead of counting the open work on every page.
SQLITE_TRIGGERS = (
    """CREATE TRIGGER trg_tasks_queue_counts_ins AFTER INSERT ON tasks
    WHEN NEW.status IN ('open', 'claimed')
    BEGIN
        INSERT OR IGNORE INTO task_queue_counts (queue, open_count) VALUES (NEW.queue, 0);
        UPDATE task_queue_counts SET open_count = open_count + 1 WHERE queue = NEW.queue;
    END""",
    """CREATE TRIGGER trg_tasks_queue_counts_del AFTER DELETE ON tasks
    WHEN OLD.status IN ('open', 'claimed')
    BEGIN
        UPDATE task_queue_counts SET open_count = open_count - 1 WHERE queue = OLD.queue;
    END""",
    """CREATE TRIGGER trg_tasks_queue_counts_upd AFTER UPDATE OF status, queue ON tasks
    WHEN (OLD.status IN ('open', 'claimed')) OR (NEW.status IN ('open', 'claimed'))
    BEGIN
        UPDATE task_queue_counts SET open_count = open_count - 1
            WHERE queue = OLD.queue AND OLD.status IN ('open', 'claimed');
        INSERT OR IGNORE INTO task_queue_counts (queue, open_count)
            SELECT NEW.queue, 0 WHERE NEW.status IN ('open', 'claimed');
        UPDATE task_queue_counts SET open_count = open_count + 1
            WHERE queue = NEW.queue AND NEW.status IN ('open', 'claimed');
    END""",
)
PG_TRIGGERS = (
    """CREATE FUNCTION task_queue_counts_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            IF OLD.status IN ('open', 'claimed') THEN
                UPDATE task_queue_counts SET open_count = open_count - 1
                    WHERE queue = OLD.queue;
            END IF;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            IF NEW.status IN ('open', 'claimed') THEN
                INSERT INTO task_queue_counts AS c (queue, open_count) VALUES (NEW.queue, 1)
                    ON CONFLICT (queue) DO UPDATE SET open_count = c.open_count + 1;
            END IF;
        END IF;
        RETURN NULL;
    END
    $$""",
    """CREATE TRIGGER trg_tasks_queue_counts
    AFTER INSERT OR DELETE OR UPDATE OF status, queue ON tasks
    FOR EACH ROW EXECUTE FUNCTION task_queue_counts_sync()""",
)


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("created_at", models.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", models.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_username"), "web_sessions", ["username"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", models.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_who", "login_failures", ["username", "ip", "at"])
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=True),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("sort", sa.String(length=40), nullable=False),
        sa.Column("created_at", models.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("owner", "name", name="uq_saved_views_owner_name"),
    )
    op.create_index(op.f("ix_saved_views_team"), "saved_views", ["team"])
    op.create_index(
        "ix_tasks_open_due",
        "tasks",
        ["due_at", "id", "queue", "payer_id", "assignee"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index("ix_tasks_updated_at", "tasks", ["updated_at"])
    op.create_table(
        "task_queue_counts",
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("open_count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("queue", name=op.f("pk_task_queue_counts")),
    )
    op.execute(
        "INSERT INTO task_queue_counts (queue, open_count) SELECT queue, count(*) FROM tasks"
        " WHERE status IN ('open', 'claimed') GROUP BY queue"
    )
    statements = PG_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_tasks_queue_counts ON tasks")
        op.execute("DROP FUNCTION IF EXISTS task_queue_counts_sync()")
    else:
        for name in ("ins", "del", "upd"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_tasks_queue_counts_{name}")
    op.drop_table("task_queue_counts")
    op.drop_index("ix_tasks_updated_at", table_name="tasks")
    op.drop_index("ix_tasks_open_due", table_name="tasks")
    op.drop_index(op.f("ix_saved_views_team"), table_name="saved_views")
    op.drop_table("saved_views")
    op.drop_index("ix_login_failures_who", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_index(op.f("ix_web_sessions_username"), table_name="web_sessions")
    op.drop_table("web_sessions")
