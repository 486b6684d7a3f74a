"""How much entropy a sample of session ids shows, read from the ids alone.

The estimate is an upper bound on what the generator can have put in: each character position
that varies across the sample counts the bits of the smallest usual alphabet covering every
varying character (hex, base64url, ...), unless it shows far fewer distinct characters than a
uniform position of that alphabet would in as many draws (uuid4's variant nibble: 4 of 16), in
which case it counts only those; a position that never varies counts nothing (uuid4's version
nibble, a fixed prefix). It cannot see through a hash of a guessable value or a signature
appended to a short id: those look random, so passing is necessary, not sufficient.
"""

from __future__ import annotations

import math
import string
from collections.abc import Sequence
from dataclasses import dataclass

#: Alphabets ids are written in, smallest first.
ALPHABETS: tuple[tuple[str, str], ...] = (
    ("decimal", string.digits),
    ("hex", string.digits + "abcdef"),
    ("upper-case hex", string.digits + "ABCDEF"),
    ("base32", string.ascii_uppercase + "234567"),
    ("alphanumeric", string.ascii_letters + string.digits),
    ("base64url", string.ascii_letters + string.digits + "-_"),
    ("base64", string.ascii_letters + string.digits + "+/"),
    ("visible ASCII", "".join(map(chr, range(0x21, 0x7F)))),
)


@dataclass(frozen=True)
class Estimate:
    bits: float
    #: e.g. "64 ids of 32 characters of hex: 30 positions × 4 bits, 1 position × 2 bits, 1 constant"
    explanation: str


def estimate(ids: Sequence[str]) -> Estimate:
    """The entropy `ids` show per id (see the module docstring); needs at least two ids."""
    if len(ids) < 2:
        raise ValueError(f"an entropy estimate needs at least two ids, got {len(ids)}")
    width = min(len(i) for i in ids)
    columns = [{i[pos] for i in ids} for pos in range(width)]
    varying = set().union(*(c for c in columns if len(c) > 1))
    name, alphabet = next(((n, a) for n, a in ALPHABETS if varying <= set(a)), ("any character", "".join(sorted(varying))))
    size = max(len(alphabet), 2)
    # How many distinct characters a uniform position of this alphabet shows in len(ids) draws.
    expected = size * (1 - (1 - 1 / size) ** len(ids))
    per_position: dict[float, int] = {}
    for seen in columns:
        bits = 0.0 if len(seen) == 1 else math.log2(size) if len(seen) >= expected / 2 else math.log2(len(seen))
        per_position[bits] = per_position.get(bits, 0) + 1
    parts = [f"{count} {'position' if count == 1 else 'positions'} × {bits:.3g} bits" for bits, count in sorted(per_position.items(), reverse=True) if bits]
    constant = per_position.get(0.0, 0)
    lengths = sorted({len(i) for i in ids})
    shape = f"{lengths[0]}" if len(lengths) == 1 else f"{lengths[0]} to {lengths[-1]} (the first {width} compared)"
    explanation = f"{len(ids)} ids of {shape} characters of {name}: " + ", ".join(parts + ([f"{constant} constant"] if constant else []))
    return Estimate(sum(bits * count for bits, count in per_position.items()), explanation)
