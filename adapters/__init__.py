"""The bundled adapters and how a subject name or import path becomes a `Subject`."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from .base import Subject

#: adapter name → (pip extra that installs its framework, modules whose SUBJECTS lists belong to it).
#: Feature subjects (CORS, session, JWT packages) add their module to their framework's list.
ADAPTERS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "reference": (None, ("mwconform.adapters.reference", "mwconform.adapters.cors_reference", "mwconform.adapters.jwt_reference", "mwconform.adapters.session_reference")),
    "aiohttp": ("aiohttp", ("mwconform.adapters.aiohttp", "mwconform.adapters.cors_aiohttp", "mwconform.adapters.jwt_aiohttp", "mwconform.adapters.session_aiohttp")),
    "sanic": ("sanic", ("mwconform.adapters.sanic", "mwconform.adapters.cors_sanic", "mwconform.adapters.jwt_sanic", "mwconform.adapters.session_sanic")),
    # Its own adapter and environment: an importable sanic-ext changes every Sanic app and Sanic-Cors.
    "sanic-ext": ("sanic-ext", ("mwconform.adapters.cors_sanic_ext",)),
    # ASGI frameworks, all served by adapters/asgi.py (a user's own ASGI app: subclass AsgiSubject).
    "starlette": ("starlette", ("mwconform.adapters.starlette",)),
    "fastapi": ("fastapi", ("mwconform.adapters.fastapi",)),
    "litestar": ("litestar", ("mwconform.adapters.litestar",)),
}


class UsageError(Exception):
    """Bad input from the user: the message is one line naming what is wrong and what is accepted."""


def subjects_of(adapter: str) -> list[Subject]:
    """Every bundled subject of `adapter`; a clear UsageError if it is unknown or not installed."""
    if adapter not in ADAPTERS:
        raise UsageError(f"unknown adapter {adapter!r}; accepted: {', '.join(ADAPTERS)}")
    extra, module_names = ADAPTERS[adapter]
    subjects = []
    for module_name in module_names:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            hint = f"pip install 'mwconform[{extra}]'" if extra else f"pip install {exc.name}"
            raise UsageError(f"adapter {adapter!r} needs the package {exc.name!r}, which is not installed: {hint}") from None
        subjects += [cls() for cls in module.SUBJECTS]
    return subjects


def resolve(spec: str) -> Subject:
    """`aiohttp/native` (a bundled subject) or `package.module:attr` (yours) → a Subject.

    `attr` may be a Subject instance, a Subject subclass, or a callable returning a Subject.
    """
    if ":" in spec:
        return _import_subject(spec)
    adapter = spec.split("/", 1)[0]
    subjects = subjects_of(adapter)
    for subject in subjects:
        if subject.name == spec:
            return subject
    names = ", ".join(s.name for s in subjects)
    raise UsageError(f"unknown subject {spec!r}; {adapter} has: {names} (or give package.module:attr)")


def _import_subject(spec: str) -> Subject:
    module_name, _, attr = spec.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UsageError(f"cannot import {module_name!r} for subject {spec!r}: {exc}") from None
    try:
        obj: Any = getattr(module, attr)
    except AttributeError:
        raise UsageError(f"module {module_name!r} has no attribute {attr!r} (subject {spec!r})") from None
    if inspect.isclass(obj) or (callable(obj) and not isinstance(obj, Subject)):
        obj = obj()
    if not isinstance(obj, Subject):
        raise UsageError(f"{spec!r} is a {type(obj).__name__}, not a mwconform Subject (subclass mwconform.adapters.base.Subject)")
    if not obj.name:
        raise UsageError(f"subject {spec!r} has no name: set the class attribute name = 'adapter/variant'")
    return obj
