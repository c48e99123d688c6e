"""Alembic environment: runs on the connection handed in by ``issuer.db.migrate``."""

from alembic import context

from issuer.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through issuer.db.migrate (or `issuer init`)")
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
