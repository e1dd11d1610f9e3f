"""Independent recomputation of every answer of ml-model-evaluation (content/topics/ml.yaml).

Each computation rebuilds the problem's data from the drawn parameters the way a learner reads it (the lists of
labels and predictions, the table of scores and labels) and evaluates it from the definitions with plain Python
and sympy Rationals, never with the YAML's ``let`` formulas: the confusion counts by walking the pairs, precision
and recall from the counts, F1 as the reciprocal of the mean reciprocal, the ROC point by flagging each score
against the threshold, the AUC twice (brute-force pair counting with ties as 1/2, and the trapezoid area under
the ROC curve traced threshold by threshold), and the base-rate precision with sympy.stats (Bayes' theorem on a
finite probability space).
"""

from __future__ import annotations

from fractions import Fraction

import pytest
import sympy as sp
from sympy.stats import FiniteRV, P

from tests.unit.content.ml.checks import *  # noqa: F403  (the shared checks, run on this unit)
from tests.unit.content.ml.checks import instances

UNIT = "ml-model-evaluation"
TEACHES = ["train-validation-test", "cross-validation", "confusion-matrix", "precision-recall", "f1-score",
           "roc-auc"]
NEEDS = ["stat-bias-variance", "prob-bayes"]


# ---------------------------------------------------------------- the data as the learner sees it


def _ints(values) -> list[int]:
    return [int(x) for x in values]


def confusion_data(v) -> tuple[list[int], list[int]]:
    """Prompt 5: the eight true labels and eight predictions, the last prediction being the one the template
    fixes (it makes the number of disagreements odd); recomputed here by counting, not by the YAML's formula."""
    labels = _ints(v.y) + [int(v.z)]
    preds = _ints(v.h)
    wrong_so_far = sum(a != b for a, b in zip(labels[:7], preds, strict=True))
    last = labels[7] if wrong_so_far % 2 == 1 else 1 - labels[7]
    return labels, preds + [last]


def confusion_counts(labels: list[int], preds: list[int]) -> tuple[int, int, int, int]:
    tp = fp = fn = tn = 0
    for y, yhat in zip(labels, preds, strict=True):
        if y == 1 and yhat == 1:
            tp += 1
        elif y == 0 and yhat == 1:
            fp += 1
        elif y == 1 and yhat == 0:
            fn += 1
        else:
            tn += 1
    return tp, fp, fn, tn


def ranked_scores(base, gaps) -> list[int]:
    """The scores from the highest down: the lowest is ``base``, each gap adds to the one below it."""
    scores = [int(base)]
    for gap in reversed(_ints(gaps)):
        scores.append(scores[-1] + gap)
    return list(reversed(scores))


def roc_table(v) -> list[tuple[int, int]]:
    """Prompt 9: (score, label) for the eight examples in the order the question lists them."""
    scores = ranked_scores(v.b, v.g)
    positives = {int(v.p_1), int(v.p_2), int(v.p_3), int(v.p_4)}
    by_rank = {r: (scores[r - 1], int(r in positives)) for r in range(1, 9)}
    return [by_rank[r] for r in (3, 7, 1, 5, 8, 2, 6, 4)]


def roc_threshold(v) -> int:
    return ranked_scores(v.b, v.g)[int(v.k) - 1]


def auc_table(v) -> list[tuple[int, int]]:
    """Prompt 11: (score, label) for the six emails in the order the question lists them."""
    scores = ranked_scores(v.b, v.g)
    positives = {int(v.p_1), int(v.p_2), int(v.p_3)}
    by_rank = {r: (scores[r - 1], int(r in positives)) for r in range(1, 7)}
    return [by_rank[r] for r in (4, 1, 6, 3, 5, 2)]


TIE_TABLE = [(90, 1), (60, 1), (40, 1), (70, 0), (40, 0), (20, 0)]  # prompt 12


# ---------------------------------------------------------------- the measures, from their definitions


