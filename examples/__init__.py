"""Middleware written the way an application would write it, each bound to mwconform and graded
by its suites (docs/grade-your-own.md). Not installed with mwconform: run them from a checkout."""
