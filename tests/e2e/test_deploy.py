"""The deployment files: compose is valid (docker-compose parses it where installed, else a structure
check), the image's commands exist, and the healthcheck command works."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.support import ROOT


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_structure():
    c = compose()
    bot = c["services"]["bot"]
    assert bot["env_file"] == ".env" and bot["restart"] == "unless-stopped"
    assert "bot-data:/app/data" in bot["volumes"]
    assert bot["healthcheck"]["test"] == ["CMD", "python", "-m", "bot", "healthcheck"]
    assert bot["environment"]["OPS_PORT"].startswith("${OPS_PORT-8080}")  # the healthcheck asks GET /healthz
    assert int(bot["stop_grace_period"].rstrip("s")) > 10  # the bot stops within 10 s of SIGTERM
    assert "profiles" not in bot and "ports" not in bot  # starts by default; scalable (--scale bot=N)
    pg = c["services"]["postgres"]
    assert pg["profiles"] == ["postgres"] and "pg-data:/var/lib/postgresql/data" in pg["volumes"]
    assert set(c["volumes"]) == {"bot-data", "pg-data"}


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed here")
def test_docker_compose_config_parses(tmp_path):
    """Debian's docker-compose resolves the file (no engine needed): by default the bot is on SQLite in the
    volume; with the postgres profile and the README's .env line, the bot's DATABASE_URL points at it."""
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "OPS_PORT", "COMPOSE_PROFILES")}

    def config(env_file: str, *args: str) -> dict:
        (tmp_path / ".env").write_text(env_file)
        p = subprocess.run(["docker-compose", *args, "config"], capture_output=True, text=True, cwd=tmp_path,
                           timeout=120, env=env)
        assert p.returncode == 0, p.stderr
        return yaml.safe_load(p.stdout)

    c = config("TELEGRAM_TOKEN=\n")
    assert c["services"]["bot"]["environment"]["DATABASE_URL"] == "sqlite+aiosqlite:///data/bot.sqlite3"
    assert c["services"]["bot"]["environment"]["OPS_PORT"] == "8080"
    c = config("TELEGRAM_TOKEN=\nDATABASE_URL=postgresql+asyncpg://bot:bot@postgres:5432/bot\n",
               "--profile", "postgres")
    assert c["services"]["bot"]["environment"]["DATABASE_URL"] == "postgresql+asyncpg://bot:bot@postgres:5432/bot"
    assert c["services"]["postgres"]["environment"]["POSTGRES_DB"] == "bot"
    assert config("OPS_PORT=\n")["services"]["bot"]["environment"]["OPS_PORT"] == ""  # empty: turned off


def test_every_setting_is_documented():
    from bot.config import Settings

    readme, example = (ROOT / "README.md").read_text(), (ROOT / ".env.example").read_text()
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in readme, f"{name.upper()} is missing from the README's settings table"
        assert f"{name.upper()}=" in example, f"{name.upper()} is missing from .env.example"


def test_dockerfile_runs_as_non_root_with_a_data_volume():
    text = (ROOT / "Dockerfile").read_text()
    assert "USER bot" in text and 'VOLUME ["/app/data"]' in text and "python:3.11-slim" in text
    assert text.index("COPY pyproject.toml") < text.index("COPY bot ")  # dependencies cached first
    assert "COPY content ./content" in text and "ENV OPS_PORT=8080 " in text
    # the container's network: the image says so; a bare machine listens on 127.0.0.1 (bot.config)
    assert "OPS_LISTEN=0.0.0.0" in text and "TELEGRAM_WEBHOOK_LISTEN=0.0.0.0" in text
    assert 'CMD ["python", "-m", "bot", "healthcheck"]' in text and 'CMD ["python", "-m", "bot", "run"]' in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", "data", ".git"} <= set(ignored)  # no secrets or local data baked into the image


def test_healthcheck(tmp_path):
    """Without OPS_PORT it checks the database and its schema (with it: tests/e2e/test_ops.py)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'h.sqlite3'}", "OPS_PORT": ""}
    run = lambda *a: subprocess.run([sys.executable, "-m", "bot", *a], capture_output=True, text=True,  # noqa: E731
                                    env=env, cwd=ROOT, timeout=120)
    assert run("healthcheck").returncode == 1  # no schema yet
    assert run("migrate").returncode == 0
    p = run("healthcheck")
    assert p.returncode == 0 and p.stdout.strip() == "ok"
