"""Template prompts draw fresh numbers for every attempt: the open question's parameters are stored with the
learner (the question stays the same while it is open, across restarts), and each attempt's with the attempt
(``/export``, the verdict and the solution match what was asked).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.add_column(sa.Column("open_params", sa.Text, nullable=False, server_default=""))
    with op.batch_alter_table("attempts") as batch:
        batch.add_column(sa.Column("params", sa.Text, nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("attempts") as batch:
        batch.drop_column("params")
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("open_params")
