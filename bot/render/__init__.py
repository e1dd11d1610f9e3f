"""Formulas and charts to PNG (matplotlib, no TeX install)."""
