"""The console shows no images: a lesson's and a question's figures are PNG files whose paths it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.support.figures import content_with_figures, pixels


def test_the_console_prints_the_figure_files(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
           "CONTENT_DIR": str(content_with_figures(tmp_path)), "DATA_DIR": str(tmp_path)}
    env.pop("DISCORD_TOKEN", None)
    env.pop("TELEGRAM_TOKEN", None)
    p = subprocess.run([sys.executable, "-m", "bot", "console"], input="/start\n/next\n/1\n", capture_output=True,
                       text=True, timeout=120, env=env, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stdout + p.stderr
    lesson = re.search(r"🖼 Figure \(Adding vectors tip to tail\): (\S+\.png)\n", p.stdout)
    assert lesson, p.stdout
    question = re.search(r"Which is 3 \+ 3\?.*?🖼 Figure: (\S+\.png)\n", p.stdout, re.S)
    assert question, p.stdout
    for m in (lesson, question):
        path = Path(m[1])
        assert path.is_absolute() and path.is_file() and tmp_path in path.parents
        assert pixels(path.read_bytes()).shape[:2] == (600, 900)
    assert lesson[1] != question[1]
    # the figure line comes right after the lesson's text, before its buttons
    assert re.search(r"🖼 Figure \(Adding vectors tip to tail\): \S+\n\[/1\] Done ✓", p.stdout)
