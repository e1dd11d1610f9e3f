"""The ``ml`` topic as a whole (issue #38): its units in study order, each recomputed by a test module here, and
placed after what they use (a copy with a prerequisite dropped fails the concept check)."""

from __future__ import annotations

import importlib
import pkgutil
import shutil

import yaml

from bot.content.loader import check_directory
from tests.unit.content.ml import checks

UNITS = [
    "ml-entropy-kl", "ml-softmax-cross-entropy", "ml-model-evaluation", "ml-norms-regularisation",
    "ml-positive-definite", "ml-multivariate-gaussian", "ml-convexity", "ml-optimisers", "ml-lagrange-multipliers",
    "ml-matrix-calculus", "ml-logistic-regression", "ml-monte-carlo", "ml-qr-cholesky", "ml-neural-network",
]


def test_topic_and_its_units_in_order():
    data = checks.topics()["ml"]
    assert data["id"] == "ml" and data["title"] == "The maths inside ML models"
    assert [u["id"] for u in data["units"]] == UNITS
    track = yaml.safe_load((checks.ROOT / "content" / "track.yaml").read_text(encoding="utf-8"))
    assert track["topics"][-1] == "ml"


def test_every_unit_has_its_test_module():
    package = importlib.import_module("tests.unit.content.ml")
    tested = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("test_") and info.name != "test_topic":
            module = importlib.import_module(f"tests.unit.content.ml.{info.name}")
            tested[module.UNIT] = info.name
    assert sorted(tested) == sorted(UNITS)


def test_a_unit_placed_before_what_it_uses_is_refused(tmp_path):
    """Without positive-definite matrices among its prerequisites, the Gaussian unit uses quadratic forms nobody
    before it taught: check-content names the unit and the concept."""
    content = tmp_path / "content"
    shutil.copytree(checks.ROOT / "content", content)
    path = content / "topics" / "ml.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    gaussian = next(u for u in data["units"] if u["id"] == "ml-multivariate-gaussian")
    assert "ml-positive-definite" in gaussian["needs"]
    gaussian["needs"] = [n for n in gaussian["needs"] if n != "ml-positive-definite"]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")
    catalog, problems = check_directory(content)
    assert catalog is None
    messages = [p.message for p in problems]
    assert any("'ml-multivariate-gaussian' uses concept 'quadratic-forms'" in m for m in messages), messages
    assert all("ml-multivariate-gaussian" in m for m in messages), messages
    assert check_directory(checks.ROOT / "content")[1] == []
