"""Challenges and channel daily posts: schedules, members, one claimed row per post, one answer per member.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from bot.storage.tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "challenges",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("chat_id", sa.String(64), nullable=False),
        sa.Column("guild_id", sa.String(64)),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("topic", sa.String(40)),
        sa.Column("days", sa.Integer),
        sa.Column("post_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("ends_at", UTCDateTime),
        sa.Column("next_day", sa.Integer, nullable=False),
        sa.Column("next_post_at", UTCDateTime),
        sa.Column("organiser_id", sa.Integer, sa.ForeignKey("learners.id", ondelete="SET NULL")),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("ended_at", UTCDateTime),
        sa.Column("paused_reason", sa.String(200)),
    )
    op.create_index("ix_challenges_next_post_at", "challenges", ["next_post_at"])
    op.create_index("ix_challenges_chat", "challenges", ["platform", "chat_id"])
    op.create_index(
        "uq_challenges_open", "challenges", ["platform", "chat_id", "kind"], unique=True,
        sqlite_where=sa.text("status != 'ended'"), postgresql_where=sa.text("status != 'ended'"),
    )
    op.create_table(
        "challenge_members",
        sa.Column("challenge_id", sa.Integer, sa.ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("joined_at", UTCDateTime, nullable=False),
        sa.Column("left_at", UTCDateTime),
    )
    op.create_index("ix_challenge_members_learner", "challenge_members", ["learner_id"])
    op.create_table(
        "challenge_posts",
        sa.Column("challenge_id", sa.Integer, sa.ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("day", sa.Integer, primary_key=True),
        sa.Column("prompt_id", sa.String(60), nullable=False),
        sa.Column("local_date", sa.Date, nullable=False),
        sa.Column("posted_at", UTCDateTime, nullable=False),
        sa.Column("closes_at", UTCDateTime, nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False, server_default="claimed"),
    )
    op.create_table(
        "challenge_answers",
        sa.Column("challenge_id", sa.Integer, sa.ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("day", sa.Integer, primary_key=True),
        sa.Column("learner_id", sa.Integer, sa.ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("answered_at", UTCDateTime, nullable=False),
        sa.Column("correct", sa.Boolean, nullable=False),
        sa.Column("ms", sa.Integer, nullable=False),
        sa.Column("answer", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_challenge_answers_learner", "challenge_answers", ["learner_id"])


def downgrade() -> None:
    for name in ("challenge_answers", "challenge_posts", "challenge_members", "challenges"):
        op.drop_table(name)
