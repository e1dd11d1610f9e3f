"""Learners, platform identities, unit progress, attempts, review cards, study days.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learners",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
        sa.Column("focus_topic", sa.String(40)),
        sa.Column("lesson_unit", sa.String(40)),
        sa.Column("open_prompt", sa.String(60)),
        sa.Column("open_source", sa.String(16)),
        sa.Column("open_hints", sa.Integer, nullable=False, server_default="0"),
        sa.Column("open_revealed", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("open_at", UTCDateTime),
        sa.Column("reminder_time", sa.String(5)),
        sa.Column("reminder_next_at", UTCDateTime),
        sa.Column("reminder_paused_until", sa.Date),
        sa.Column("reminder_when_studied", sa.String(8), nullable=False, server_default="skip"),
        sa.Column("unreachable", sa.Boolean, nullable=False, server_default="0"),
    )
    op.create_index("ix_learners_reminder_next_at", "learners", ["reminder_next_at"])
    op.create_table(
        "identities",
        sa.Column("platform", sa.String(16), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("dm_chat_id", sa.String(64)),
    )
    op.create_index("ix_identities_learner", "identities", ["learner_id"])
    op.create_table(
        "unit_progress",
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("unit_id", sa.String(40), primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("lesson_done_at", UTCDateTime),
        sa.Column("completed_at", UTCDateTime),
    )
    op.create_table(
        "attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id", ondelete="CASCADE"), nullable=False),
        sa.Column("prompt_id", sa.String(60), nullable=False),
        sa.Column("unit_id", sa.String(40), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("correct", sa.Boolean, nullable=False),
        sa.Column("hinted", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("revealed", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("answer", sa.Text, nullable=False, server_default=""),
        sa.Column("source", sa.String(16), nullable=False, server_default="practice"),
    )
    op.create_index("ix_attempts_learner_unit", "attempts", ["learner_id", "unit_id"])
    op.create_table(
        "review_cards",
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("prompt_id", sa.String(60), primary_key=True),
        sa.Column("card", sa.Text, nullable=False),
        sa.Column("due_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_review_cards_due", "review_cards", ["learner_id", "due_at"])
    op.create_table(
        "study_days",
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
    )


def downgrade() -> None:
    for name in ("study_days", "review_cards", "attempts", "unit_progress", "identities", "learners"):
        op.drop_table(name)
