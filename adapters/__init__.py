"""The bundled adapters and how a subject name or import path becomes a `Subject`."""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping
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
    "starlette": ("starlette", ("mwconform.adapters.starlette", "mwconform.adapters.cors_starlette", "mwconform.adapters.session_starlette")),
    "fastapi": ("fastapi", ("mwconform.adapters.fastapi", "mwconform.adapters.cors_fastapi", "mwconform.adapters.jwt_fastapi")),
    "litestar": ("litestar", ("mwconform.adapters.litestar", "mwconform.adapters.cors_litestar", "mwconform.adapters.jwt_litestar", "mwconform.adapters.session_litestar")),
}


class UsageError(Exception):
    """Bad input from the user: the message is one line naming what is wrong and what is accepted."""


def install_hint(extra: str) -> str:
    """How to add an optional dependency group: mwconform is installed from a checkout, not from PyPI."""
    return f"uv pip install -e '.[{extra}]' in your mwconform checkout (or pip install -e '.[{extra}]'; mwconform is not on PyPI)"


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
            hint = install_hint(extra) if extra else f"pip install {exc.name}"
            raise UsageError(f"adapter {adapter!r} needs the package {exc.name!r}, which is not installed: {hint}") from None
        subjects += [cls() for cls in module.SUBJECTS]
    return subjects


def resolve(spec: str) -> Subject:
    """`aiohttp/native` or a `package.module:attr` that holds exactly one subject → that Subject."""
    subjects = load(spec)
    if len(subjects) != 1:
        raise UsageError(f"{spec!r} holds {len(subjects)} subjects ({', '.join(s.name for s in subjects)}); name one of them")
    return subjects[0]


def load(spec: str) -> list[Subject]:
    """`aiohttp/native` (a bundled subject) or `package.module:attr` (yours) → its subjects.

    `attr` may be a Subject, a Subject subclass, a factory returning either, or a list or other
    iterable of those: one option grades many subjects. The module is imported from the current
    directory first, as `python -m pytest` would.
    """
    if ":" in spec:
        return list(_import_subjects(spec))
    adapter = spec.split("/", 1)[0]
    subjects = subjects_of(adapter)
    for subject in subjects:
        if subject.name == spec:
            return [subject]
    names = ", ".join(s.name for s in subjects)
    raise UsageError(f"unknown subject {spec!r}; {adapter} has: {names} (or give package.module:attr)")


def select(adapters: Iterable[str], specs: Iterable[str]) -> list[tuple[Subject, str]]:
    """The subjects of `adapters` and `specs`, each with the `--mwc-subject` value that selects it again.

    Verdicts are keyed by subject name, so two subjects with one name are refused: the later
    one's verdicts would silently replace the earlier one's.
    """
    chosen = [(s, s.name, f"adapter {a!r}") for a in adapters for s in subjects_of(a)]
    chosen += [(s, spec, repr(spec)) for spec in specs for s in load(spec)]
    seen: dict[str, str] = {}
    for subject, _, source in chosen:
        if subject.name in seen:
            raise UsageError(f"two subjects are named {subject.name!r} (from {seen[subject.name]} and {source}); give each subject a name of its own")
        seen[subject.name] = source
    return [(s, spec) for s, spec, _ in chosen]


def refuse_ungraded(subjects: list[Subject], named: set[str], suites: set[str]) -> None:
    """One UsageError when a subject named on its own, or every subject, is graded by none of `suites`.

    An adapter's bundled subjects are each graded by some suites only (`--mwc-adapter aiohttp`
    with the pipeline suite leaves its CORS subjects out); a subject the user named is not.
    """
    ungraded = [s for s in subjects if not s.suites & suites]
    refused = [s for s in ungraded if s.name in named] or (ungraded if len(ungraded) == len(subjects) else [])
    if refused:
        each = ", ".join(f"{s.name} (its suites: {', '.join(sorted(s.suites)) or 'none'})" for s in refused)
        wanted = ", ".join(f"mwconform.suites.{x}" for x in sorted({x for s in refused for x in s.suites}))
        fix = f"select {wanted} or add" if wanted else "add"
        raise UsageError(f"no selected suite ({', '.join(sorted(suites))}) grades {each}: {fix} the suite to the subject's `suites`")


