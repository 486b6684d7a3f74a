"""The framework-neutral reference model: values, the pipeline, and (later) CORS, session, JWT.

Pure Python, imports no web framework. It is the oracle the suites compare subjects with, and a
usable library: `Pipeline` + `ASGIApp` serve real requests.
"""
