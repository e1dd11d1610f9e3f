"""Command line: ``python -m bot [run|console|check-content|migrate|healthcheck|backup]``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.config import Settings, SettingsError, load_settings
from bot.logs import setup_logging

log = logging.getLogger("bot")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bot", description="ML maths study companion")
    sub = p.add_subparsers(dest="cmd")
    sub.add_parser("run", help="run the bot on Discord and/or Telegram (needs DISCORD_TOKEN or TELEGRAM_TOKEN); "
                              "`python -m bot` alone runs it, or the console chat when no token is set")
    con = sub.add_parser("console", help="chat with the bot in this terminal")
    con.add_argument("--user", default="you", help="who you are (several learners can share a database)")
    chk = sub.add_parser("check-content", help="validate a content folder and report every problem")
    chk.add_argument("dir", nargs="?", help="content folder (default: CONTENT_DIR)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("healthcheck", help="exit 0 when the running bot answers GET /healthz (OPS_PORT set), "
                                       "else when the database answers and its schema is current")
    bak = sub.add_parser("backup", help="a consistent copy of the SQLite database, also while the bot runs")
    bak.add_argument("path", help="the file to write, or a folder for a dated file name in it")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cmd = args.cmd or "run"
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    secrets = settings.secrets
    platforms = settings.discord_token or settings.telegram_token
    if args.cmd == "run" and not platforms:
        # explicit `run` (the Docker image's command) needs a platform; `python -m bot` alone opens the console
        print("error: no DISCORD_TOKEN or TELEGRAM_TOKEN is set: put one in .env, "
              "or use `python -m bot console` to chat in this terminal", file=sys.stderr)
        return 2
    console_mode = cmd in ("console", "healthcheck", "backup") or (cmd == "run" and not platforms)
    level = settings.log_level if not console_mode else max(logging.WARNING, logging.getLevelName(settings.log_level))
    setup_logging(logging.getLevelName(level) if isinstance(level, int) else level, settings.log_format, secrets)

    if cmd == "check-content":
        return check_content(Path(args.dir) if args.dir else settings.content_dir)
    if cmd == "backup":
        return backup(settings, args.path)
    from bot.storage.db import DatabaseProblem, explain
    from bot.storage.lock import AlreadyRunning, lock_database

    lock = None
    try:
        if cmd == "migrate":
            return asyncio.run(_migrate(settings))
        if cmd == "healthcheck":
            return asyncio.run(_healthcheck(settings))
        try:  # run and console: one process per SQLite file
            lock = lock_database(settings.database_url)
        except OSError as exc:  # the lock file cannot be written: a read-only folder
            raise DatabaseProblem(explain(exc, settings.database_url)) from exc
        if console_mode:
            return asyncio.run(_console(settings, getattr(args, "user", "you")))
        return asyncio.run(_run_platforms(settings))
    except (AlreadyRunning, DatabaseProblem) as exc:  # one line: what is wrong and what to do
        log.debug("start-up failed", exc_info=exc)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if lock is not None:
            lock.release()


def check_content(directory: Path) -> int:
    from bot.app import content_checks, figure_problems
    from bot.content.loader import check_directory

    catalog, problems = check_directory(directory, content_checks(), [figure_problems])
    for p in problems:
        print(p)
    if problems or catalog is None:
        print(f"content: {len(problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    print(catalog.summary_line())
    print(catalog.template_line())
    print(catalog.figure_line())
    return 0


async def _migrate(settings: Settings) -> int:
    from bot.storage.db import head_revision, open_database

    engine = await open_database(settings.database_url, wait=settings.database_wait_seconds)
    await engine.dispose()
    print(f"database is at revision {head_revision()}")
    return 0


def backup(settings: Settings, target: str) -> int:
    from bot.storage.backup import BackupError, backup_sqlite, sqlite_file_of

    try:
        result = backup_sqlite(sqlite_file_of(settings.database_url), target)
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"backup: {result.path} ({result.size:,} bytes, schema revision {result.revision or '?'})")
    return 0


async def _healthcheck(settings: Settings) -> int:
    from bot.storage.db import create_engine, current_revision, head_revision

    if settings.ops_port:  # the running bot's own answer: database, platforms, not shutting down
        from bot.ops import probe

        ok, detail = await asyncio.to_thread(probe, settings.ops_listen, settings.ops_port)
        print("ok" if ok else f"unhealthy: {detail}", file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1

    engine = create_engine(settings.database_url)
    try:
        async with asyncio.timeout(8):  # within a container runtime's 10 s healthcheck timeout
            rev = await current_revision(engine)
    except Exception as exc:
        print(f"unhealthy: the database does not answer: {type(exc).__name__}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    if rev != head_revision():
        print(f"unhealthy: schema at {rev}, expected {head_revision()}", file=sys.stderr)
        return 1
    print("ok")
    return 0


async def _console(settings: Settings, user: str) -> int:
    from bot.adapters.console import ConsoleChat, ConsoleReminders
    from bot.app import build_app
    from bot.content.loader import ContentError

    try:
        app = await build_app(settings)
    except ContentError as exc:
        print(f"error: the content in {settings.content_dir} has problems:\n{exc}", file=sys.stderr)
        return 2
    chat = ConsoleChat(app.core, user, files_dir=settings.data_dir / "exports")
    reminders = ConsoleReminders(chat, app.catalog, app.repo, app.core.clock, settings.reminder_grace_minutes)
    try:
        await reminders.start()  # what came due while the chat was closed (within the grace period) first
        await chat.run()
    finally:
        reminders.stop()
        await app.close()
    return 0


async def _run_platforms(settings: Settings) -> int:
    from bot.app import build_app, run_platforms
    from bot.content.loader import ContentError

    try:
        app = await build_app(settings)
    except ContentError as exc:
        log.error("the content in %s has problems:\n%s", settings.content_dir, exc)
        return 2
    try:
        await run_platforms(app)
    except Exception as exc:  # e.g. a rejected token: one clear line, never the token itself
        log.error("stopped: %s: %s", type(exc).__name__, exc)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
