"""Command line: ``python -m bot [run|console|check-content|migrate]``."""

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
    sub.add_parser("run", help="run the bot: Discord/Telegram with tokens, else the console chat")
    con = sub.add_parser("console", help="chat with the bot in this terminal")
    con.add_argument("--user", default="you", help="who you are (several learners can share a database)")
    chk = sub.add_parser("check-content", help="validate a content folder and report every problem")
    chk.add_argument("dir", nargs="?", help="content folder (default: CONTENT_DIR)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("healthcheck", help="exit 0 when the database answers and its schema is current")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cmd = args.cmd or "run"
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    secrets = [s.get_secret_value() for s in (settings.discord_token, settings.telegram_token) if s]
    console_mode = cmd in ("console", "healthcheck") or (cmd == "run" and not secrets)
    level = settings.log_level if not console_mode else max(logging.WARNING, logging.getLevelName(settings.log_level))
    setup_logging(logging.getLevelName(level) if isinstance(level, int) else level, settings.log_format, secrets)

    if cmd == "check-content":
        return check_content(Path(args.dir) if args.dir else settings.content_dir)
    try:
        if cmd == "migrate":
            return asyncio.run(_migrate(settings))
        if cmd == "healthcheck":
            return asyncio.run(_healthcheck(settings))
        if console_mode:
            return asyncio.run(_console(settings, getattr(args, "user", "you")))
        return asyncio.run(_run_platforms(settings))
    except KeyboardInterrupt:
        return 130


def check_content(directory: Path) -> int:
    from bot.app import content_checks
    from bot.content.loader import check_directory

    catalog, problems = check_directory(directory, content_checks())
    for p in problems:
        print(p)
    if problems or catalog is None:
        print(f"content: {len(problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    print(catalog.summary_line())
    return 0


async def _migrate(settings: Settings) -> int:
    from bot.storage.db import create_engine, migrate

    engine = create_engine(settings.database_url)
    try:
        rev = await migrate(engine)
    finally:
        await engine.dispose()
    print(f"database is at revision {rev}")
    return 0


async def _healthcheck(settings: Settings) -> int:
    from bot.storage.db import create_engine, current_revision, head_revision

    engine = create_engine(settings.database_url)
    try:
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
    from bot.adapters.console import ConsoleChat
    from bot.app import build_app
    from bot.content.loader import ContentError

    try:
        app = await build_app(settings)
    except ContentError as exc:
        print(f"error: the content in {settings.content_dir} has problems:\n{exc}", file=sys.stderr)
        return 2
    try:
        await ConsoleChat(app.core, user, files_dir=settings.data_dir / "exports").run()
    finally:
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
