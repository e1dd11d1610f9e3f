"""Thin platform adapters: they translate platform events to core calls and Replies back."""
