"""What the test tiers share: paths, a clock tests can move, PostgreSQL scratch databases, the fake
platforms (``fake_discord``, ``fake_telegram``), a recording Messenger and conversation helpers.

Test modules import helpers from here, never from one another.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_CONTENT = ROOT / "tests" / "fixtures" / "content"


class FakeClock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        assert now.tzinfo is not None
        self.now = now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


def examples(n: int) -> int:
    """A property's example count: ``n`` in the full run (hypothesis' default profile, 100 examples), scaled
    down in proportion under a lighter profile such as the fast loop's ``--hypothesis-profile=fast``."""
    from hypothesis import settings

    return max(1, n * settings.default.max_examples // 100)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_yaml(text: str):
    """``yaml.safe_load`` with libyaml's parser where PyYAML has it (the same data, several times faster)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def written_table(statement: str) -> str | None:
    """The table an INSERT, UPDATE or DELETE statement writes (lower case), None for any other statement."""
    words = statement.split(None, 3)
    verb = words[0].upper() if words else ""
    if verb == "UPDATE" and len(words) > 1:
        return words[1].strip('"').lower()
    if verb in ("INSERT", "DELETE") and len(words) > 2:
        return words[2].strip('"').lower()
    return None
