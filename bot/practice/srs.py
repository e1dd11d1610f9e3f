"""Interim: replaced by the practice engine (FSRS)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta


def rating_for(correct: bool, hinted: bool, revealed: bool) -> str:
    if revealed or not correct:
        return "again"
    return "hard" if hinted else "good"


def review(card_json: str | None, rating: str, now: datetime) -> tuple[str, datetime]:
    days = {"again": 0, "hard": 1, "good": 3}[rating]
    due = now + (timedelta(minutes=10) if days == 0 else timedelta(days=days))
    return json.dumps({"due": due.isoformat()}), due
