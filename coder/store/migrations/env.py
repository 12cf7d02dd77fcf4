"""Alembic environment: always run programmatically with a connection passed in by
coder.store.migrate, never from an alembic.ini on disk."""

from alembic import context
from sqlmodel import SQLModel

from coder.store import tables  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata
connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
