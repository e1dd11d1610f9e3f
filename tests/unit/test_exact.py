"""The content tests' exact comparison: the cheap paths give the verdict simplify gives."""

import sympy as sp

from tests.support.exact import is_zero, parser

x, y = sp.symbols("x y")


def test_zero_differences():
    for d in (sp.Integer(0), x - x, sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1, (x + y) ** 2 - x**2 - 2 * x * y - y**2,
              sp.sqrt(2) / 2 - 1 / sp.sqrt(2), sp.log(sp.exp(3)) - 3, sp.exp(x) * sp.exp(y) - sp.exp(x + y)):
        assert is_zero(d), d


def test_non_zero_differences():
    for d in (sp.Rational(1, 3), sp.Float(1e-20), x**2 - x, sp.sqrt(x**2) - x, sp.sqrt(2) - sp.Rational(141, 100),
              sp.sin(x) - x, x * y - y * x + 1e-15, sp.pi - sp.Rational(22, 7)):
        assert not is_zero(d), d


def test_parser_caches_without_sharing_lists():
    parse = parser({"x": x})
    first = parse("[1, 2^2]")
    first.append(99)
    assert parse("[1, 2^2]") == [1, 4] and parse("x^2") == x**2
