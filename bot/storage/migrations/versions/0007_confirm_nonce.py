"""A destructive confirm (``/forget``) carries a single-use nonce stored with the learner and the instant it
expires: the button acts only for the person who asked, once, within a few minutes.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from bot.storage.tables import UTCDateTime

    with op.batch_alter_table("learners") as batch:
        batch.add_column(sa.Column("confirm_nonce", sa.String(32)))
        batch.add_column(sa.Column("confirm_until", UTCDateTime))


def downgrade() -> None:
    with op.batch_alter_table("learners") as batch:
        batch.drop_column("confirm_until")
        batch.drop_column("confirm_nonce")
