"""Challenge queries, as a mixin of :class:`bot.storage.repo.SqlRepository` (the core's ``ChallengeStore``).

Claims follow the reminders' pattern: due schedules are read by the indexed ``next_post_at`` (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL; SQLite has one writer), and a post's row (schedule, day) is inserted *before* the post
is sent, in the transaction that moves ``next_post_at`` on: a crash, a restart or a second process never posts
the same day twice. A counted answer is one row per (schedule, day, member), written in one transaction with
the member's practice attempt, study day and review card.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import fields, replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.challenges import Answer, Challenge, Decision, Member, Post, PostClaim
from bot.core.ports import AnswerRecord, Destination
from bot.storage.session import Connections
from bot.storage.tables import (
    attempts,
    challenge_answers,
    challenge_members,
    challenge_posts,
    challenges,
    identities,
)

_FIELDS = [f.name for f in fields(Challenge)]
assert _FIELDS == [c.name for c in challenges.c], "Challenge fields != challenges columns"
NOT_ENDED = challenges.c.status != "ended"
RETRY_OUTCOMES = ("unreachable", "failed")  # a post that did not go out may be claimed again (resume)


def _challenge(row: Any) -> Challenge:
    m = row._mapping
    return Challenge(**{name: m[name] for name in _FIELDS})


def _post(row: Any) -> Post:
    m = row._mapping
    return Post(m["challenge_id"], m["day"], m["prompt_id"], m["local_date"], m["posted_at"], m["closes_at"],
                m["outcome"])


class ChallengeQueries(Connections):
    """Mixed into SqlRepository: uses its connections, ``dialect`` and insert helpers."""

    dialect: str
    _insert_ignore: Callable[..., Any]
    _record_attempt: Callable[[AsyncConnection, AnswerRecord], Awaitable[None]]

    # ------------------------------------------------------------ schedules

    async def create_challenge(self, **values: Any) -> Challenge | None:
        """A new schedule; None when the chat already has an open one of that kind (the unique index says)."""
        async with self._writing() as conn:  # DO NOTHING with no target: any unique index, partial ones too
            new_id = (await conn.execute(self._insert_ignore(challenges, **values).returning(challenges.c.id))
                      ).scalar_one_or_none()
        return None if new_id is None else await self.get_challenge(new_id)

    async def get_challenge(self, challenge_id: int) -> Challenge | None:
        async with self._reading() as conn:
            row = (await conn.execute(select(challenges).where(challenges.c.id == challenge_id))).first()
        return _challenge(row) if row else None

    async def open_challenge(self, platform: str, chat_id: str, kind: str) -> Challenge | None:
        async with self._reading() as conn:
            row = (await conn.execute(select(challenges).where(
                challenges.c.platform == platform, challenges.c.chat_id == chat_id, challenges.c.kind == kind,
                NOT_ENDED,
            ))).first()
        return _challenge(row) if row else None

    async def latest_challenge(self, platform: str, chat_id: str, kind: str) -> Challenge | None:
        async with self._reading() as conn:
            row = (await conn.execute(select(challenges).where(
                challenges.c.platform == platform, challenges.c.chat_id == chat_id, challenges.c.kind == kind,
            ).order_by(challenges.c.id.desc()).limit(1))).first()
        return _challenge(row) if row else None

    async def update_challenge(self, challenge_id: int, **values: Any) -> None:
        async with self._writing() as conn:
            await conn.execute(update(challenges).where(challenges.c.id == challenge_id).values(**values))

    async def end_challenge(self, challenge_id: int, now: datetime) -> bool:
        """Ends it once: True for the one caller that did (it then posts the results)."""
        async with self._writing() as conn:
            result = await conn.execute(
                update(challenges).where(challenges.c.id == challenge_id, NOT_ENDED)
                .values(status="ended", ended_at=now, next_post_at=None)
            )
        return result.rowcount == 1

    async def pause_challenge(self, challenge_id: int, reason: str) -> bool:
        async with self._writing() as conn:
            result = await conn.execute(
                update(challenges).where(challenges.c.id == challenge_id, challenges.c.status == "active")
                .values(status="paused", paused_reason=reason[:200], next_post_at=None)
            )
        return result.rowcount == 1

    async def organiser_destination(self, challenge_id: int) -> Destination | None:
        """Where to DM the organiser of a schedule, on the schedule's platform."""
        async with self._reading() as conn:
            row = (await conn.execute(
                select(identities.c.platform, identities.c.user_id, identities.c.dm_chat_id)
                .join(challenges, and_(challenges.c.organiser_id == identities.c.learner_id,
                                       challenges.c.platform == identities.c.platform))
                .where(challenges.c.id == challenge_id)
            )).first()
        if row is None:
            return None
        return Destination(row.platform, row.dm_chat_id or row.user_id, row.user_id)

    # ------------------------------------------------------------ members

    async def join_challenge(self, challenge_id: int, learner_id: int, now: datetime) -> str:
        """"new", "back" (had left) or "already"."""
        async with self._writing() as conn:
            row = (await conn.execute(select(challenge_members.c.left_at).where(
                challenge_members.c.challenge_id == challenge_id, challenge_members.c.learner_id == learner_id,
            ))).first()
            if row is None:
                result = await conn.execute(self._insert_ignore(
                    challenge_members, challenge_id=challenge_id, learner_id=learner_id, joined_at=now))
                return "new" if result.rowcount == 1 else "already"
            if row.left_at is None:
                return "already"
            await conn.execute(update(challenge_members).where(
                challenge_members.c.challenge_id == challenge_id, challenge_members.c.learner_id == learner_id,
            ).values(left_at=None))
            return "back"

    async def leave_challenge(self, challenge_id: int, learner_id: int, now: datetime) -> bool:
        async with self._writing() as conn:
            result = await conn.execute(update(challenge_members).where(
                challenge_members.c.challenge_id == challenge_id, challenge_members.c.learner_id == learner_id,
                challenge_members.c.left_at.is_(None),
            ).values(left_at=now))
        return result.rowcount == 1

    async def challenge_member(self, challenge_id: int, learner_id: int) -> Member | None:
        members = await self._members(challenge_members.c.learner_id == learner_id, challenge_id)
        return members[0] if members else None

    async def challenge_members(self, challenge_id: int) -> list[Member]:
        return await self._members(None, challenge_id)

    async def _members(self, extra: Any, challenge_id: int) -> list[Member]:
        q = (
            select(challenge_members.c.learner_id, identities.c.display_name, challenge_members.c.joined_at,
                   challenge_members.c.left_at)
            .join(challenges, challenges.c.id == challenge_members.c.challenge_id)
            .outerjoin(identities, and_(identities.c.learner_id == challenge_members.c.learner_id,
                                        identities.c.platform == challenges.c.platform))
            .where(challenge_members.c.challenge_id == challenge_id)
            .order_by(challenge_members.c.joined_at, challenge_members.c.learner_id)
        )
        if extra is not None:
            q = q.where(extra)
        async with self._reading() as conn:
            rows = (await conn.execute(q)).all()
        return [Member(r[0], r[1] or "learner", r[2], r[3]) for r in rows]

    # ------------------------------------------------------------ posts and answers

    async def challenge_post(self, challenge_id: int, day: int) -> Post | None:
        async with self._reading() as conn:
            row = (await conn.execute(select(challenge_posts).where(
                challenge_posts.c.challenge_id == challenge_id, challenge_posts.c.day == day))).first()
        return _post(row) if row else None

    async def challenge_posts(self, challenge_id: int) -> list[Post]:
        async with self._reading() as conn:
            rows = await conn.execute(select(challenge_posts).where(challenge_posts.c.challenge_id == challenge_id)
                                      .order_by(challenge_posts.c.day))
            return [_post(r) for r in rows]

    async def challenge_answers(self, challenge_id: int) -> list[Answer]:
        async with self._reading() as conn:
            rows = await conn.execute(
                select(challenge_answers.c.day, challenge_answers.c.learner_id, challenge_answers.c.answered_at,
                       challenge_answers.c.correct, challenge_answers.c.ms)
                .where(challenge_answers.c.challenge_id == challenge_id)
            )
            return [Answer(*r) for r in rows]

    async def has_challenge_answer(self, challenge_id: int, day: int, learner_id: int) -> bool:
        async with self._reading() as conn:
            return bool((await conn.execute(select(exists().where(
                challenge_answers.c.challenge_id == challenge_id, challenge_answers.c.day == day,
                challenge_answers.c.learner_id == learner_id,
            )))).scalar())

    async def record_challenge_answer(self, challenge_id: int, day: int, rec: AnswerRecord, ms: int) -> bool:
        """The member's one answer to the post, with its practice attempt: False (nothing written) when the
        member already answered it. Unlike ``record_answer``, the member's own open question stays open."""
        async with self._writing() as conn:
            result = await conn.execute(self._insert_ignore(
                challenge_answers, challenge_id=challenge_id, day=day, learner_id=rec.learner_id,
                answered_at=rec.at, correct=rec.correct, ms=ms, answer=rec.answer[:200],
            ))
            if result.rowcount != 1:
                return False
            await self._record_attempt(conn, rec)
        return True

    async def practice_attempts(
        self, learner_ids: list[int], since: datetime, until: datetime, unit_ids: list[str] | None,
    ) -> list[tuple[int, str, datetime]]:
        """Right answers in one's own practice (not challenge posts, not skips) in [since, until)."""
        if not learner_ids:
            return []
        q = select(attempts.c.learner_id, attempts.c.prompt_id, attempts.c.at).where(
            attempts.c.learner_id.in_(learner_ids), attempts.c.correct.is_(True),
            attempts.c.source.notin_(("challenge", "skip")), attempts.c.at >= since, attempts.c.at < until,
        )
        if unit_ids is not None:
            q = q.where(attempts.c.unit_id.in_(unit_ids))
        async with self._reading() as conn:
            return [tuple(r) for r in await conn.execute(q)]

    # ------------------------------------------------------------ the sweep

    async def claim_due_challenges(
        self, now: datetime, limit: int, decide: Callable[[Challenge, set[str], bool], Decision],
        platforms: set[str],
    ) -> list[PostClaim]:
        q = (
            select(challenges)
            .where(challenges.c.status == "active", challenges.c.next_post_at <= now,
                   challenges.c.platform.in_(sorted(platforms)))
            .order_by(challenges.c.next_post_at, challenges.c.id)
            .limit(limit)
        )
        if self.dialect == "postgresql":
            q = q.with_for_update(skip_locked=True)
        claims: list[PostClaim] = []
        async with self._writing() as conn:
            due = [_challenge(r) for r in (await conn.execute(q)).all()]
            if not due:
                return []
            ids = [c.id for c in due]
            posted: dict[int, dict[int, tuple[str, str]]] = {}
            for r in await conn.execute(
                select(challenge_posts.c.challenge_id, challenge_posts.c.day, challenge_posts.c.prompt_id,
                       challenge_posts.c.outcome).where(challenge_posts.c.challenge_id.in_(ids))
            ):
                posted.setdefault(r.challenge_id, {})[r.day] = (r.prompt_id, r.outcome)
            daily_chats = {(c.platform, c.chat_id) for c in due if c.kind == "daily"}
            running: set[tuple[str, str]] = set()
            if daily_chats:
                running = {tuple(r) for r in await conn.execute(
                    select(challenges.c.platform, challenges.c.chat_id).where(
                        challenges.c.kind == "challenge", challenges.c.status == "active",
                        or_(*(and_(challenges.c.platform == p, challenges.c.chat_id == c) for p, c in daily_chats)),
                    )
                )}
            for ch in due:
                mine = posted.get(ch.id, {})
                d = decide(ch, {p for p, _ in mine.values()}, (ch.platform, ch.chat_id) in running)
                fresh = False
                if d.action == "end":
                    result = await conn.execute(
                        update(challenges).where(challenges.c.id == ch.id, challenges.c.status == "active")
                        .values(status="ended", ended_at=now, next_post_at=None)
                    )
                    claims.append(PostClaim(ch, d, result.rowcount == 1))
                    continue
                if d.action == "post":
                    if d.day in mine:  # claimed before: again only if it did not go out (a resumed challenge)
                        d = replace(d, prompt_id=mine[d.day][0])
                        result = await conn.execute(
                            update(challenge_posts).where(
                                challenge_posts.c.challenge_id == ch.id, challenge_posts.c.day == d.day,
                                challenge_posts.c.outcome.in_(RETRY_OUTCOMES),
                            ).values(outcome="claimed", posted_at=now, closes_at=d.closes_at)
                        )
                    else:
                        result = await conn.execute(self._insert_ignore(
                            challenge_posts, challenge_id=ch.id, day=d.day, prompt_id=d.prompt_id,
                            local_date=d.local_date, posted_at=now, closes_at=d.closes_at, outcome="claimed",
                        ))
                    fresh = result.rowcount == 1
                await conn.execute(update(challenges).where(challenges.c.id == ch.id)
                                   .values(next_day=d.next_day, next_post_at=d.next_at))
                claims.append(PostClaim(ch, d, fresh))
        return claims

    async def record_post_outcome(self, challenge_id: int, day: int, outcome: str) -> None:
        async with self._writing() as conn:
            await conn.execute(update(challenge_posts).where(
                challenge_posts.c.challenge_id == challenge_id, challenge_posts.c.day == day,
            ).values(outcome=outcome))


EXPORTED = (("challenge_members", challenge_members), ("challenge_answers", challenge_answers))


async def forget_challenge_rows(conn: AsyncConnection, learner_id: int) -> None:
    """A learner's challenge rows go with them; schedules they organised stay with their chats, unowned."""
    for table in (challenge_answers, challenge_members):
        await conn.execute(delete(table).where(table.c.learner_id == learner_id))
    await conn.execute(update(challenges).where(challenges.c.organiser_id == learner_id).values(organiser_id=None))
