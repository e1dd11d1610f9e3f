"""The one implementation of the core's :class:`~bot.core.ports.Repository`, for both engines."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.ports import (
    NO_OPEN_QUESTION,
    AnswerRecord,
    Destination,
    LastAttempt,
    Learner,
    PromptStats,
    UnitState,
)
from bot.storage.challenges import EXPORTED as CHALLENGE_TABLES
from bot.storage.challenges import ChallengeQueries, forget_challenge_rows
from bot.storage.tables import (
    attempts,
    identities,
    learners,
    reminder_log,
    review_cards,
    study_days,
    unit_progress,
)

_LEARNER_COLS = [c for c in learners.c if c.name != "id"]
# Learner(id, display_name, *columns after id): claims build learners positionally, which is faster
assert [f.name for f in fields(Learner)][2:] == [c.name for c in _LEARNER_COLS], "Learner fields != learners columns"


# The queries of every command, built once: building a statement and its cache key costs more than SQLite's
# answer (~0.4 ms a query built per call against ~0.2 ms prebuilt); values come as bound parameters.
_LEARNER = select(learners, identities.c.display_name).join(identities, identities.c.learner_id == learners.c.id)
_FIND_LEARNER = _LEARNER.where(identities.c.platform == bindparam("platform"),
                               identities.c.user_id == bindparam("user_id"))
_UPDATE_LEARNER = update(learners).where(learners.c.id == bindparam("learner_key"))  # SET: the other keys
_UNIT_STATES = select(unit_progress.c.unit_id, unit_progress.c.status, unit_progress.c.lesson_done_at,
                      unit_progress.c.level, unit_progress.c.level_wins).where(
    unit_progress.c.learner_id == bindparam("learner_id"))
_PROMPT_STATS = (
    select(attempts.c.prompt_id, func.count().label("tries"),
           func.max(func.cast(attempts.c.correct, type_=attempts.c.id.type)).label("ok"))
    .where(attempts.c.learner_id == bindparam("learner_id"), attempts.c.unit_id == bindparam("unit_id"))
    .group_by(attempts.c.prompt_id)
)
_INSERT_ATTEMPT = insert(attempts)
_CLOSED = NO_OPEN_QUESTION  # the learner's columns of a question closed
_CARD = select(review_cards.c.card).where(review_cards.c.learner_id == bindparam("learner_id"),
                                          review_cards.c.prompt_id == bindparam("prompt_id"))
_DUE_REVIEWS = (
    select(review_cards.c.prompt_id)
    .where(review_cards.c.learner_id == bindparam("learner_id"), review_cards.c.due_at <= bindparam("now"))
    .order_by(review_cards.c.due_at, review_cards.c.prompt_id)
    .limit(bindparam("limit"))
)
_NEXT_REVIEW_AT = select(func.min(review_cards.c.due_at)).where(review_cards.c.learner_id == bindparam("learner_id"))
_REVIEW_SCHEDULE = (
    select(review_cards.c.prompt_id, review_cards.c.due_at)
    .where(review_cards.c.learner_id == bindparam("learner_id"), review_cards.c.due_at < bindparam("until"))
    .order_by(review_cards.c.due_at, review_cards.c.prompt_id)
)
_RECENT_ATTEMPTS = (
    select(attempts.c.prompt_id, attempts.c.unit_id, attempts.c.source)
    .where(attempts.c.learner_id == bindparam("learner_id"))
    .order_by(attempts.c.id.desc())
    .limit(bindparam("limit"))
)
_ANSWERED_SINCE = select(func.count(), func.max(func.cast(attempts.c.correct, type_=attempts.c.id.type))).where(
    attempts.c.learner_id == bindparam("learner_id"), attempts.c.prompt_id == bindparam("prompt_id"),
    attempts.c.at >= bindparam("since"), attempts.c.source != "skip",
)
_LAST_ATTEMPT = (
    select(attempts.c.prompt_id, attempts.c.at, attempts.c.correct, attempts.c.revealed, attempts.c.source,
           attempts.c.params)
    .where(attempts.c.learner_id == bindparam("learner_id"), attempts.c.source != "challenge")
    .order_by(attempts.c.id.desc())
    .limit(1)
)
_STUDY_DAYS = (
    select(study_days.c.day)
    .where(study_days.c.learner_id == bindparam("learner_id"), study_days.c.day >= bindparam("since"))
    .order_by(study_days.c.day)
)
_ATTEMPT_TOTALS = select(
    func.count(), func.coalesce(func.sum(func.cast(attempts.c.correct, type_=attempts.c.id.type)), 0)
).where(attempts.c.learner_id == bindparam("learner_id"), attempts.c.source.notin_(("skip", "placement")))


def _learner(row: Any) -> Learner:
    m = row._mapping
    return Learner(
        id=m["id"],
        display_name=m["display_name"],
        **{c.name: m[c.name] for c in _LEARNER_COLS},
    )


class SqlRepository(ChallengeQueries):
    def __init__(self, engine: AsyncEngine):
        super().__init__(engine)
        self.dialect = engine.dialect.name
        self._add_study_day = self._insert_ignore_many(study_days)
        self._save_card = self._upsert_many(review_cards, ("learner_id", "prompt_id"), ("card", "due_at"))
        self._set_unit: dict[tuple[str, ...], Any] = {}  # upserts by the columns they set
        self._set_level = self._upsert_many(unit_progress, ("learner_id", "unit_id"), ("level", "level_wins"))

    # ------------------------------------------------------------ helpers

    def _insert_ignore(self, table, **values):
        if self.dialect == "postgresql":
            return postgresql.insert(table).values(**values).on_conflict_do_nothing()
        return sqlite.insert(table).values(**values).on_conflict_do_nothing()

    def _insert_many(self, table):
        """The engine's INSERT with ON CONFLICT clauses; values come with the execution."""
        return (postgresql if self.dialect == "postgresql" else sqlite).insert(table)

    def _insert_ignore_many(self, table):
        return self._insert_many(table).on_conflict_do_nothing()

    def _upsert_many(self, table, keys: tuple[str, ...], update_cols: tuple[str, ...]):
        """INSERT, or on a conflict of ``keys`` UPDATE ``update_cols``; values come with the execution."""
        stmt = self._insert_many(table)
        return stmt.on_conflict_do_update(index_elements=list(keys), set_={c: stmt.excluded[c] for c in update_cols})

    # ------------------------------------------------------------ learners

    async def find_learner(self, platform: str, user_id: str) -> Learner | None:
        async with self._reading() as conn:
            row = (await conn.execute(_FIND_LEARNER, {"platform": platform, "user_id": user_id})).first()
        return _learner(row) if row else None

    async def get_or_create_learner(
        self, platform: str, user_id: str, display_name: str, timezone: str, now: datetime,
        dm_chat_id: str | None = None,
    ) -> Learner:
        display_name = (display_name or "learner")[:100]
        found = await self.find_learner(platform, user_id)
        if found is not None:
            if found.display_name != display_name:
                async with self._writing() as conn:
                    await conn.execute(
                        update(identities)
                        .where(identities.c.platform == platform, identities.c.user_id == user_id)
                        .values(display_name=display_name)
                    )
                found = Learner(**{**found.__dict__, "display_name": display_name})
            return found
        async with self._writing() as conn:
            new_id = (
                await conn.execute(insert(learners).values(created_at=now, timezone=timezone).returning(learners.c.id))
            ).scalar_one()
            result = await conn.execute(
                self._insert_ignore(
                    identities, platform=platform, user_id=user_id, learner_id=new_id,
                    display_name=display_name, dm_chat_id=dm_chat_id,
                )
            )
            if result.rowcount == 0:  # another request created it first
                await conn.execute(delete(learners).where(learners.c.id == new_id))
        learner = await self.find_learner(platform, user_id)
        assert learner is not None
        return learner

    async def update_learner(self, learner_id: int, **fields: Any) -> None:
        if not fields:
            return
        unknown = set(fields) - set(learners.c.keys())
        if unknown or "id" in fields:
            raise ValueError(f"not a learner field: {', '.join(sorted(unknown or {'id'}))}")
        async with self._writing() as conn:
            await conn.execute(_UPDATE_LEARNER, {"learner_key": learner_id, **fields})

    # ------------------------------------------------------------ units and prompts

    async def unit_states(self, learner_id: int) -> dict[str, UnitState]:
        async with self._reading() as conn:
            rows = await conn.execute(_UNIT_STATES, {"learner_id": learner_id})
            return {r.unit_id: UnitState(r.status, r.lesson_done_at is not None, r.level,
                                         tuple(r.level_wins.split("\n")) if r.level_wins else ()) for r in rows}

    async def set_unit(
        self, learner_id: int, unit_id: str, status: str, *, lesson_done_at: datetime | None = None,
        completed_at: datetime | None = None, study_day: date | None = None, study_until: datetime | None = None,
        level: int | None = None,
    ) -> None:
        values: dict[str, Any] = {"learner_id": learner_id, "unit_id": unit_id, "status": status}
        if lesson_done_at is not None:
            values["lesson_done_at"] = lesson_done_at
        if completed_at is not None:
            values["completed_at"] = completed_at
        if level is not None:
            values["level"] = level
        async with self._writing() as conn:
            await conn.execute(self._unit_upsert(tuple(values)), values)
            lesson: dict[str, Any] = {"lesson_unit": None}
            if study_day is not None:
                await conn.execute(self._add_study_day, {"learner_id": learner_id, "day": study_day})
                if study_until is not None:
                    lesson |= {"study_day": study_day, "study_day_until": study_until}
            await conn.execute(_UPDATE_LEARNER, {"learner_key": learner_id, **lesson})

    def _unit_upsert(self, columns: tuple[str, ...]):
        stmt = self._set_unit.get(columns)
        if stmt is None:
            keys = ("learner_id", "unit_id")
            stmt = self._set_unit[columns] = self._upsert_many(
                unit_progress, keys, tuple(c for c in columns if c not in keys))
        return stmt

    async def prompt_stats(self, learner_id: int, unit_id: str) -> dict[str, PromptStats]:
        async with self._reading() as conn:
            rows = await conn.execute(_PROMPT_STATS, {"learner_id": learner_id, "unit_id": unit_id})
            return {r.prompt_id: PromptStats(r.tries, bool(r.ok)) for r in rows}

    async def record_answer(self, rec: AnswerRecord) -> None:
        async with self._writing() as conn:
            # closed, or (a wrong try) still open with its tries and hints updated
            await self._record_attempt(conn, rec, _CLOSED if rec.keep_open is None else rec.keep_open)
            if rec.complete_unit:
                done = {"learner_id": rec.learner_id, "unit_id": rec.unit_id, "status": "done",
                        "completed_at": rec.at}
                await conn.execute(self._unit_upsert(tuple(done)), done)
            if rec.level is not None:  # a unit never opened (today's prompt) gets a row being learnt
                level, wins = rec.level
                await conn.execute(self._set_level, {"learner_id": rec.learner_id, "unit_id": rec.unit_id,
                                                     "status": "learning", "level": level, "level_wins": "\n".join(wins)})

    async def _record_attempt(self, conn: AsyncConnection, rec: AnswerRecord,
                              learner: dict[str, Any] | None = None) -> None:
        """An answer's attempt row, study day and review card (practice and challenge answers alike), and in one
        UPDATE the learner's columns that change with it (``learner``, and a new study day's)."""
        await conn.execute(_INSERT_ATTEMPT, {
            "learner_id": rec.learner_id, "prompt_id": rec.prompt_id, "unit_id": rec.unit_id, "at": rec.at,
            "correct": rec.correct, "hinted": rec.hinted, "revealed": rec.revealed,
            "answer": rec.answer[:200], "source": rec.source, "params": rec.params,
        })
        changes = dict(learner or {})
        if rec.study_day is not None:
            await conn.execute(self._add_study_day, {"learner_id": rec.learner_id, "day": rec.study_day})
            if rec.study_until is not None:  # a new study day: it lasts until the end of this local date
                changes |= {"study_day": rec.study_day, "study_day_until": rec.study_until}
        if changes:
            await conn.execute(_UPDATE_LEARNER, {"learner_key": rec.learner_id, **changes})
        if rec.card is not None and rec.card_due is not None:
            await conn.execute(self._save_card, {"learner_id": rec.learner_id, "prompt_id": rec.prompt_id,
                                                 "card": rec.card, "due_at": rec.card_due})

    # ------------------------------------------------------------ reviews

    async def card(self, learner_id: int, prompt_id: str) -> str | None:
        async with self._reading() as conn:
            return (await conn.execute(_CARD, {"learner_id": learner_id, "prompt_id": prompt_id})).scalar_one_or_none()

    async def due_reviews(self, learner_id: int, now: datetime, limit: int = 1) -> list[str]:
        async with self._reading() as conn:
            rows = await conn.execute(_DUE_REVIEWS, {"learner_id": learner_id, "now": now, "limit": limit})
            return [r.prompt_id for r in rows]

    async def next_review_at(self, learner_id: int) -> datetime | None:
        async with self._reading() as conn:
            return (await conn.execute(_NEXT_REVIEW_AT, {"learner_id": learner_id})).scalar_one()

    async def review_schedule(self, learner_id: int, until: datetime) -> list[tuple[str, datetime]]:
        async with self._reading() as conn:
            rows = await conn.execute(_REVIEW_SCHEDULE, {"learner_id": learner_id, "until": until})
            return [(r.prompt_id, r.due_at) for r in rows]

    async def recent_attempts(self, learner_id: int, limit: int) -> list[tuple[str, str, str]]:
        async with self._reading() as conn:
            rows = await conn.execute(_RECENT_ATTEMPTS, {"learner_id": learner_id, "limit": limit})
            return [(r.prompt_id, r.unit_id, r.source) for r in rows]

    async def answered_since(self, learner_id: int, prompt_id: str, since: datetime) -> bool | None:
        async with self._reading() as conn:
            n, right = (await conn.execute(_ANSWERED_SINCE, {"learner_id": learner_id, "prompt_id": prompt_id,
                                                             "since": since})).one()
            return bool(right) if n else None

    async def last_attempt(self, learner_id: int, prompt_id: str | None = None) -> LastAttempt | None:
        q = _LAST_ATTEMPT if prompt_id is None else _LAST_ATTEMPT.where(attempts.c.prompt_id == prompt_id)
        async with self._reading() as conn:
            row = (await conn.execute(q, {"learner_id": learner_id})).first()
        return (LastAttempt(row.prompt_id, row.at, bool(row.correct), bool(row.revealed), row.source, row.params)
                if row else None)

    # ------------------------------------------------------------ streaks and totals

    async def study_days(self, learner_id: int, since: date) -> list[date]:
        async with self._reading() as conn:
            rows = await conn.execute(_STUDY_DAYS, {"learner_id": learner_id, "since": since})
            return [r.day for r in rows]

    async def attempt_totals(self, learner_id: int) -> tuple[int, int]:
        async with self._reading() as conn:
            row = (await conn.execute(_ATTEMPT_TOTALS, {"learner_id": learner_id})).one()
            return int(row[0]), int(row[1])

    # ------------------------------------------------------------ reminders

    async def claim_due_reminders(self, now: datetime, limit: int, decide, platforms: set[str],
                                  learner_ids: Collection[int] | None = None) -> list:
        """Claim up to ``limit`` learners whose reminder is due (only ``learner_ids``, if given), in one transaction.

        Writes each sendable reminder's unique log row (learner, local date, kind) and moves every claimed
        learner's next instant on, before anything is sent. On PostgreSQL the rows are locked with
        ``FOR UPDATE SKIP LOCKED`` so several processes share the work without overlap.
        """
        from bot.core.reminders import Claim

        q = (
            select(learners)
            .where(learners.c.reminder_next_at <= now, learners.c.unreachable.is_(False))
            .order_by(learners.c.reminder_next_at)  # the index's order: no sort of all due rows
            .limit(limit)
        )
        if learner_ids is not None:
            q = q.where(learners.c.id.in_(list(learner_ids)))
        if self.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        async with self._writing() as conn:
            rows = (await conn.execute(q)).all()
            if not rows:
                return []
            ids = [r[0] for r in rows]
            # (learner_id, platform, user_id, display_name, dm_chat_id) as plain tuples: this loop is hot
            idents: dict[int, list[tuple]] = {}
            for i in (
                await conn.execute(
                    select(identities.c.learner_id, identities.c.platform, identities.c.user_id,
                           identities.c.display_name, identities.c.dm_chat_id)
                    .where(identities.c.learner_id.in_(ids)).order_by(identities.c.platform)
                )
            ).all():
                idents.setdefault(i[0], []).append(tuple(i))
            claims = []
            for r in rows:
                mine = idents.get(r[0], ())
                learner = Learner(r[0], mine[0][3] if mine else "learner", *r[1:])
                dest = None
                for _, platform, user_id, _, dm_chat in mine:
                    if platform in platforms:
                        dest = Destination(platform, dm_chat or user_id, user_id)
                        break
                claims.append((learner, dest, decide(learner)))
            sendable = [
                {"learner_id": lr.id, "local_date": d.local_date, "kind": d.kind, "claimed_at": now}
                for lr, dest, d in claims if d.send and dest is not None
            ]
            fresh: set[int] = set()
            if sendable:
                # The claimed learners are ours alone in this transaction (row locks on PostgreSQL; the one
                # writer on SQLite), so the rows already logged are exactly those not to send again.
                dates = {r["local_date"] for r in sendable}
                done = {
                    (r.learner_id, r.local_date, r.kind)
                    for r in await conn.execute(
                        select(reminder_log.c.learner_id, reminder_log.c.local_date, reminder_log.c.kind).where(
                            reminder_log.c.learner_id.in_([r["learner_id"] for r in sendable]),
                            reminder_log.c.local_date.in_(dates),
                        )
                    )
                }
                new_rows = [r for r in sendable if (r["learner_id"], r["local_date"], r["kind"]) not in done]
                if new_rows:
                    await conn.execute(self._insert_ignore_many(reminder_log), new_rows)
                fresh = {r["learner_id"] for r in new_rows}
            # learners sharing a local time and zone share the next instant: one UPDATE per distinct value
            by_next: dict[datetime | None, list[int]] = {}
            for lr, _, d in claims:
                by_next.setdefault(d.next_at, []).append(lr.id)
            for next_at, group in by_next.items():
                await conn.execute(
                    update(learners).where(learners.c.id.in_(group))
                    .values(reminder_next_at=next_at, reminder_snoozed=False)
                )
        return [Claim(lr, dest, d, lr.id in fresh) for lr, dest, d in claims]

    async def reminder_contexts(self, learner_ids: list[int], now: datetime, since: date) -> dict:
        """Bulk reads for a batch of reminders: study days, a due review, unit states, prompts answered right."""
        from bot.core.reminders import LearnerContext

        out = {i: LearnerContext() for i in learner_ids}
        async with self._reading() as conn:
            for r in await conn.execute(
                select(study_days.c.learner_id, study_days.c.day)
                .where(study_days.c.learner_id.in_(learner_ids), study_days.c.day >= since)
            ):
                out[r.learner_id].study_days.append(r.day)
            for r in await conn.execute(
                select(review_cards.c.learner_id, review_cards.c.prompt_id, review_cards.c.due_at)
                .where(review_cards.c.learner_id.in_(learner_ids), review_cards.c.due_at <= now)
                .order_by(review_cards.c.due_at.desc())
            ):
                out[r.learner_id].due_review = r.prompt_id  # the last one written is the earliest due
            for r in await conn.execute(
                select(unit_progress.c.learner_id, unit_progress.c.unit_id, unit_progress.c.status,
                       unit_progress.c.lesson_done_at)
                .where(unit_progress.c.learner_id.in_(learner_ids))
            ):
                out[r.learner_id].states[r.unit_id] = UnitState(r.status, r.lesson_done_at is not None)
            for r in await conn.execute(
                select(attempts.c.learner_id, attempts.c.prompt_id)
                .where(attempts.c.learner_id.in_(learner_ids), attempts.c.correct.is_(True))
                .distinct()
            ):
                out[r.learner_id].correct.add(r.prompt_id)
        return out

    async def set_daily_prompts(self, rows: list[tuple[int, date, str, str]], now: datetime) -> None:
        """Today's prompt per learner (id, date, prompt, its template parameters as drawn); it also becomes the
        open question (opened ``now``) when none is open."""
        groups: dict[tuple[date, str, str], list[int]] = {}
        for i, d, p, params in rows:
            groups.setdefault((d, p, params), []).append(i)
        async with self._writing() as conn:
            for (d, p, params), ids in groups.items():
                await conn.execute(
                    update(learners).where(learners.c.id.in_(ids)).values(daily_date=d, daily_prompt=p)
                )
                await conn.execute(
                    update(learners)
                    .where(learners.c.id.in_(ids), learners.c.open_prompt.is_(None), learners.c.lesson_unit.is_(None))
                    .values(open_prompt=p, open_source="daily", open_hints=0, open_revealed=False, open_tried="",
                            open_at=now, open_params=params)
                )

    async def record_reminder_outcomes(self, rows: list[tuple[int, date, str, str]]) -> None:
        if not rows:
            return
        groups: dict[tuple[date, str, str], list[int]] = {}
        for i, d, k, o in rows:
            groups.setdefault((d, k, o), []).append(i)
        async with self._writing() as conn:
            for (d, k, o), ids in groups.items():
                await conn.execute(
                    update(reminder_log)
                    .where(reminder_log.c.learner_id.in_(ids), reminder_log.c.local_date == d, reminder_log.c.kind == k)
                    .values(outcome=o)
                )

    async def release_reminder_claims(self, rows: list[tuple]) -> None:
        """Give back claimed, unsent reminders (a graceful shutdown): their log rows go and each learner's
        next instant returns to the one claimed, unless the learner changed it since.

        ``rows``: (learner_id, local_date, kind, due_at, snoozed, next_at the claim set).
        """
        if not rows:
            return
        logged: dict[tuple, list[int]] = {}
        groups: dict[tuple, list[int]] = {}
        for i, d, k, due, snoozed, nxt in rows:
            logged.setdefault((d, k), []).append(i)
            groups.setdefault((due, snoozed, nxt), []).append(i)
        async with self._writing() as conn:
            for (d, k), ids in logged.items():
                await conn.execute(
                    delete(reminder_log).where(reminder_log.c.learner_id.in_(ids), reminder_log.c.local_date == d,
                                               reminder_log.c.kind == k, reminder_log.c.outcome == "claimed")
                )
            for (due, snoozed, nxt), ids in groups.items():
                unchanged = learners.c.reminder_next_at.is_(None) if nxt is None else learners.c.reminder_next_at == nxt
                await conn.execute(
                    update(learners).where(learners.c.id.in_(ids), unchanged)
                    .values(reminder_next_at=due, reminder_snoozed=snoozed)
                )

    async def reminder_log_rows(self) -> list[tuple[int, date, str, str]]:
        async with self._reading() as conn:
            rows = await conn.execute(
                select(reminder_log.c.learner_id, reminder_log.c.local_date, reminder_log.c.kind,
                       reminder_log.c.outcome).order_by(reminder_log.c.learner_id, reminder_log.c.local_date)
            )
            return [tuple(r) for r in rows]

    # ------------------------------------------------------------ export and forget

    async def export_learner(self, learner_id: int) -> dict[str, Any]:
        def rows(result) -> list[dict[str, Any]]:
            return [{k: _jsonable(v) for k, v in r._mapping.items()} for r in result]

        async with self._reading() as conn:
            out: dict[str, Any] = {}
            learner_row = (await conn.execute(select(learners).where(learners.c.id == learner_id))).first()
            out["learner"] = {k: _jsonable(v) for k, v in learner_row._mapping.items()} if learner_row else None
            for name, table in (
                ("identities", identities), ("unit_progress", unit_progress), ("attempts", attempts),
                ("review_cards", review_cards), ("study_days", study_days), ("reminder_log", reminder_log),
                *CHALLENGE_TABLES,
            ):
                result = await conn.execute(select(table).where(table.c.learner_id == learner_id))
                out[name] = rows(result)
        return out

    async def forget_learner(self, learner_id: int) -> None:
        async with self._writing() as conn:
            await _delete_learner(conn, learner_id)

    # ------------------------------------------------------------ counts (tests, health)

    async def count_rows(self, table_name: str) -> int:
        from bot.storage.tables import metadata

        async with self._reading() as conn:
            return (await conn.execute(select(func.count()).select_from(metadata.tables[table_name]))).scalar_one()


async def _delete_learner(conn: AsyncConnection, learner_id: int) -> None:
    # Explicit deletes (not only ON DELETE CASCADE) so it holds whatever the engine's FK setting.
    await forget_challenge_rows(conn, learner_id)
    for table in (reminder_log, study_days, review_cards, attempts, unit_progress, identities):
        await conn.execute(delete(table).where(table.c.learner_id == learner_id))
    await conn.execute(delete(learners).where(learners.c.id == learner_id))


def _jsonable(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v