def roc_point(table: list[tuple[int, int]], threshold) -> tuple[sp.Rational, sp.Rational]:
    """(FPR, TPR) when every example scored at least ``threshold`` is flagged."""
    positives = sum(label for _, label in table)
    negatives = len(table) - positives
    tp = sum(1 for s, label in table if label == 1 and s >= threshold)
    fp = sum(1 for s, label in table if label == 0 and s >= threshold)
    return sp.Rational(fp, negatives), sp.Rational(tp, positives)


def auc_by_pairs(table: list[tuple[int, int]]) -> sp.Rational:
    """The share of (positive, negative) pairs in the right order, a tie counting one half."""
    pos = [s for s, label in table if label == 1]
    neg = [s for s, label in table if label == 0]
    right = sum(Fraction(1) if p > n else Fraction(1, 2) if p == n else Fraction(0) for p in pos for n in neg)
    return sp.Rational(right.numerator, right.denominator) / (len(pos) * len(neg))


def auc_by_area(table: list[tuple[int, int]]) -> sp.Rational:
    """The trapezoid area under the ROC curve through (0, 0), the point of every distinct score taken as the
    threshold (highest first), which ends at (1, 1)."""
    points = [(sp.Integer(0), sp.Integer(0))]
    points += [roc_point(table, t) for t in sorted({s for s, _ in table}, reverse=True)]
    assert points[-1] == (1, 1)
    return sum(((x1 - x0) * (y0 + y1) / 2 for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False)),
               sp.Integer(0))


def auc(table: list[tuple[int, int]]) -> sp.Rational:
    by_pairs, by_area = auc_by_pairs(table), auc_by_area(table)
    assert by_pairs == by_area, (table, by_pairs, by_area)
    return by_pairs


def harmonic_mean(a, b):
    return 2 / (1 / sp.sympify(a) + 1 / sp.sympify(b))


def fraud_precision(v) -> sp.Rational:
    """P(fraud | flagged) with sympy.stats, conditioning on a finite space of outcomes: 3 = fraud and flagged,
    2 = fraud and missed, 1 = honest and flagged, 0 = honest and let through."""
    prior, recall, fpr = sp.Rational(v.p, 100), sp.Rational(v.r, 100), sp.Rational(v.f, 100)
    outcome = FiniteRV("outcome", {3: prior * recall, 2: prior * (1 - recall),
                                   1: (1 - prior) * fpr, 0: (1 - prior) * (1 - fpr)})
    return P(sp.Eq(outcome, 3), sp.Or(sp.Eq(outcome, 3), sp.Eq(outcome, 1)))


# ---------------------------------------------------------------- every prompt's answer


def _split(v):
    n = 20 * int(v.k)
    train = Fraction(int(v.t), 100)
    rest = (1 - train) / 2
    sizes = [n * train, n * rest, n * rest]
    assert all(s.denominator == 1 for s in sizes) and sum(sizes) == n
    return [int(s) for s in sizes]


