"""A command is one transaction on one pooled connection: committed when it ends, rolled back on an error;
one person's commands take turns."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from bot.core.model import Actor
from bot.storage.tables import learners
from tests.support.conversation import ADA, asked, db_state

BOB = Actor("console", "bob", "Bob")


class Checkouts:
    def __init__(self, engine) -> None:
        self.n = 0
        event.listen(engine.sync_engine.pool, "checkout", self._count)

    def _count(self, *_: object) -> None:
        self.n += 1


async def test_each_command_checks_out_one_connection(core, catalog):
    checkouts = Checkouts(core.repo.engine)
    await core.handle_text(ADA, "/next")  # creates the learner: several reads and writes
    assert checkouts.n == 1
    await core.handle_text(ADA, "/done")
    assert checkouts.n == 2
    learner = await core.repo.find_learner(ADA.platform, ADA.user_id)
    answer = asked(catalog, learner).answer
    before = checkouts.n
    replies = await core.handle_text(ADA, f"/answer {answer.value}")  # reads, then a transaction of writes
    assert "Right" in replies[0].text
    assert checkouts.n - before == 1
    before = checkouts.n
    await core.handle_text(ADA, "/progress")
    assert checkouts.n - before == 1


async def test_another_connection_sees_nothing_until_the_unit_ends(repo, db_url, clock):
    from bot.storage.db import create_engine

    other_process = create_engine(db_url)

    async def seen() -> list:
        async with other_process.connect() as other:
            return (await other.execute(select(learners.c.focus_topic))).all()

    async with repo.unit("console:ada"):
        learner = await repo.get_or_create_learner("console", "ada", "Ada", "UTC", clock())
        await repo.update_learner(learner.id, focus_topic="algebra")
        assert await seen() == []  # another engine (another process) sees neither write yet
    assert [r.focus_topic for r in await seen()] == ["algebra"]
    await other_process.dispose()


async def test_a_failed_write_rolls_back_the_whole_unit(repo, clock):
    with pytest.raises(IntegrityError):
        async with repo.unit("console:ada"):
            learner = await repo.get_or_create_learner("console", "ada", "Ada", "UTC", clock())
            await repo.update_learner(learner.id, focus_topic="calculus")
            await repo.update_learner(learner.id, timezone=None)  # NOT NULL: the database refuses it
    assert await repo.find_learner("console", "ada") is None
    assert await repo.count_rows("learners") == 0 and await repo.count_rows("identities") == 0


async def test_an_error_in_the_command_rolls_back_its_writes(repo, clock):
    with pytest.raises(RuntimeError):
        async with repo.unit("console:ada"):
            await repo.get_or_create_learner("console", "ada", "Ada", "UTC", clock())
            raise RuntimeError("the command failed after its first write")
    assert await repo.count_rows("learners") == 0


async def test_units_of_one_key_take_turns_and_others_do_not_wait(repo, clock):
    order: list[str] = []
    first_in = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with repo.unit("console:ada"):
            await repo.get_or_create_learner("console", "ada", "Ada", "UTC", clock())
            order.append("ada 1 in")
            first_in.set()
            await release.wait()
            order.append("ada 1 out")

    async def second() -> None:
        await first_in.wait()
        async with repo.unit("console:ada"):
            order.append("ada 2 in")

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await first_in.wait()
    for _ in range(20):
        await asyncio.sleep(0)
    assert order == ["ada 1 in"]
    if repo.dialect == "postgresql":  # another person's unit does not wait for Ada's (SQLite has one connection)
        async with asyncio.timeout(5), repo.unit("console:bob"):
            await repo.get_or_create_learner("console", "bob", "Bob", "UTC", clock())
            order.append("bob")
    release.set()
    await asyncio.gather(*tasks)
    assert order[-2:] == ["ada 1 out", "ada 2 in"]
    assert not repo._turns  # nothing kept once nobody waits


async def test_concurrent_commands_do_not_share_a_connection(core):
    # two learners at once, many times over: each task has its own unit; nothing interleaves on one connection
    await asyncio.gather(*(core.handle_text(a, "/next") for _ in range(10) for a in (ADA, BOB)))
    state = await db_state(core.repo)
    assert len(state["learners"]) == 2 and len(state["identities"]) == 2


async def test_sqlite_commands_take_turns(sqlite_url):
    """Two commands writing at once on SQLite: the second waits for the first in the pool (one connection),
    not in SQLite's sleeping busy handler."""
    from bot.storage.db import create_engine, migrate
    from bot.storage.repo import SqlRepository

    engine = create_engine(sqlite_url)
    await migrate(engine)
    repo = SqlRepository(engine)
    order: list[str] = []
    first_in = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with repo.unit(), repo._writing():
            order.append("first in")
            first_in.set()
            await release.wait()
            order.append("first out")

    async def second() -> None:
        await first_in.wait()
        async with repo.unit(), repo._writing():
            order.append("second in")

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await first_in.wait()
    for _ in range(5):
        await asyncio.sleep(0)
    assert order == ["first in"]
    release.set()
    await asyncio.gather(*tasks)
    assert order == ["first in", "first out", "second in"]
    await engine.dispose()
