"""Logging set-up: plain lines or JSON, with every secret redacted from every record."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable

_TELEGRAM_TOKEN = re.compile(r"\d{6,12}:[A-Za-z0-9_-]{30,}")
# the value of a webhook secret header or parameter, right or wrong (what an attacker sent is no one's business)
_SECRET_VALUE = re.compile(r"((?:X-Telegram-Bot-Api-Secret-Token|secret_token)['\"]?\s*[:=]\s*['\"]?)[^\s'\",}]+",
                           re.I)


class RedactingFilter(logging.Filter):
    """Every configured secret, whatever its length (the longest first, so that one containing another is
    hidden whole), Telegram bot tokens, and any secret header's value."""

    def __init__(self, secrets: Iterable[str]):
        super().__init__()
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for s in self.secrets:
            text = text.replace(s, "***")
        text = _SECRET_VALUE.sub(r"\1***", text)
        return _TELEGRAM_TOKEN.sub("***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        clean = self.redact(msg)
        if clean != msg or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_text:
            out["exc"] = record.exc_text
        return json.dumps(out, ensure_ascii=False)


def setup_logging(level: str, fmt: str = "plain", secrets: Iterable[str] = (), stream=sys.stderr) -> None:
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "aiosqlite", "alembic", "matplotlib", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
