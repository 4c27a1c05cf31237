"""Alembic environment: the URL comes from the caller (iopbill migrate) or the settings."""

from __future__ import annotations

from alembic import context

from iopbill.settings import get_settings
from models.db import (
    billing_tables,  # noqa: F401  (billing process tables, revision 0003)
    rulesets,  # noqa: F401  (rule-set versions added by an admin, revision 0005)
    tables,  # noqa: F401  (registers the tables on Base.metadata)
    web_tables,  # noqa: F401  (the web app's tables, revision 0002)
)
from models.db.base import Base
from models.db.engine import make_engine

config = context.config
url = (
    config.attributes.get("url")
    or config.get_main_option("sqlalchemy.url")
    or get_settings().database_url
)


def run_migrations_offline() -> None:
    context.configure(
        url=url, target_metadata=Base.metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=Base.metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
