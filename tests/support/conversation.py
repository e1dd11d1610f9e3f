"""Talking to the core in tests: two people, pressing a button by its label, answering the open question
right or wrong, and every stored row (to show that something changed nothing)."""

from __future__ import annotations

from sqlalchemy import select

from bot.core.model import Actor
from bot.storage.tables import metadata

ADA = Actor("console", "ada", "Ada")
BOB = Actor("telegram", "7", "Bob <script>")


async def db_state(repo) -> dict:
    out = {}
    async with repo.engine.connect() as conn:
        for name, table in metadata.tables.items():
            out[name] = sorted(map(tuple, (await conn.execute(select(table))).all()), key=repr)
    return out


def texts(replies) -> str:
    return "\n".join(r.text for r in replies)


def press(core, actor, replies, label_start):
    for r in replies:
        for b in r.all_buttons:
            if b.label.startswith(label_start):
                return core.press(actor, b.action)
    raise AssertionError(f"no button {label_start!r} in {[b.label for r in replies for b in r.all_buttons]}")


def asked(catalog, learner):
    """The learner's open question as it was asked (a template's numbers drawn for this learner)."""
    from bot.core.learning import as_asked

    return as_asked(catalog.prompt_by_id[learner.open_prompt], learner).prompt


async def answer_open_prompt(core, actor, catalog, right=True):
    learner = await core.repo.find_learner(actor.platform, actor.user_id)
    prompt = asked(catalog, learner)
    a = prompt.answer
    if a.kind == "choice":
        idx = a.options.index(a.value) if right else next(i for i, o in enumerate(a.options) if o != a.value)
        return await core.press(actor, f"c:{prompt.id}:{idx}")
    return await core.handle_text(actor, f"/answer {a.value if right else prompt.mistakes[0].answer}")


async def miss_open_prompt(core, actor, catalog):
    """Get the open question wrong until it closes: distinct wrong tries (wrong options, listed mistakes),
    then Show solution if tries are left. Returns the closing replies."""
    learner = await core.repo.find_learner(actor.platform, actor.user_id)
    prompt = asked(catalog, learner)
    a = prompt.answer
    wrong = [f"c:{prompt.id}:{i}" for i, o in enumerate(a.options) if o != a.value] if a.kind == "choice" else \
        [f"/answer {m.answer}" for m in prompt.mistakes]
    for move in wrong:
        r = await (core.press(actor, move) if move.startswith("c:") else core.handle_text(actor, move))
        learner = await core.repo.find_learner(actor.platform, actor.user_id)
        if learner.open_prompt != prompt.id:
            return r
    return await core.handle_text(actor, "/solution")
