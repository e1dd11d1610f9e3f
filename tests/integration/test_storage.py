"""Storage on both engines: migrations from nothing, the schema matches the tables, queries behave the same."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.core.ports import AnswerRecord
from bot.storage.db import MIGRATIONS, create_engine, current_revision, head_revision, migrate
from bot.storage.tables import metadata

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


async def test_migrations_build_the_schema_from_nothing(db_url):
    engine = create_engine(db_url)
    try:
        assert await current_revision(engine) is None
        assert await migrate(engine) == head_revision()
        assert await current_revision(engine) == head_revision()
        async with engine.connect() as conn:
            alembic_says = await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
            assert alembic_says == head_revision()
            diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), metadata))
        assert diff == [], f"migrations and bot/storage/tables.py disagree: {diff}"
        assert await migrate(engine) == head_revision()  # idempotent
    finally:
        await engine.dispose()


async def test_cards_left_in_a_learning_step_by_the_old_schedule_move_to_review(db_url):
    """Revision 0005: a card the old schedule (FSRS's default 1 and 10 minute steps) left due ten minutes after
    a right answer is moved to review, due when the new schedule would have it; review cards stay as they are."""
    import json

    from alembic import command
    from fsrs import Card, Rating, Scheduler

    from bot.practice import srs
    from bot.storage.repo import SqlRepository

    def upgrade_to(revision: str):
        def run(sync_conn) -> None:
            cfg = Config()
            cfg.set_main_option("script_location", str(MIGRATIONS))
            cfg.attributes["connection"] = sync_conn
            command.upgrade(cfg, revision)
        return run

    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_to("0004"))
        repo = SqlRepository(engine)
        async with engine.begin() as conn:  # the learners table of revision 0004 (today's repo reads later columns)
            lid = (await conn.execute(sa.text("INSERT INTO learners (created_at, timezone) VALUES (:at, 'UTC') "
                                              "RETURNING id"), {"at": NOW.replace(tzinfo=None)})).scalar_one()
        lr = SimpleNamespace(id=lid)
        old = Scheduler(enable_fuzzing=False)  # the schedule before: learning steps of 1 and 10 minutes
        stepping, _ = old.review_card(Card(card_id=1, due=NOW), Rating.Good, review_datetime=NOW)
        assert stepping.due == NOW + timedelta(minutes=10)
        reviewing, _ = old.review_card(stepping, Rating.Good, review_datetime=stepping.due)
        async with engine.begin() as conn:  # the cards as revision 0004 stored them (today's repo writes later columns)
            for pid, card in (("p-step", stepping), ("p-review", reviewing)):
                await conn.execute(sa.text("INSERT INTO review_cards (learner_id, prompt_id, card, due_at) "
                                           "VALUES (:lid, :pid, :card, :due)"),
                                   {"lid": lr.id, "pid": pid, "card": card.to_json(),
                                    "due": card.due.astimezone(UTC).replace(tzinfo=None)})
        assert await migrate(engine) == head_revision()
        moved = await repo.card(lr.id, "p-step")
        assert json.loads(moved)["state"] == 2 and srs.due_of(moved) == NOW + timedelta(days=2)
        assert await repo.due_reviews(lr.id, NOW + timedelta(hours=12), 5) == []  # no longer due the same day
        assert await repo.card(lr.id, "p-review") == reviewing.to_json()
        assert await repo.review_schedule(lr.id, NOW + timedelta(days=30)) == [
            ("p-step", NOW + timedelta(days=2)), ("p-review", reviewing.due)]
    finally:
        await engine.dispose()


async def test_progress_before_mastery_levels_gets_the_levels_it_earned(db_url):
    """Revision 0009: existing progress gets its level: complete = proficient, skipped = familiar, a unit being
    learnt with a right answer = familiar (a challenge answer is not study), else attempted."""
    from alembic import command

    def upgrade_to(run_conn) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = run_conn
        command.upgrade(cfg, "0008")

    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(upgrade_to)
            lid = (await conn.execute(sa.text("INSERT INTO learners (created_at, timezone) VALUES (:at, 'UTC') "
                                              "RETURNING id"), {"at": NOW.replace(tzinfo=None)})).scalar_one()
            for unit, status in (("u-done", "done"), ("u-skip", "skipped"), ("u-right", "learning"),
                                 ("u-wrong", "learning"), ("u-challenge", "learning")):
                await conn.execute(sa.text("INSERT INTO unit_progress (learner_id, unit_id, status) VALUES "
                                           "(:lid, :unit, :status)"), {"lid": lid, "unit": unit, "status": status})
            for unit, correct, source in (("u-right", False, "practice"), ("u-right", True, "review"),
                                          ("u-wrong", False, "practice"), ("u-challenge", True, "challenge")):
                await conn.execute(sa.text(
                    "INSERT INTO attempts (learner_id, prompt_id, unit_id, at, correct, source) VALUES "
                    "(:lid, :unit, :unit, :at, :correct, :source)"),
                    {"lid": lid, "unit": unit, "at": NOW.replace(tzinfo=None), "correct": correct, "source": source})
        assert await migrate(engine) == head_revision()
        from bot.storage.repo import SqlRepository

        states = await SqlRepository(engine).unit_states(lid)
        assert {u: st.level for u, st in states.items()} == {
            "u-done": 3, "u-skip": 2, "u-right": 2, "u-wrong": 1, "u-challenge": 1}
        assert all(st.wins == () for st in states.values())
    finally:
        await engine.dispose()


def test_head_revision_is_alembics_head():
    """head_revision reads the scripts without alembic (start-up speed); it must agree with alembic."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(cfg).get_current_head()


async def test_sqlite_pragmas(sqlite_url):
    from sqlalchemy import text

    engine = create_engine(sqlite_url)
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 30000
    await engine.dispose()


async def test_identity_is_unique_and_points_to_one_learner(repo):
    a = await repo.get_or_create_learner("telegram", "42", "Ada", "UTC", NOW)
    b = await repo.get_or_create_learner("telegram", "42", "Ada L.", "UTC", NOW)
    c = await repo.get_or_create_learner("discord", "42", "Ada", "UTC", NOW)
    assert a.id == b.id != c.id
    assert b.display_name == "Ada L."
    assert await repo.find_learner("telegram", "43") is None
    assert await repo.count_rows("learners") == 2


async def test_answers_cards_days_and_units(repo):
    lr = await repo.get_or_create_learner("console", "u", "U", "Europe/Berlin", NOW)
    await repo.set_unit(lr.id, "u1", "learning", lesson_done_at=NOW, study_day=date(2026, 3, 10))
    for i, ok in enumerate([False, True, True]):
        await repo.record_answer(AnswerRecord(
            learner_id=lr.id, prompt_id=f"p{i % 2}", unit_id="u1", at=NOW + timedelta(minutes=i), correct=ok,
            hinted=False, revealed=False, answer="x" * 500, source="practice", study_day=date(2026, 3, 11),
            card='{"c": 1}', card_due=NOW + timedelta(days=i), complete_unit=(i == 2),
        ))
    stats = await repo.prompt_stats(lr.id, "u1")
    assert stats["p0"].tries == 2 and stats["p0"].correct
    assert stats["p1"].tries == 1 and stats["p1"].correct
    assert (await repo.unit_states(lr.id))["u1"].status == "done"
    assert await repo.study_days(lr.id, date(2026, 1, 1)) == [date(2026, 3, 10), date(2026, 3, 11)]
    assert await repo.attempt_totals(lr.id) == (3, 2)
    assert await repo.due_reviews(lr.id, NOW + timedelta(days=1, minutes=5), 5) == ["p1"]
    assert await repo.due_reviews(lr.id, NOW + timedelta(days=2, minutes=5), 5) == ["p1", "p0"]
    assert await repo.review_schedule(lr.id, NOW) == []
    assert await repo.review_schedule(lr.id, NOW + timedelta(days=2)) == [("p1", NOW + timedelta(days=1))]
    assert await repo.recent_attempts(lr.id, 2) == [("p0", "u1", "practice"), ("p1", "u1", "practice")]
    assert await repo.answered_since(lr.id, "p0", NOW) is True  # wrong, then right
    assert await repo.answered_since(lr.id, "p1", NOW + timedelta(minutes=2)) is None
    exported = await repo.export_learner(lr.id)
    assert len(exported["attempts"]) == 3 and len(exported["attempts"][0]["answer"]) == 200
    await repo.forget_learner(lr.id)
    for table in ("learners", "identities", "attempts", "unit_progress", "review_cards", "study_days"):
        assert await repo.count_rows(table) == 0, table


async def test_update_learner_sets_only_learner_fields(repo):
    import pytest

    a = await repo.get_or_create_learner("console", "ada", "Ada", "UTC", NOW)
    b = await repo.get_or_create_learner("console", "bob", "Bob", "UTC", NOW)
    await repo.update_learner(a.id, focus_topic="calculus", open_hints=2)
    await repo.update_learner(a.id)  # nothing to set: nothing changes
    for bad in ({"no_such_field": 1}, {"id": 99}):
        with pytest.raises(ValueError, match="not a learner field"):
            await repo.update_learner(a.id, **bad)
    a2, b2 = await repo.find_learner("console", "ada"), await repo.find_learner("console", "bob")
    assert (a2.focus_topic, a2.open_hints, a2.id) == ("calculus", 2, a.id)
    assert b2 == b  # the other learner is untouched
