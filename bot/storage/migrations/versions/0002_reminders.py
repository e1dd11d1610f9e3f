"""Reminders: the once-a-day log, snoozes and today's prompt.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.add_column(sa.Column("reminder_snoozed", sa.Boolean, nullable=False, server_default="0"))
        batch.add_column(sa.Column("daily_date", sa.Date))
        batch.add_column(sa.Column("daily_prompt", sa.String(60)))
    op.create_table(
        "reminder_log",
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("local_date", sa.Date, primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("claimed_at", UTCDateTime, nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False, server_default="claimed"),
    )


def downgrade() -> None:
    op.drop_table("reminder_log")
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("daily_prompt")
        batch.drop_column("daily_date")
        batch.drop_column("reminder_snoozed")
