"""Mastery levels per unit and the placement quiz.

``unit_progress.level`` is the unit's mastery level (0 not started … 4 mastered, the rules in
:mod:`bot.core.mastery`) and ``level_wins`` the prompts right on spaced reviews since it became proficient (one a
line); existing rows get the level their status and answers give. ``learners.placement`` holds a placement quiz
under way or stopped (JSON; "" for none).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("unit_progress") as batch:
        batch.add_column(sa.Column("level", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("level_wins", sa.Text, nullable=False, server_default=""))
    with op.batch_alter_table("learners") as batch:
        batch.add_column(sa.Column("placement", sa.Text, nullable=False, server_default=""))
    # the levels of the progress so far: complete = proficient, skipped = familiar, a right answer in a unit
    # being learnt = familiar, any other start = attempted
    op.execute("UPDATE unit_progress SET level = CASE status WHEN 'done' THEN 3 WHEN 'skipped' THEN 2 ELSE "
               "CASE WHEN EXISTS (SELECT 1 FROM attempts a WHERE a.learner_id = unit_progress.learner_id AND "
               "a.unit_id = unit_progress.unit_id AND a.correct AND a.source != 'challenge') THEN 2 ELSE 1 END END")


def downgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("placement")
    with op.batch_alter_table("unit_progress") as batch:
        batch.drop_column("level_wins")
        batch.drop_column("level")
