"""Learners seeded straight into a database: ``n`` Telegram learners, each with a daily reminder due at NOW."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert

from bot.storage.db import create_engine, migrate
from bot.storage.tables import identities, learners

NOW = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


async def seed(url: str, n: int) -> None:
    engine = create_engine(url)
    await migrate(engine)
    async with engine.begin() as conn:
        for start in range(1, n + 1, 5000):
            ids = range(start, min(n, start + 4999) + 1)
            await conn.execute(insert(learners), [
                {"id": i, "created_at": NOW, "timezone": "UTC", "reminder_time": "07:00", "reminder_next_at": NOW}
                for i in ids
            ])
            await conn.execute(insert(identities), [
                {"platform": "telegram", "user_id": str(i), "learner_id": i, "display_name": f"u{i}",
                 "dm_chat_id": str(i)} for i in ids
            ])
    await engine.dispose()
