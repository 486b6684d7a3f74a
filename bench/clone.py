"""The README's two commands, run as written from a fresh clone of this checkout's HEAD.

    python -m bench.clone [1] [2]     # both by default; prints the figures

The commands are read from README.md (its first `sh` block), so the figures always belong to what
the README says. Each runs in its own fresh clone with the machine's `python3` (the bench's own
venv is taken off PATH), with warm package caches, as a developer's second checkout would. The
anchor is the install step the project used before uv: `python3 -m venv` + `pip install -e
'.[test]'`, timed in the same run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from .measure import ISSUE_ROWS, Figure, Usage, run_child

ROOT = Path(__file__).resolve().parent.parent
SECTION = "6. a fresh clone: the README's commands (wall)"
#: Wall-clock targets of the issue (seconds) for command 1 and 2.
LIMITS = {1: 75.0, 2: 120.0}
TIMEOUT = 1200.0
PIP_ANCHOR = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]'"


def readme_commands() -> dict[int, str]:
    """The numbered commands of the README's first shell block: {1: '...', 2: '...'}."""
    block = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)
    if block is None:
        raise RuntimeError("README.md has no ```sh block with the two commands")
    commands = [line.split("   #")[0].strip() for line in block.group(1).splitlines() if line.startswith("python3 ")]
    if len(commands) != 2:
        raise RuntimeError(f"README.md's first sh block should hold exactly two commands, found {len(commands)}")
    return {1: commands[0], 2: commands[1]}


def machine_env() -> dict[str, str]:
    """This environment without the bench's own venv or tox settings: `python3` is the machine's."""
    venv = os.environ.get("VIRTUAL_ENV") or sys.prefix
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and not p.startswith(venv)]
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "TOX_", "_TOX")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return {**env, "PATH": os.pathsep.join(path)}


def in_fresh_clone(command: str, workdir: Path) -> Usage:
    """`git clone` HEAD into `workdir`, then run `command` there with bash; its wall and CPU."""
    subprocess.run(["git", "clone", "-q", str(ROOT), str(workdir)], check=True, timeout=120, capture_output=True)
    return run_child(["bash", "-c", command], env=machine_env(), cwd=str(workdir), timeout=TIMEOUT)


def measure(which: tuple[int, ...] = (1, 2)) -> list[Figure]:
    commands = readme_commands()
    figures = []
    with tempfile.TemporaryDirectory(prefix="mwc-clone-") as tmp:
        pip = in_fresh_clone(PIP_ANCHOR, Path(tmp) / "pip")
        # Both commands share their install step: everything before the last `&&`.
        install = in_fresh_clone(commands[1].rsplit(" && ", 1)[0], Path(tmp) / "uv")
        figures.append(
            Figure(SECTION, "install step: venv, uv, `uv pip install -e '.[test]'`", install.wall, "s", "venv + pip", pip.wall, note=f"anchor: {PIP_ANCHOR}")
        )
        for n in which:
            usage = in_fresh_clone(commands[n], Path(tmp) / f"command{n}")
            figures.append(
                Figure(SECTION, f"README command {n}, fresh clone", usage.wall, "s", limit=LIMITS[n], issue_row=ISSUE_ROWS[2 + n], note=f"CPU {usage.cpu:.0f} s, exit {usage.returncode}: {commands[n][-60:]}")
            )
    return figures


def main(argv: list[str]) -> int:
    from .measure import table

    which = tuple(int(a) for a in argv if a in ("1", "2")) or (1, 2)
    if len(which) != len(argv) and argv:
        print("usage: python -m bench.clone [1] [2]", file=sys.stderr)
        return 2
    print(table(measure(which)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
