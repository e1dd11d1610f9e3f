"""Nobody acts for anyone else: destructive confirms carry a single-use nonce, a personal message's buttons in a
group carry their owner, every button checks the presser's own state, personal data is marked confidential.
(The platforms' side, through the real clients: tests/integration/*/test_privacy_*.py.)"""

from __future__ import annotations

from bot.core.model import Actor
from bot.core.service import owner_tag, split_owner
from tests.support.conversation import ADA, db_state, press

ANN = Actor("telegram", "1001", "Ann", chat_id="-100", is_private=False, guild_id="-100")
BEN = Actor("telegram", "1002", "Ben", chat_id="-100", is_private=False, guild_id="-100")
BEN_DM = Actor("telegram", "1002", "Ben", chat_id="1002")


def actions(replies) -> list[str]:
    return [b.action for r in replies for b in r.all_buttons]


async def test_forget_confirm_acts_once_for_the_one_who_asked_within_minutes(core, repo, clock):
    await core.handle_text(BEN_DM, "/next")
    asked = await core.handle_text(ADA, "/forget")
    yes = next(a for a in actions(asked) if a.startswith("fy:"))
    assert len(yes) > len("fy:") + 8  # a nonce, not a bare verb
    before = await db_state(repo)
    r = await core.press(BEN_DM, yes)  # someone else's confirm (forged: Ben never saw it)
    assert "nothing was deleted" in r[0].text and await db_state(repo) == before
    r = await core.press(ADA, "fy")  # the old bare form
    assert "nothing was deleted" in r[0].text and await db_state(repo) == before
    r = await core.press(ADA, yes)
    assert "everything about you is deleted" in r[0].text
    assert await repo.find_learner("console", "ada") is None
    await core.handle_text(ADA, "/next")  # Ada starts again, then presses the old Yes
    before = await db_state(repo)
    r = await core.press(ADA, yes)
    assert "expired or was already used" in r[0].text and await db_state(repo) == before
    asked = await core.handle_text(ADA, "/forget")
    clock.advance(minutes=5, seconds=1)
    before = await db_state(repo)
    r = await press(core, ADA, asked, "Yes")
    assert "expired" in r[0].text and await db_state(repo) == before
    assert await repo.find_learner("telegram", "1002") is not None


async def test_a_group_members_buttons_are_hers_and_anyone_elses_press_changes_nothing(core, repo):
    lesson = await core.handle_text(ANN, "/next")
    tag = owner_tag(ANN.user_id)
    assert actions(lesson) and all(split_owner(a)[1] == tag for a in actions(lesson))
    await core.handle_text(BEN, "/next")
    before = await db_state(repo)
    for label in ("Done", "Practice", "Skip"):
        r = await press(core, BEN, lesson, label)
        assert r[0].alert and r[0].text == "🔒 This is Ann's lesson — /next gives you yours.", r[0].text
        assert await db_state(repo) == before
    r = await core.handle_text(BEN, "42", reply_actions=actions(lesson))  # a reply to Ann's lesson
    assert "Ann's lesson" in r[0].text and await db_state(repo) == before
    r = await press(core, ANN, lesson, "Done")
    assert "Lesson “Unit One” done" in r[0].text
    question = r
    before = await db_state(repo)
    r = await press(core, BEN, question, "Hint")
    assert "This is Ann's question" in r[0].text and await db_state(repo) == before
    r = await core.handle_text(BEN, "3/4", reply_actions=actions(question))
    assert "This is Ann's question" in r[0].text and await db_state(repo) == before
    # in a private chat, buttons carry no owner (nobody else sees them)
    assert not any(split_owner(a)[1] for a in actions(await core.handle_text(BEN_DM, "/next")))


async def test_a_forged_or_stale_lesson_button_never_changes_state(core, repo, catalog):
    first = await core.handle_text(ADA, "/next")
    later = catalog.units[-1]
    assert later.needs  # not reached: its prerequisites are open
    before = await db_state(repo)
    for verb in ("d", "p", "s"):
        r = await core.press(ADA, f"{verb}:{later.id}")
        assert "no longer open, so nothing changed" in r[0].text
        r = await core.press(ADA, f"{verb}:no-such-unit")
        assert "nothing changed" in r[0].text
    assert await db_state(repo) == before
    await press(core, ADA, first, "Skip")  # Unit One skipped: the next lesson is open now
    before = await db_state(repo)
    r = await press(core, ADA, first, "Done")  # the old lesson's button
    assert "“Unit One” is already skipped, so nothing more changed" in r[0].text and await db_state(repo) == before


async def test_personal_data_is_confidential(core):
    await core.handle_text(ANN, "/next")
    for command in ("/export", "/forget", "/progress", "/settings"):
        [r] = await core.handle_text(ANN, command)
        assert r.confidential and r.private and r.public_text, command
    # a change in a group: said there (the person typed it there), the settings come privately
    for command, said in (("/timezone Europe/Berlin", "🌍 Time zone set."), ("/settings Europe/Berlin", "🌍 Time zone set."),
                          ("/remind 07:30", "⏰ Done: a reminder every day at 07:30 (Europe/Berlin)."),
                          ("/pause 2", "⏸ Reminders paused; they resume on Thu 12 Mar.")):
        change, settings = await core.handle_text(ANN, command)
        assert change.text == said and not change.confidential, command
        assert settings.confidential and "Your settings" in settings.text and said not in settings.text, command
    [r] = await core.handle_text(BEN_DM, "/timezone Europe/Berlin")  # in a private chat: one reply
    assert r.text.startswith("🌍 Time zone set.\n\n⚙️ **Your settings**")
    [r] = await core.handle_text(ANN, "/topics")
    assert not r.confidential
