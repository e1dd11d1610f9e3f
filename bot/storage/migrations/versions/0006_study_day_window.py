"""A day counts once per local date, across a zone change: each learner's last study day and the instant it
ends in the zone it was earned in (see ``bot.core.streaks.study_date``).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from bot.storage.tables import UTCDateTime

    with op.batch_alter_table("learners") as batch:
        batch.add_column(sa.Column("study_day", sa.Date))
        batch.add_column(sa.Column("study_day_until", UTCDateTime))


def downgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("study_day_until")
        batch.drop_column("study_day")
