"""Alembic environment: migrations run on the connection the bot hands over (see bot.storage.migrate)."""

from alembic import context

from bot.storage.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - the bot always passes its connection
    raise RuntimeError("run migrations through `python -m bot migrate`")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
with context.begin_transaction():
    context.run_migrations()
