"""Distinct copies of the bundled subjects, for growth runs: `--mwc-subject "bench.clones:aiohttp/native#2"`.

Each copy is a subclass named `<name>-x<k>`, so its verdicts stay apart from the original's in the
results; it serves exactly what the original serves.
"""

from __future__ import annotations

from mwconform.adapters import resolve
from mwconform.adapters.base import Subject


def __getattr__(attr: str) -> Subject:
    name, sep, copy = attr.partition("#")
    if not sep or not copy.isdigit():
        raise AttributeError(f"{attr!r}: expected adapter/variant#N, e.g. aiohttp/native#2")
    original = type(resolve(name))
    clone = type(f"{original.__name__}X{copy}", (original,), {"name": f"{name}-x{copy}", "__module__": __name__})
    return clone()


def specs(names: list[str], copies: int) -> list[str]:
    """`--mwc-subject` values for copies 2..`copies` of each subject in `names`."""
    return [f"{__name__}:{name}#{k}" for k in range(2, copies + 1) for name in names]
