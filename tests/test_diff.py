"""`mwconform diff OLD.json NEW.json` on real verdicts (the pipeline suite against mutants,
aiohttp/native and sanic/on-hooks): a planted regression exits 1 and is named; fixes, changed
reasons, stale known deviations, added and removed subjects and cases are listed; bad input is
one line; an incomplete run is compared with a warning."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.report_site import Site, shared_site
from tests.selftest import ROOT


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    return shared_site(tmp_path_factory)


def diff(old: Path, new: Path) -> tuple[int, list[str]]:
    proc = subprocess.run([sys.executable, "-m", "mwconform.cli", "diff", str(old), str(new)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    return proc.returncode, (proc.stdout + proc.stderr).splitlines()


def _write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _case(doc: dict[str, Any], subject: str, outcome: str) -> dict[str, Any]:
    return next(c for c in doc["cases"] if c["subject"] == subject and c["outcome"] == outcome)


def test_a_run_compared_with_itself_has_no_changes(site: Site) -> None:
    code, lines = diff(site.results_file, site.results_file)
    assert code == 0 and lines[-1] == "summary: 0 regressions, 0 fixed, 0 changed reasons, 0 newly stale, 0 other changes, 0 added, 0 removed"


def test_a_planted_regression_exits_1_and_every_kind_of_change_is_listed(site: Site, tmp_path: Path) -> None:
    new = copy.deepcopy(site.results)
    broken = _case(new, "aiohttp/native", "pass")
    broken.update(outcome="fail", reason="planted: GET /ok: trace: got B> A>, expected A> B>")
    fixed = _case(new, "mutant/EarlyResponseSkipsHooks", "fail")
    fixed.update(outcome="pass", reason="")
    reworded = _case(new, "mutant/ShortCircuitCallsHandler", "fail")
    reworded["reason"] = "planted: another reason"
    stale = _case(new, "sanic/on-hooks", "known")  # known -> pass: fixed, and stale
    stale.update(outcome="pass", stale_known=True, reason="stale known deviation, it no longer occurs: planted")
    removed = _case(new, "aiohttp/native", "n/a")
    new["cases"].remove(removed)
    new["subjects"]["extra/subject"] = copy.deepcopy(new["subjects"]["aiohttp/native"])
    new["cases"].append(copy.deepcopy(broken) | {"subject": "extra/subject"})
    new["subjects"]["aiohttp/native"]["versions"]["aiohttp"] = "9.9.9"
    code, lines = diff(site.results_file, _write(tmp_path / "new.json", new))
    text = "\n".join(lines)
    assert code == 1, text
    old_version = site.results["subjects"]["aiohttp/native"]["versions"]["aiohttp"]
    assert f"versions: aiohttp {old_version} -> 9.9.9 (aiohttp/native)" in lines
    expected = {
        "REGRESSIONS (1)": f"  [{broken['level']}] aiohttp/native pipeline/{broken['id']}: pass -> fail: planted: GET /ok: trace: got B> A>, expected A> B>",
        "FIXED (2)": f"  [{fixed['level']}] mutant/EarlyResponseSkipsHooks pipeline/{fixed['id']}: fail -> pass",
        "CHANGED REASONS (1)": f"  [{reworded['level']}] mutant/ShortCircuitCallsHandler pipeline/{reworded['id']}: fail: was ",
        "NEWLY STALE KNOWN DEVIATIONS (1)": f"  [{stale['level']}] sanic/on-hooks pipeline/{stale['id']}: stale known deviation, it no longer occurs: planted",
        "SUBJECTS ADDED (1)": "  extra/subject",
        "CASES REMOVED (1)": f"  aiohttp/native pipeline/{removed['id']}",
    }
    for title, first in expected.items():
        assert lines[lines.index(title) + 1].startswith(first), (title, text)
    assert lines[-1] == "summary: 1 regressions, 2 fixed, 1 changed reasons, 1 newly stale, 0 other changes, 1 added, 1 removed"
    # The other way round, the planted failure is a fix and the planted fixes are regressions.
    code, lines = diff(tmp_path / "new.json", site.results_file)
    assert code == 1 and lines[lines.index("REGRESSIONS (2)") + 1].startswith(f"  [{fixed['level']}] mutant/EarlyResponseSkipsHooks")


def test_an_incomplete_run_is_compared_with_a_warning_and_its_missing_cases_are_not_removed(site: Site, tmp_path: Path) -> None:
    partial = copy.deepcopy(site.results)
    partial["cases"] = partial["cases"][: len(partial["cases"]) // 2]
    partial.update(complete=False, incomplete=f"interrupted by SIGTERM: {len(partial['cases'])} of {len(site.results['cases'])} cases decided")
    code, lines = diff(site.results_file, _write(tmp_path / "partial.json", partial))
    assert code == 0, lines
    assert lines[1] == f"warning: {tmp_path / 'partial.json'} is incomplete ({partial['incomplete']}): cases missing from it are not listed as removed"
    assert "CASES REMOVED" not in "\n".join(lines)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.__setitem__("schema", "mwconform-results/1"), "cannot compare {old} (mwconform-results/2) with {new} (mwconform-results/1): rerun the older side with this mwconform so both files have one schema"),
        (lambda d: [c.__setitem__("subject", "other/" + c["subject"]) for c in d["cases"]] and d.__setitem__("subjects", {}), "{old} grades aiohttp/native, mutant/EarlyResponseSkipsHooks, mutant/ShortCircuitCallsHandler and 1 more and {new} grades other/aiohttp/native, other/mutant/EarlyResponseSkipsHooks, other/mutant/ShortCircuitCallsHandler and 1 more: no subject in common; diff compares two runs of the same subjects"),
        (lambda d: d.__setitem__("cases", "none"), "{new} is not a valid mwconform-results/2 file: at cases: 'none' is not of type 'array'"),
    ],
    ids=["schema-versions-differ", "no-subject-in-common", "not-a-results-file"],
)
def test_bad_input_is_one_line(site: Site, tmp_path: Path, change: Any, message: str) -> None:
    other = copy.deepcopy(site.results)
    change(other)
    code, lines = diff(site.results_file, _write(tmp_path / "new.json", other))
    assert code == 2 and lines == ["mwconform: error: " + message.format(old=site.results_file, new=tmp_path / "new.json")]
