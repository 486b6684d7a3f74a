"""The properties suite: every bundled subject agrees with the reference on generated scenarios, and a
planted divergence comes back as a small, readable, replayable counterexample."""

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from mwconform.suites.properties.test_generated import CASES
from tests.selftest import ROOT, outcomes, run_suite

BUNDLED = ["reference/onion", "reference/hooks", "aiohttp/native", "aiohttp/route-middleware", "aiohttp/old-style", "sanic/middleware", "sanic/on-hooks"]
PLANTED = "tests.mutants.pipeline:ChainReversedSubject"  # composes the chain back to front


def test_every_bundled_subject_agrees_with_the_reference_on_generated_scenarios(tmp_path: Path) -> None:
    results = run_suite("properties", BUNDLED, tmp_path)
    verdicts = outcomes(results)
    assert set(verdicts) == {(s, c.id) for s in BUNDLED for c in CASES}
    assert {k: v for k, v in verdicts.items() if v != "pass"} == {}
    steering = {c["subject"]: c["steering"] for c in results["cases"] if c["id"] == "generated.route-local-chains"}
    # Known deviations are steered around, and the evidence says which and why.
    assert "no response phase raises" in steering["sanic/middleware"]
    assert any("route.404-under-group-prefix" in why for why in steering["aiohttp/native"].values())
    assert steering["aiohttp/route-middleware"] == {} and steering["reference/onion"] == {}


def planted(workdir: Path, *extra: str) -> dict[str, Any]:
    (case,) = run_suite("properties", [PLANTED], workdir, "--mwc-mode=inprocess", "-k", "generated.global-chain", *extra)["cases"]
    return case


def replay(command: str, workdir: Path) -> dict[str, Any]:
    """Run a case's replay command as given (with `python -m` for the checkout's interpreter)."""
    args = shlex.split(command)
    assert args[0] == "pytest"
    out = workdir / "replay.json"
    subprocess.run([sys.executable, "-m", *args, "-p", "no:cacheprovider", f"--mwc-json={out}"], cwd=ROOT, capture_output=True, timeout=300)
    (case,) = json.loads(out.read_text())["cases"]
    return case


def test_a_planted_divergence_is_a_shrunk_readable_scenario_that_replays(tmp_path: Path) -> None:
    case = planted(tmp_path)
    assert case["outcome"] == "fail"
    # One line: the minimal scenario, its calls, then the first difference.
    assert re.fullmatch(r"shrunk to: global \[.+\]; .+ \| calls: GET /r\d \| GET /r\d: trace: got .+, expected .+", case["reason"]), case["reason"]
    # Shrunk: two pass-through layers around one route are the smallest chain that shows the order.
    assert case["scenario"].startswith("global [A, B]; "), case["scenario"]
    assert len(case["calls"]) == 1 and case["expected"][0].endswith("[A> B> H <B:200 <A:200]")
    assert case["observed"][0].endswith("[B> A> H <A:200 <B:200]")
    assert case["replay"]["reproduce_failure"].startswith("@reproduce_failure(")
    assert replay(case["replay"]["command"], tmp_path)["reason"] == case["reason"]


def test_the_deep_profile_draws_random_examples_and_names_the_seed_that_replays_them(tmp_path: Path) -> None:
    case = planted(tmp_path, "--hypothesis-profile=mwc-deep")
    assert case["outcome"] == "fail" and case["examples"] == 1000
    command = case["replay"]["command"]
    assert re.search(r"--hypothesis-profile=mwc-deep --hypothesis-seed=\d+$", command), command
    assert replay(command, tmp_path)["reason"] == case["reason"]


def test_a_subject_that_crashes_on_a_generated_scenario_is_an_error_naming_it(tmp_path: Path) -> None:
    """An adapter crash is the harness's problem, not a verdict: `error`, with the example, found at once."""
    (case,) = run_suite("properties", ["tests.subjects:AdapterCrashes"], tmp_path, "-k", "generated.global-chain")["cases"]
    assert case["outcome"] == "error"
    assert re.fullmatch(r"test/adapter-crashes could not build or serve the scenario \(socket mode\): RuntimeError: adapter bug: cannot build the app \(on global \[.*\]; .+ \| calls: .+\)", case["reason"]), case["reason"]