@functools.cache  # `mwconform run` loads before pytest does: a factory runs, a generator is consumed, once
def _import_subjects(spec: str) -> tuple[Subject, ...]:
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise UsageError(f"subject {spec!r} is not package.module:attr (or adapter/variant)")
    _cwd_on_path()
    try:
        obj: Any = importlib.import_module(module_name)
    except (Exception, SystemExit) as exc:  # a user's module may raise anything at import
        raise UsageError(f"cannot import {module_name!r} for subject {spec!r}: {_one_line(exc)}") from None
    try:
        obj = getattr(obj, attr)
    except AttributeError:
        raise UsageError(f"module {module_name!r} has no attribute {attr!r} (subject {spec!r})") from None
    subjects = _subjects(obj, spec, may_call=True)
    if not subjects:
        raise UsageError(f"{spec!r} holds no subjects (an empty {type(obj).__name__})")
    for subject in subjects:
        if not subject.name:
            raise UsageError(f"a subject of {spec!r} ({type(subject).__name__}) has no name: set the class attribute name = 'adapter/variant'")
    return tuple(subjects)


def _subjects(obj: Any, spec: str, may_call: bool) -> list[Subject]:
    """`obj` flattened into subjects; a factory is called once (what it returns is not called again)."""
    if isinstance(obj, Subject):
        return [obj]
    if inspect.isclass(obj) and issubclass(obj, Subject):
        return [_call(obj, spec)]
    if callable(obj) and not inspect.isclass(obj) and may_call:
        return _subjects(_call(obj, spec), spec, may_call=False)
    if isinstance(obj, Iterable) and not isinstance(obj, (str, bytes, Mapping)):
        try:
            items = list(obj)
        except Exception as exc:
            raise UsageError(f"listing the subjects of {spec!r} raised {_one_line(exc)}") from None
        return [s for item in items for s in _subjects(item, spec, may_call)]
    raise UsageError(
        f"{spec!r} gives {kind_of(obj)}, not a mwconform Subject; accepted: a Subject, a Subject subclass, "
        "a factory returning one, or a list of those (subclass mwconform.adapters.base.Subject)"
    )


def kind_of(obj: object) -> str:
    """`the class Foo` or `a list`: what a user handed over where a subject was expected."""
    return f"the class {obj.__name__}" if inspect.isclass(obj) else f"a {type(obj).__name__}"


def _call(factory: Callable[[], Any], spec: str) -> Any:
    try:
        return factory()
    except Exception as exc:  # a user's factory may raise anything
        raise UsageError(f"making the subject {spec!r} raised {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    """`ZeroDivisionError: division by zero (theirpkg/mw.py:3)`: what was raised, and where in the user's code."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    head = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    if isinstance(exc, SyntaxError):
        return head  # its message already names the file and line
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _ours(f.filename)]
    return f"{head} ({_relative(frames[-1].filename)}:{frames[-1].lineno})" if frames else head


def _ours(filename: str) -> bool:
    """Frames of the import machinery and of this module: never where the user's problem is."""
    return filename.startswith("<frozen ") or filename == __file__ or filename.startswith(os.path.dirname(importlib.__file__) + os.sep)


def _relative(filename: str) -> str:
    try:
        return os.path.relpath(filename)
    except ValueError:  # another drive (Windows)
        return filename


def _cwd_on_path() -> None:
    """Put the current directory first on sys.path, as `python -m pytest` does and the `pytest` and
    `mwconform` scripts do not, so `--mwc-subject theirpkg.mw:subject` works the same either way."""
    cwd = os.getcwd()
    if not any(os.path.abspath(p or os.curdir) == cwd for p in sys.path):
        sys.path.insert(0, cwd)
        importlib.invalidate_caches()
