"""Detection power: run each area's suite against that area's broken middleware and count the kills.

Every `tests/mutants/<area>.py` module lists `MUTANTS` (subjects with one realistic bug each); the
suite named like the module grades them. A mutant is *killed* when at least one case reports
`fail` for it. Run from a checkout:

    python bench/mutation_score.py            # every area
    python bench/mutation_score.py pipeline   # some areas

    python bench/mutation_score.py --all      # every case against every mutant, not only `breaks`

Each mutant declares the cases it `breaks`; by default it meets only those (tests/mutants/targeted.py),
which is all the score needs: a mutant is killed when one of them fails it, and a case that fails
none of the mutants naming it is idle. `--all` runs the cross product, minutes rather than seconds.
It prints killed/total per area and overall and lists the survivors; the exit code is 1 when a
mutant survives, a case is idle or errors, or a mutant names a case its suite does not have. One
child pytest per area and serving mode, as a user's CI runs the suites; subjects that can are
served in-process, which is faster.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT))

from mwconform.suites import catalogue  # noqa: E402
from tests.selftest import run_suite  # noqa: E402


@dataclass
class Area:
    """One area's result: which mutants some case failed, and the raw verdicts."""

    name: str
    mutants: list[str]
    #: every case id of the suite
    cases: list[str]
    #: (mutant, case id) pairs naming a case the suite does not have
    unknown_targets: list[str] = field(default_factory=list)
    #: (subject name, case id) → outcome
    verdicts: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def killed(self) -> list[str]:
        return [m for m in self.mutants if any(o == "fail" for (s, _), o in self.verdicts.items() if s == m)]

    @property
    def survivors(self) -> list[str]:
        return [m for m in self.mutants if m not in self.killed]

    @property
    def errors(self) -> list[str]:
        return sorted(f"{s} {c}" for (s, c), o in self.verdicts.items() if o == "error")

    @property
    def idle_cases(self) -> list[str]:
        """Cases that fail no mutant: nothing shows they can catch anything."""
        failing = {c for (_, c), o in self.verdicts.items() if o == "fail"}
        return sorted(c for c in self.cases if c not in failing)


def areas() -> list[str]:
    """Every `tests/mutants/<area>.py` that lists MUTANTS."""
    package = importlib.import_module("tests.mutants")
    return sorted(i.name for i in pkgutil.iter_modules(package.__path__) if hasattr(importlib.import_module(f"tests.mutants.{i.name}"), "MUTANTS"))


def measure(area: str, workdir: Path, everything: bool = False) -> Area:
    """Run suite `area` against every mutant of `tests/mutants/<area>.py`: each against the cases it
    `breaks`, or against every case of the suite when `everything`."""
    module = importlib.import_module(f"tests.mutants.{area}")
    by_mode: dict[str, list[str]] = {}
    names = []
    cases = [c.id for c in catalogue()[area]]
    result = Area(area, names, cases)
    for mutant in module.MUTANTS:
        names.append(mutant.name)
        result.unknown_targets += [f"{mutant.name} {c}" for c in getattr(mutant, "breaks", ()) if c not in cases]
        modes = mutant().modes  # a feature subject takes its framework's modes when made
        mode = "inprocess" if "inprocess" in modes else modes[0]
        by_mode.setdefault(mode, []).append(f"{module.__name__}:{mutant.__name__}")
    targeting = () if everything else ("-p", "tests.mutants.targeted")
    for mode, specs in by_mode.items():
        out = workdir / f"{area}-{mode}"
        out.mkdir(parents=True, exist_ok=True)
        results = run_suite(area, specs, out, f"--mwc-mode={mode}", *targeting)
        result.verdicts.update({(c["subject"], c["id"]): c["outcome"] for c in results["cases"]})
    return result


def score(results: Sequence[Area]) -> str:
    """The score table: killed/total per area and overall, then survivors and errors."""
    lines = ["mutation score (tests/mutants/<area>.py against suite <area>):"]
    for a in results:
        lines.append(f"  {a.name:12} {len(a.killed):3}/{len(a.mutants):<3} killed")
    killed, total = sum(len(a.killed) for a in results), sum(len(a.mutants) for a in results)
    lines.append(f"  {'overall':12} {killed:3}/{total:<3} killed ({100 * killed / total if total else 0:.0f}%)")
    survivors = [f"{a.name}: {m}" for a in results for m in a.survivors]
    lines.append("  survivors: " + (", ".join(survivors) if survivors else "none"))
    for label, found in (("idle cases", "idle_cases"), ("errors", "errors"), ("unknown cases named by `breaks`", "unknown_targets")):
        listed = [f"{a.name}: {e}" for a in results for e in getattr(a, found)]
        if listed:
            lines.append(f"  {label}: " + ", ".join(listed))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    everything = "--all" in argv
    chosen = [a for a in argv if a != "--all"]
    known = areas()
    unknown = [a for a in chosen if a not in known]
    if unknown:
        print(f"mutation_score: unknown area {unknown[0]!r}; accepted: {', '.join(known)} (and --all)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure(a, Path(tmp), everything) for a in chosen or known]
    print(score(results))
    return 1 if any(a.survivors or a.errors or a.idle_cases or a.unknown_targets for a in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
