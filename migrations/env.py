"""Alembic environment for the mastcache catalog.

mastcache builds the Alembic config in code (``mastcache.store.schema``) and passes an open
connection through ``config.attributes["connection"]``; batch mode lets SQLite alter tables.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from mastcache.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection given and no sqlalchemy.url set in the Alembic config")
    engine = create_engine(url)
    with engine.begin() as new_connection:
        run_on(new_connection)
    engine.dispose()


if context.is_offline_mode():
    context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    run_online()
