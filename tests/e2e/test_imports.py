"""What importing a module costs, in a fresh interpreter: the renderers load matplotlib only when they draw."""

from __future__ import annotations

import subprocess
import sys


def test_import_does_not_load_matplotlib() -> None:
    code = "import sys, bot.render.formulas, bot.render.unicode, bot.render.charts; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
