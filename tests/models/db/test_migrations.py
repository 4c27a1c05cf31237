"""The Alembic migrations against the SQLAlchemy models, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import models.db.billing_tables
import models.db.web_tables  # noqa: F401
from models.db import tasks
from models.db.base import Base
from models.db.tables import Task

pytestmark = pytest.mark.db


def test_the_migrated_schema_has_every_column_type_the_models_declare(db_engine: Engine) -> None:
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    type_changes = [d for d in differences if isinstance(d, list) and d[0][0] == "modify_type"]
    assert type_changes == []


def test_a_task_keeps_a_claim_id_with_a_payer_id_as_long_as_its_column(session: Session) -> None:
    # A web episode id (E- and 12 hex digits), a payer id as long as its column (40),
    # the period's first date and a replacement suffix.
    claim_id = f"E-0123456789ab:{'P' * 40}:2026-12-07:r1"
    assert len(claim_id) == 69
    tasks.open_task(
        session,
        tasks.TaskRow(
            id="T-long-claim",
            kind="fix_claim",
            queue="billing",
            title="Fix claim",
            form_schema="fix_claim",
            priority=3,
            due_at=datetime(2026, 12, 1, tzinfo=UTC),
            claim_id=claim_id,
        ),
    )
    session.commit()
    saved = session.get(Task, "T-long-claim")
    assert saved is not None and saved.claim_id == claim_id


def test_the_queue_count_triggers_survive_every_migration(db_engine: Engine) -> None:
    """SQLite alters a column by copying its table, without the table's triggers."""
    with db_engine.connect() as conn:
        if db_engine.dialect.name == "sqlite":
            names = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tasks'"
            ).scalars()
            expected = {f"trg_tasks_queue_counts_{n}" for n in ("ins", "del", "upd")}
        else:
            names = conn.exec_driver_sql(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'tasks'::regclass"
                " AND NOT tgisinternal"
            ).scalars()
            expected = {"trg_tasks_queue_counts"}
        assert set(names) == expected