def _kfold(v):
    k, n = int(v.k), int(v.k) * int(v.m)
    folds = [list(range(i * n // k, (i + 1) * n // k)) for i in range(k)]
    runs = [(fold, [x for other in folds if other is not fold for x in other]) for fold in folds]
    assert sorted(x for fold, _ in runs for x in fold) == list(range(n))  # each example validated once
    sizes = {(len(val), len(train)) for val, train in runs}
    assert len(sizes) == 1
    (val, train), = sizes
    return [len(runs), val, train]


def _cv_scores(v):
    m, d = int(v.m), _ints(v.d)
    return [m + d[0], m - d[1], m + d[2], m - d[3], m - d[0] + d[1] - d[2] + d[3]]


def _confusion(v):
    return list(confusion_counts(*confusion_data(v)))


def _precision_recall(v):
    tp, fp, fn = int(v.a), int(v.b), int(v.c)
    labels = [1] * tp + [0] * fp + [1] * fn + [0] * int(v.d)
    preds = [1] * tp + [1] * fp + [0] * fn + [0] * int(v.d)
    flagged = [y for y, yhat in zip(labels, preds, strict=True) if yhat == 1]
    caught = [yhat for y, yhat in zip(labels, preds, strict=True) if y == 1]
    return [sp.Rational(sum(flagged), len(flagged)), sp.Rational(sum(caught), len(caught))]


def _lazy(v):
    n, f = int(v.n), int(v.f)
    labels = [1] * f + [0] * (n - f)
    preds = [0] * n
    tp, fp, fn, tn = confusion_counts(labels, preds)
    return [sp.Rational(tp + tn, n), sp.Rational(tp, tp + fn)]


COMPUTE = {
    f"{UNIT}-1": _split,
    f"{UNIT}-3": _kfold,
    f"{UNIT}-4": lambda v: sp.Rational(sum(_cv_scores(v)), 5),
    f"{UNIT}-5": _confusion,
    f"{UNIT}-6": _precision_recall,
    f"{UNIT}-7": lambda v: harmonic_mean(sp.Rational(v.p, 100), sp.Rational(v.r, 100)),
    f"{UNIT}-8": _lazy,
    f"{UNIT}-9": lambda v: list(roc_point(roc_table(v), roc_threshold(v))),
    f"{UNIT}-10": fraud_precision,
    f"{UNIT}-11": lambda v: auc(auc_table(v)),
    f"{UNIT}-12": lambda: auc(TIE_TABLE),
}


def _pairs(table):
    return [x for score, label in table for x in (score, label)]


SHOWN = {
    f"{UNIT}-1": lambda v: [20 * v.k, v.t, (100 - v.t) / 2, (100 - v.t) / 2],
    f"{UNIT}-3": lambda v: [v.k, v.k * v.m, v.k],
    f"{UNIT}-4": lambda v: [5, *_cv_scores(v)],
    f"{UNIT}-5": lambda v: [1, 0, *(x for row in confusion_data(v) for x in row)],
    f"{UNIT}-6": lambda v: [v.a + v.b + v.c + v.d, v.a, v.b, v.c, v.d],
    f"{UNIT}-7": lambda v: [v.p, v.r, 1],
    f"{UNIT}-8": lambda v: [v.n, v.f],
    f"{UNIT}-9": lambda v: [1, 0, *_pairs(roc_table(v)), roc_threshold(v)],
    f"{UNIT}-10": lambda v: [v.r, v.f, v.p, 3],
    f"{UNIT}-11": lambda v: [1, 0, *_pairs(auc_table(v))],
}


# ---------------------------------------------------------------- checks of the constructions themselves


def test_auc_methods_agree_on_known_tables():
    """The two AUC computations on hand-checked tables: perfect, reversed, a tie, and a mixed ranking."""
    assert auc([(3, 1), (2, 0), (1, 0)]) == 1
    assert auc([(3, 0), (2, 1), (1, 1)]) == 0
    assert auc([(5, 1), (5, 0)]) == sp.Rational(1, 2)
    assert auc([(4, 1), (3, 0), (2, 1), (1, 0)]) == sp.Rational(3, 4)
    assert auc(TIE_TABLE) == sp.Rational(13, 18)


@pytest.mark.parametrize("table_prompt", [f"{UNIT}-9", f"{UNIT}-11"])
def test_score_tables_have_distinct_scores_and_both_classes(table_prompt):
    roc = table_prompt.endswith("-9")
    for v, _ in instances(UNIT, table_prompt):
        table = roc_table(v) if roc else auc_table(v)
        scores = [s for s, _ in table]
        assert len(set(scores)) == len(scores) and all(0 < s < 100 for s in scores)
        assert sum(label for _, label in table) == len(table) // 2, table
        if roc:
            assert roc_threshold(v) in scores


def test_confusion_lists_always_have_an_odd_number_of_errors():
    """So FP != FN and TP != TN: the two listed mistakes (swapped errors, swapped classes) are never right."""
    for v, _ in instances(UNIT, f"{UNIT}-5"):
        tp, fp, fn, tn = confusion_counts(*confusion_data(v))
        assert (fp + fn) % 2 == 1 and fp != fn and tp != tn
