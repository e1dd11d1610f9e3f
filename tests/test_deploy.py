"""The deployment files: compose is valid (docker-compose parses it where installed, else a structure
check), the image's commands exist, and the healthcheck command works."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_structure():
    c = compose()
    bot = c["services"]["bot"]
    assert bot["env_file"] == ".env" and bot["restart"] == "unless-stopped"
    assert "bot-data:/app/data" in bot["volumes"]
    assert bot["healthcheck"]["test"] == ["CMD", "python", "-m", "bot", "healthcheck"]
    pg = c["services"]["postgres"]
    assert pg["profiles"] == ["postgres"] and "pg-data:/var/lib/postgresql/data" in pg["volumes"]
    assert set(c["volumes"]) == {"bot-data", "pg-data"}


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed here")
def test_docker_compose_config_parses(tmp_path):
    shutil.copy(ROOT / "docker-compose.yml", tmp_path / "docker-compose.yml")
    (tmp_path / ".env").write_text("TELEGRAM_TOKEN=\n")
    p = subprocess.run(["docker-compose", "--profile", "postgres", "config", "-q"], capture_output=True,
                       text=True, cwd=tmp_path, timeout=120)
    assert p.returncode == 0, p.stderr


def test_dockerfile_runs_as_non_root_with_a_data_volume():
    text = (ROOT / "Dockerfile").read_text()
    assert "USER bot" in text and 'VOLUME ["/app/data"]' in text and "python:3.11-slim" in text
    assert text.index("COPY pyproject.toml") < text.index("COPY bot ")  # dependencies cached first


def test_healthcheck(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'h.sqlite3'}"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "bot", *a], capture_output=True, text=True,  # noqa: E731
                                    env=env, cwd=ROOT, timeout=120)
    assert run("healthcheck").returncode == 1  # no schema yet
    assert run("migrate").returncode == 0
    p = run("healthcheck")
    assert p.returncode == 0 and p.stdout.strip() == "ok"
