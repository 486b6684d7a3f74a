"""mwconform installed from this checkout into a fresh venv, imported into another project's CI.

This is the path the README documents: a throwaway project with its own middleware declares a
subject, and `pytest --pyargs mwconform.suites.pipeline --mwc-subject theirpkg.mw:subject` grades it.
"""

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from filelock import FileLock
from uv import find_uv_bin

from tests.selftest import ROOT

THEIR_MIDDLEWARE = '''
"""Their own middleware convention: every middleware is wrapped by `audited`, which logs it."""
import functools

from aiohttp import web

from mwconform.adapters.aiohttp import AiohttpSubject

AUDIT = []


def audited(middleware):
    @web.middleware
    @functools.wraps(middleware)
    async def wrapper(request, handler):
        AUDIT.append(middleware.__name__)
        return await middleware(request, handler)
    return wrapper


class TheirSubject(AiohttpSubject):
    name = "theirpkg/audited"
    description = "our aiohttp middleware, wrapped by audited()"
    known = {
        "route.404-under-group-prefix": "we mount sub-apps, so their middleware sees 404s under the prefix",
        "route.405-under-group-prefix": "we mount sub-apps, so their middleware sees 405s under the prefix",
    }

    def middleware(self, probe, recorder):
        return audited(super().middleware(probe, recorder))


subject = TheirSubject()
'''


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


def fresh_venv(tmp_path: Path, extras: str) -> Path:
    """A new venv under `tmp_path` with this checkout installed (not editable) with `extras`; its python.

    uv makes it (the same uv the README and tox use): a venv and its packages in seconds from uv's
    cache, where `python -m venv` + pip took a minute per test.
    """
    venv, uv = tmp_path / "venv", find_uv_bin()
    created = run([uv, "venv", "-q", "--python", sys.executable, str(venv)], tmp_path)
    assert created.returncode == 0, created.stderr[-3000:]
    python = venv / "bin" / "python"
    # The build writes into the checkout (build/, *.egg-info), so xdist workers build one at a time;
    # the wheel then installs with its dependencies outside the lock.
    with FileLock(str(Path(tempfile.gettempdir()) / "mwc-checkout-build.lock")):
        built = run([uv, "build", "-q", "--wheel", "--out-dir", str(tmp_path / "wheel"), str(ROOT)], tmp_path)
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = (tmp_path / "wheel").glob("mwconform-*.whl")
    install = run([uv, "pip", "install", "-q", "--python", str(python), f"mwconform[{extras}] @ {wheel.as_uri()}"], tmp_path)
    assert install.returncode == 0, install.stderr[-3000:]
    return python


def test_a_fresh_venv_installs_mwconform_and_grades_another_projects_subject(tmp_path: Path) -> None:
    """Exit 0; the subject is graded with its own name; no top-level adapters/reports in site-packages."""
    python = fresh_venv(tmp_path, "aiohttp")

    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path).stdout.strip())
    assert (site / "mwconform" / "suites" / "pipeline" / "test_order.py").is_file()
    assert (site / "mwconform" / "SPEC.md").is_file()
    assert not [p.name for p in site.iterdir() if p.name in ("adapters", "reports", "reference", "suites", "tests")]

    project = tmp_path / "theirproject"
    (project / "theirpkg").mkdir(parents=True)
    (project / "theirpkg" / "__init__.py").write_text("")
    (project / "theirpkg" / "mw.py").write_text(textwrap.dedent(THEIR_MIDDLEWARE))
    graded = run(
        [str(python), "-m", "pytest", "-q", "--pyargs", "mwconform.suites.pipeline", "--mwc-subject", "theirpkg.mw:subject", "--mwc-json", "out.json"],
        project,
    )
    assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
    results = json.loads((project / "out.json").read_text())
    verdicts = {c["id"]: c["outcome"] for c in results["cases"]}
    assert set(results["subjects"]) == {"theirpkg/audited"}
    assert verdicts["order.three-layers"] == "pass"
    assert verdicts["route.404-under-group-prefix"] == "known"
    assert verdicts["order.priority-overrides-declaration"] == "n/a"


def test_ci_runs_exactly_the_readmes_test_command_and_both_commands_bootstrap_uv_with_pip_only() -> None:
    """.ci/run's last command is README command 2 verbatim; both commands start from python3 alone."""
    from bench.clone import readme_commands

    commands = readme_commands()
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert ci[-1] == commands[2]
    for command in commands.values():
        assert command.startswith("python3 -m venv .venv && .venv/bin/pip install -q uv && .venv/bin/uv pip install ")
