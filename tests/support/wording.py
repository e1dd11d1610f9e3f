"""Each platform in its own words: what a reply on one platform must never mention of another.

The fakes scan every message the bot sends (texts, captions, embeds, button labels, popups, command menus)
and keep what they find in ``foreign``; stopping a fake fails on any, so every test that runs a bot against
one checks its words (the fuzzers check after each input, leaving out words they typed themselves).
"""

from __future__ import annotations

import re

# On Telegram: Discord's things. On Discord: Telegram's. The console is neither.
_DISCORD_WORDS = r"discord|servers?|guilds?|ephemeral|slash[- ]commands?|manage server"
_TELEGRAM_WORDS = r"telegram|group chats?"
FOREIGN = {
    "telegram": re.compile(rf"\b({_DISCORD_WORDS})\b", re.I),
    "discord": re.compile(rf"\b({_TELEGRAM_WORDS})\b", re.I),
    "console": re.compile(r"\b(discord|telegram|servers?|guilds?|ephemeral|slash[- ]commands?)\b", re.I),
}


def foreign_words(platform: str, text: str) -> list[str]:
    """The other platforms' words in ``text``, as shown on ``platform``."""
    return [m.group(0) for m in FOREIGN[platform].finditer(text or "")]


def scan(platform: str, found: list[str], *texts: str) -> None:
    """Add to ``found`` each text that names another platform's things (with the words, for the message)."""
    for text in texts:
        words = foreign_words(platform, text)
        if words:
            found.append(f"{words} in {text[:300]!r}")
