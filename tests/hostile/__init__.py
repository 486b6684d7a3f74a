"""Hostile subjects: each does one thing a subject must not be able to do to a run (tests/test_hostile.py)."""
