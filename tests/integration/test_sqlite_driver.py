"""The one-trip aiosqlite DBAPI answers exactly as SQLAlchemy's stock adaptor, in one trip per statement."""

from __future__ import annotations

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.db import create_engine

meta = MetaData()
things = Table("things", meta, Column("id", Integer, primary_key=True), Column("name", String, unique=True))


async def script(engine) -> list:
    """Every kind of statement the repository runs; what each returned."""
    out: list = []
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
        r = await conn.execute(insert(things).values(name="a").returning(things.c.id))
        out.append(r.scalar_one())
        r = await conn.execute(insert(things), [{"name": n} for n in "bcde"])  # executemany
        out.append(r.rowcount)
        r = await conn.execute(insert(things).values(name="f"))
        out.append(r.inserted_primary_key)
        r = await conn.execute(update(things).where(things.c.id > 3).values(name=things.c.name + "!"))
        out.append(r.rowcount)
        r = await conn.execute(delete(things).where(things.c.id == 2))
        out.append(r.rowcount)
    async with engine.connect() as conn:
        rows = (await conn.execute(select(things).order_by(things.c.id))).all()
        out.append([tuple(r) for r in rows])
        out.append(list((await conn.execute(select(things.c.name).where(things.c.id < 0))).all()))
        out.append((await conn.execute(text("SELECT count(*) AS n FROM things"))).mappings().one())
        with pytest.raises(IntegrityError):
            await conn.execute(insert(things).values(name="a"))
        await conn.rollback()
        out.append((await conn.execute(select(things.c.name).where(things.c.id == 1))).scalar_one())
    await engine.dispose()
    return out


async def test_same_answers_as_the_stock_adaptor(tmp_path):
    ours = await script(create_engine(f"sqlite+aiosqlite:///{tmp_path}/ours.sqlite3"))
    stock = await script(create_async_engine(f"sqlite+aiosqlite:///{tmp_path}/stock.sqlite3"))
    assert ours == stock
    assert ours[0] == 1 and ours[1] == 4 and ours[5][0] == (1, "a") and ours[-1] == "a"


async def test_one_trip_to_the_driver_thread_per_statement(tmp_path, monkeypatch):
    trips = 0
    real = aiosqlite.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        nonlocal trips
        trips += 1
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/t.sqlite3")
    async with engine.begin() as conn:
        await conn.run_sync(meta.create_all)
        await conn.execute(insert(things), [{"name": n} for n in "abc"])
    async with engine.connect() as conn:
        trips = 0
        for _ in range(10):
            assert len((await conn.execute(select(things))).all()) == 3
        assert trips == 10
    await engine.dispose()
