"""The console adapter end to end: a real `python -m bot console` process with piped input."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support import FIXTURE_CONTENT, ROOT


def console_env(tmp_path, env: dict | None = None) -> dict[str, str]:
    """The console's environment in a test: a SQLite file and data folder in ``tmp_path``, no platform token."""
    e = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
         "CONTENT_DIR": str(FIXTURE_CONTENT), "DATA_DIR": str(tmp_path), **(env or {})}
    e.pop("DISCORD_TOKEN", None)
    e.pop("TELEGRAM_TOKEN", None)
    return e


def write_content(tmp_path, track: str, topics: dict[str, str]) -> dict[str, str]:
    """A curriculum written for one test (track.yaml and topics/<name>.yaml); the CONTENT_DIR setting for it."""
    content = tmp_path / "content"
    (content / "topics").mkdir(parents=True, exist_ok=True)
    (content / "track.yaml").write_text(track)
    for name, text in topics.items():
        (content / "topics" / f"{name}.yaml").write_text(text)
    return {"CONTENT_DIR": str(content)}


def run_console(tmp_path, lines: list[str], *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", *extra], input="\n".join(lines) + "\n", capture_output=True,
        text=True, timeout=120, env=console_env(tmp_path, env), cwd=tmp_path,
    )


def test_piped_conversation(tmp_path):
    p = run_console(tmp_path, ["/start", "/next", "/1", "/1", "/progress", "/nxt"])
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "> /start" in out and "Hi you!" in out
    assert "[/1] Done ✓  [/2] Practice ▶  [/3] Skip" in out
    assert "Lesson “Unit One” done" in out  # typing /1 pressed Done
    assert "Right!" in out  # /1 pressed the first option of the choice question (the right one)
    assert "Streak: 1 day" in out
    assert "Did you mean /next?" in out
    assert "Traceback" not in out + p.stderr


def test_start_on_a_current_schema_imports_only_what_the_first_reply_needs(tmp_path):
    """Start-up time: alembic is imported only to migrate, the platform and chart libraries only when used."""
    run_console(tmp_path, ["/help"])  # the first start migrates the new database
    p = run_console(tmp_path, ["/help"], env={"PYTHONPROFILEIMPORTTIME": "1"})
    assert p.returncode == 0 and "/next" in p.stdout
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0]
                for line in p.stderr.splitlines() if line.startswith("import time:")}
    assert {"sympy", "sqlalchemy", "yaml"} <= imported  # the checker is warmed up, the catalog loaded
    assert not imported & {"alembic", "matplotlib", "telegram", "discord"}


def test_two_learners_share_one_database(tmp_path):
    run_console(tmp_path, ["/next", "/1"], "--user", "ann")
    p = run_console(tmp_path, ["/progress"], "--user", "ben")
    assert "Progress of ben" in p.stdout and "Streak: 0 days" in p.stdout
    p = run_console(tmp_path, ["/progress"], "--user", "ann")
    assert "Progress of ann" in p.stdout and "Streak: 1 day" in p.stdout


def test_run_without_tokens_opens_the_console(tmp_path):
    e = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'b.sqlite3'}",
         "CONTENT_DIR": str(FIXTURE_CONTENT), "DISCORD_TOKEN": "", "TELEGRAM_TOKEN": ""}
    p = subprocess.run([sys.executable, "-m", "bot"], input="/help\n", capture_output=True, text=True,
                       timeout=120, env=e, cwd=tmp_path)
    assert p.returncode == 0 and "/next" in p.stdout


def test_default_database_is_sqlite_under_data(tmp_path):
    e = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DISCORD_TOKEN", "TELEGRAM_TOKEN")}
    e["CONTENT_DIR"] = str(FIXTURE_CONTENT)
    p = subprocess.run([sys.executable, "-m", "bot", "console"], input="/start\n", capture_output=True, text=True,
                       timeout=120, env=e, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "data" / "bot.sqlite3").exists()


def test_bad_setting_stops_startup_with_one_clear_line(tmp_path):
    p = run_console(tmp_path, ["/start"], env={"DEFAULT_TIMEZONE": "Mars/Base", "TELEGRAM_TOKEN": "123:SECRETSECRET"})
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [
        "error: bad setting DEFAULT_TIMEZONE: unknown IANA time zone 'Mars/Base' (try e.g. Europe/Berlin)"
    ]
    assert "SECRETSECRET" not in p.stdout + p.stderr


def test_migrate_command(tmp_path):
    e = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"}
    p = subprocess.run([sys.executable, "-m", "bot", "migrate"], capture_output=True, text=True, timeout=120,
                       env=e, cwd=ROOT)
    assert p.returncode == 0 and "revision" in p.stdout


def test_explicit_run_without_a_token_says_what_to_do(tmp_path):
    e = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite3'}",
         "CONTENT_DIR": str(FIXTURE_CONTENT), "DISCORD_TOKEN": "", "TELEGRAM_TOKEN": ""}
    p = subprocess.run([sys.executable, "-m", "bot", "run"], input="", capture_output=True, text=True,
                       timeout=120, env=e, cwd=tmp_path)
    assert p.returncode == 2
    assert p.stderr.strip().splitlines() == [
        "error: no DISCORD_TOKEN or TELEGRAM_TOKEN is set: put one in .env, "
        "or use `python -m bot console` to chat in this terminal"
    ]


def test_the_console_names_no_chat_platform(tmp_path):
    """Every command, bare and with a wrong argument, and a lesson and questions of the real curriculum:
    the console is neither Discord nor Telegram, and says nothing of either."""
    from bot.core.commands import build_registry
    from tests.support.wording import foreign_words

    names = [c.name for c in build_registry()]
    lines = ["/start", "/next", "/1", "/skip", "/next", "/hint", "/solution", "/next", "/resources algebra", "/1"]
    lines += [f"/{n}" for n in names if n != "forget"] + [f"/{n} nonsense" for n in names]
    p = run_console(tmp_path, lines, env={"CONTENT_DIR": str(ROOT / "content")})
    assert p.returncode == 0, p.stderr
    assert p.stdout.count("\n> ") >= len(lines) - 1 and "Traceback" not in p.stderr
    assert foreign_words("console", p.stdout) == [], [line for line in p.stdout.splitlines()
                                                        if foreign_words("console", line)]
