"""Reviews come back when they should: cards the old schedule left in a learning step (FSRS's default 1 and
10 minutes, so every right answer was due again ten minutes later) move to review, due at the interval FSRS
gives their stability, as the schedule in ``bot/practice/srs.py`` now does for new answers.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    from bot.practice import srs
    from bot.storage.tables import UTCDateTime

    cards = sa.table("review_cards", sa.column("learner_id", sa.Integer), sa.column("prompt_id", sa.String),
                     sa.column("card", sa.Text), sa.column("due_at", UTCDateTime))
    conn = op.get_bind()
    # Learning (1) and Relearning (3) cards, as fsrs writes them; anything else is left as it is
    stepping = sa.or_(cards.c.card.like('%"state": 1,%'), cards.c.card.like('%"state": 3,%'))
    rows = conn.execute(sa.select(cards.c.learner_id, cards.c.prompt_id, cards.c.card).where(stepping)).all()
    update = (sa.update(cards).where(cards.c.learner_id == sa.bindparam("lid"), cards.c.prompt_id == sa.bindparam("pid"))
              .values(card=sa.bindparam("new_card"), due_at=sa.bindparam("new_due")))
    moved = []
    for lid, pid, card in rows:
        settled = srs.settled(card)
        if settled is not None:
            moved.append({"lid": lid, "pid": pid, "new_card": settled[0], "new_due": settled[1]})
    for i in range(0, len(moved), BATCH):
        conn.execute(update, moved[i:i + BATCH])


def downgrade() -> None:
    pass  # the cards moved on stay valid FSRS review cards
