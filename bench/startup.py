"""Start-up: time from process start to ready, for the console chat (``python -m bot console``).

    python bench/startup.py [--runs 7] [--db FILE]

Ready means: settings read, the curriculum loaded and validated into the catalog, the answer checker warmed
up, the database schema migrated or checked, and the first typed line read. Each run starts a fresh
``python -m bot console`` with ``/help`` piped in and stops the clock when the reply arrives (``/help``
touches no database row, so this is start-up plus a fraction of a millisecond). The first run migrates a
new database (a first start); the others start on that migrated database, which is the usual start and
the figure reported (``startup_s``: the median). ``--db`` measures against an existing database instead,
e.g. one seeded by bench/memory.py. The last line printed is one JSON object. Target: under 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def once(env: dict[str, str], cwd: str) -> float:
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "console", "--user", "bench"], cwd=cwd, env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(b"/help\n")
    proc.stdin.flush()
    first = proc.stdout.readline()  # the echo of /help is flushed with its reply
    elapsed = time.perf_counter() - t
    proc.stdin.close()
    out = proc.stdout.read()  # the rest (communicate() would miss what readline() already buffered)
    err = proc.stderr.read()
    proc.wait(timeout=60)
    if proc.returncode != 0 or not first:
        raise SystemExit(f"the console did not answer (exit {proc.returncode}):\n{err.decode()[-2000:]}")
    if b"Commands" not in first + out:
        raise SystemExit(f"unexpected console output: {(first + out).decode()[:500]!r}; stderr: {err.decode()[-1500:]}")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--db", help="an existing SQLite database to start on")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.db).resolve() if args.db else Path(tmp) / "startup.sqlite3"
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{db}", "CONTENT_DIR": str(ROOT / "content"),
               "DATA_DIR": str(Path(tmp) / "data"), "TELEGRAM_TOKEN": "", "DISCORD_TOKEN": "", "LOG_LEVEL": "WARNING",
               "PYTHONPATH": str(ROOT)}
        times = [once(env, tmp) for _ in range(args.runs)]
    first, rest = times[0], times[1:] or times
    print(f"first start{'' if args.db else ' (new database: migrations run)'}: {first:.2f}s")
    print(f"starts on the migrated database: {', '.join(f'{t:.2f}' for t in rest)} s")
    figures = {
        "startup_s": round(statistics.median(rest), 3),
        "startup_max_s": round(max(rest), 3),
        "startup_first_s": round(first, 3),
        "runs": len(times),
        "startup_target_met": statistics.median(rest) < 2,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
