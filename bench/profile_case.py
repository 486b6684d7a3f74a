"""Where one socket case's CPU goes: a cProfile of the bench's case, summed by package.

    python -m bench.profile_case [SUBJECT ...]     # default: aiohttp/native sanic/middleware, plus the anchor

Each line is one layer's share of the case's own time (cProfile `tottime`, so nothing is counted
twice; a builtin or stdlib helper counts for its callers): the HTTP client (httpx, httpcore, h11, anyio, sniffio), the framework under test, the
event loop, and mwconform itself. Profiling slows pure-Python code more than C code, so the
shares, not the absolute times, are the finding; `bench.cases` measures the unprofiled cost.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
from collections import Counter
from collections.abc import Callable

from . import cases

CASES = 200
WARMUP = 20
#: Path fragments → layer, first match wins.
LAYERS = (
    ("/httpx/", "client: httpx"),
    ("/httpcore/", "client: httpcore"),
    ("/h11/", "client: h11"),
    ("/anyio/", "client: anyio"),
    ("/sniffio/", "client: anyio"),
    ("/aiohttp/client", "client: aiohttp"),
    ("/aiohttp/", "framework: aiohttp"),
    ("/multidict/", "framework: aiohttp"),
    ("/yarl/", "framework: aiohttp"),
    ("/sanic_routing/", "framework: sanic router"),
    ("/sanic/", "framework: sanic"),
    ("/asyncio/", "event loop"),
    ("selectors.py", "event loop"),
    ("/mwconform/", "mwconform"),
    ("/wt/", "mwconform"),
)


OTHER = "other (stdlib, builtins)"


def layer(filename: str) -> str:
    return next((name for fragment, name in LAYERS if fragment in filename), OTHER)


def by_layer(case: Callable[[], object]) -> Counter[str]:
    """Seconds of `tottime` per layer over `CASES` runs of `case`."""
    for _ in range(WARMUP):
        case()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(CASES):
        case()
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    totals: Counter[str] = Counter()
    for func, (_, _, tottime, _, _) in stats.items():
        for name, share in shares(func, stats).items():
            totals[name] += tottime * share
    return totals


def shares(func: tuple[str, int, str], stats: dict, depth: int = 4) -> dict[str, float]:
    """The layers `func`'s own time belongs to. Builtins and stdlib helpers (isinstance,
    contextlib, urllib's cookie requests) count for whoever called them, split by call count."""
    own = layer(func[0])
    callers = stats[func][4]
    if own != OTHER or depth == 0 or not callers:
        return {own: 1.0}
    calls = sum(c[1] for c in callers.values())
    result: Counter[str] = Counter()
    for caller, (_, ncalls, _, _) in callers.items():
        for name, share in shares(caller, stats, depth - 1).items():
            result[name] += share * ncalls / calls
    return result


def show(title: str, totals: Counter[str]) -> None:
    whole = sum(totals.values())
    print(f"{title}: {whole / CASES * 1e3:.2f} ms per case under the profiler")
    for name, seconds in totals.most_common():
        print(f"  {name:28} {seconds / whole:6.1%}  {seconds / CASES * 1e3:6.2f} ms")


def main(argv: list[str]) -> int:
    show("aiohttp TestServer+TestClient (anchor)", by_layer(cases.aiohttp_test_client_case()))
    for name in argv or ["aiohttp/native", "sanic/middleware"]:
        show(f"{name} socket", by_layer(cases.subject_case(name, "socket")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
