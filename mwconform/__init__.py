"""mwconform: a conformance kit for HTTP middleware in Python web frameworks."""

__version__ = "0.1.0"
