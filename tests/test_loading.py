"""`--mwc-subject package.module:attr` as a pytest user expects: imported from the current directory
by plain `pytest` and `mwconform run`, one option for many subjects, and every mistake (a module or
factory that raises, two subjects with one name, a subject no selected suite grades) one line.
The conftest route (overriding the `mwc_subject` fixture) puts a real subject in the results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mwconform.adapters import UsageError, load, resolve, select

PACKAGE = "mwc_user_pkg"  # a name no installed package has: found only in the project folder

#: A user's project: `subjects.py` holds every shape an attribute may take; the others fail at import.
PROJECT = {
    "__init__.py": "",
    "subjects.py": '''
from mwconform.adapters.reference import ReferenceOnion

def variant(i):
    return type(f"V{i}", (ReferenceOnion,), {"name": f"ours/v{i}"})

instance = variant(0)()
subclass = variant(1)
def factory():
    return variant(2)()
listed = [variant(3)(), variant(4), lambda: variant(5)()]
def factory_of_many():
    return (variant(i)() for i in (6, 7))
twins = [variant(9), variant(9)]
empty = []
def factory_raises():
    raise LookupError("no MW_CONFIG in the environment\\nsecond line")
nameless = type("Nameless", (ReferenceOnion,), {"name": ""})
class Plain:
    pass
''',
    "raises.py": 'raise RuntimeError("missing SECRET\\nsecond line")\n',
    "needs.py": "import mwc_not_installed_dep\n",
    "syntax.py": "def broken(:\n",
}
RAISE_LINE = next(n for n, line in enumerate(PROJECT["subjects.py"].splitlines(), 1) if "raise LookupError" in line)
CONFTEST = '''
import pytest
from mwconform.adapters.reference import ReferenceOnion

class Ours(ReferenceOnion):
    name = "ours/fixture"
    description = "graded through an overridden mwc_subject fixture"
    known = {"order.three-layers": "claimed, to show it reaches the results"}

@pytest.fixture(scope="session")
def mwc_subject():
    return Ours()
'''


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    write(root / PACKAGE, PROJECT)
    return root


@pytest.fixture
def in_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The current directory is the project, as when a user runs pytest there (sys.path restored after)."""
    monkeypatch.chdir(project)
    monkeypatch.setattr(sys, "path", list(sys.path))
    return project


LOADS = {
    "instance": ["ours/v0"],
    "subclass": ["ours/v1"],
    "factory": ["ours/v2"],
    "listed": ["ours/v3", "ours/v4", "ours/v5"],
    "factory_of_many": ["ours/v6", "ours/v7"],
}


@pytest.mark.parametrize(("attr", "names"), LOADS.items(), ids=list(LOADS))
def test_an_attribute_may_be_a_subject_a_subclass_a_factory_or_a_list_of_them(in_project: Path, attr: str, names: list[str]) -> None:
    assert [s.name for s in load(f"{PACKAGE}.subjects:{attr}")] == names


REFUSALS = {
    "raises:x": f"cannot import '{PACKAGE}.raises' for subject '{PACKAGE}.raises:x': RuntimeError: missing SECRET ({PACKAGE}/raises.py:1)",
    "needs:x": f"cannot import '{PACKAGE}.needs' for subject '{PACKAGE}.needs:x': ModuleNotFoundError: No module named 'mwc_not_installed_dep' ({PACKAGE}/needs.py:1)",
    "syntax:x": f"cannot import '{PACKAGE}.syntax' for subject '{PACKAGE}.syntax:x': SyntaxError: invalid syntax (syntax.py, line 1)",
    "subjects:factory_raises": f"making the subject '{PACKAGE}.subjects:factory_raises' raised LookupError: no MW_CONFIG in the environment ({PACKAGE}/subjects.py:{RAISE_LINE})",
    "subjects:empty": f"'{PACKAGE}.subjects:empty' holds no subjects (an empty list)",
    "subjects:nameless": f"a subject of '{PACKAGE}.subjects:nameless' (Nameless) has no name: set the class attribute name = 'adapter/variant'",
    "subjects:Plain": f"'{PACKAGE}.subjects:Plain' gives the class Plain, not a mwconform Subject; accepted: a Subject, a Subject subclass, a factory returning one, or a list of those",
    "subjects:": f"subject '{PACKAGE}.subjects:' is not package.module:attr (or adapter/variant)",
}


@pytest.mark.parametrize(("spec", "message"), REFUSALS.items(), ids=list(REFUSALS))
def test_a_subject_that_cannot_be_loaded_is_one_line_naming_the_module_and_what_was_raised(in_project: Path, spec: str, message: str) -> None:
    with pytest.raises(UsageError) as refused:
        load(f"{PACKAGE}.{spec}")
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_resolve_wants_exactly_one_subject(in_project: Path) -> None:
    assert resolve(f"{PACKAGE}.subjects:instance").name == "ours/v0"
    with pytest.raises(UsageError, match=r"'mwc_user_pkg.subjects:listed' holds 3 subjects \(ours/v3, ours/v4, ours/v5\); name one of them"):
        resolve(f"{PACKAGE}.subjects:listed")


@pytest.mark.parametrize(
    ("adapters", "specs", "message"),
    [
        ([], [f"{PACKAGE}.subjects:twins"], f"two subjects are named 'ours/v9' (from '{PACKAGE}.subjects:twins' and '{PACKAGE}.subjects:twins')"),
        ([], [f"{PACKAGE}.subjects:instance", f"{PACKAGE}.subjects:instance"], "two subjects are named 'ours/v0'"),
        (["aiohttp"], ["aiohttp/native"], "two subjects are named 'aiohttp/native' (from adapter 'aiohttp' and 'aiohttp/native')"),
    ],
)
def test_two_subjects_with_one_name_are_refused_before_one_overwrites_the_others_verdicts(in_project: Path, adapters: list[str], specs: list[str], message: str) -> None:
    with pytest.raises(UsageError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        select(adapters, specs)


def run(command: str, *args: str, cwd: Path) -> tuple[int, str]:
    """The `pytest` or `mwconform` script as a user runs it: sys.path[0] is the scripts folder, not cwd."""
    script = Path(sys.executable).parent / command
    proc = subprocess.run([str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout + proc.stderr


PIPELINE_ONE_CASE = ("-p", "no:cacheprovider", "-k", "three-layers")


def test_plain_pytest_and_mwconform_run_import_the_subject_from_the_current_directory(project: Path) -> None:
    code, output = run("pytest", "-q", "--pyargs", "mwconform.suites.pipeline", f"--mwc-subject={PACKAGE}.subjects:listed", "--mwc-json=p.json", *PIPELINE_ONE_CASE, cwd=project)
    assert code == 0, output
    assert sorted(json.loads((project / "p.json").read_text())["subjects"]) == LOADS["listed"]
    code, output = run("mwconform", "run", "--subject", f"{PACKAGE}.subjects:factory_of_many", "--suite", "pipeline", "--json", "m.json", "--", *PIPELINE_ONE_CASE, cwd=project)
    assert code == 0, output
    assert sorted(json.loads((project / "m.json").read_text())["subjects"]) == LOADS["factory_of_many"]


@pytest.mark.parametrize(
    ("command", "code", "prefix"),
    [(["pytest", "--pyargs", "mwconform.suites.pipeline", "--mwc-subject"], 4, "ERROR: "), (["mwconform", "run", "--subject"], 2, "mwconform: error: ")],
    ids=["pytest", "mwconform"],
)
def test_a_module_that_raises_at_import_is_one_line_and_a_usage_exit_code(project: Path, command: list[str], code: int, prefix: str) -> None:
    """pytest's own exit code for usage errors is 4; the mwconform command's is 2."""
    got, output = run(*command, f"{PACKAGE}.raises:subject", cwd=project)
    lines = [line for line in output.splitlines() if line.strip()]
    assert (got, lines) == (code, [f"{prefix}{REFUSALS['raises:x'].replace(':x', ':subject')}"])


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_a_subject_no_selected_suite_grades_is_explained_in_one_line_not_a_silent_exit_5(project: Path, xdist: list[str]) -> None:
    code, output = run("pytest", "-q", "--pyargs", "mwconform.suites.pipeline", f"--mwc-subject={PACKAGE}.subjects:instance", "--mwc-subject=reference/cors", *xdist, *PIPELINE_ONE_CASE, cwd=project)
    refusal = "ERROR: no selected suite (pipeline) grades reference/cors (its suites: cors): select mwconform.suites.cors or add the suite to the subject's `suites`"
    assert code == 4 and refusal in output.splitlines(), output
    assert "Traceback" not in output and "INTERNALERROR" not in output


@pytest.mark.parametrize("xdist", [[], ["-n", "2"]], ids=["one-process", "xdist"])
def test_a_subject_from_an_overridden_fixture_is_a_real_subject_in_the_results(tmp_path: Path, xdist: list[str]) -> None:
    write(tmp_path, {"conftest.py": CONFTEST})
    code, output = run("pytest", "-q", "--pyargs", "mwconform.suites.pipeline", "--mwc-json=r.json", *xdist, "-p", "no:cacheprovider", "-k", "three-layers or seed-003", cwd=tmp_path)
    results = json.loads((tmp_path / "r.json").read_text())
    assert code == 0, output
    assert {c["subject"] for c in results["cases"]} == {"ours/fixture"} and len(results["cases"]) == 2
    described = results["subjects"]["ours/fixture"]
    assert (described["adapter"], described["description"]) == ("reference", "graded through an overridden mwc_subject fixture")
    assert described["known"] == {"order.three-layers": "claimed, to show it reaches the results"}


def test_a_fixture_that_returns_a_class_instead_of_a_subject_is_an_error_that_says_so(tmp_path: Path) -> None:
    write(tmp_path, {"conftest.py": CONFTEST.replace("return Ours()", "return Ours")})
    code, output = run("pytest", "-q", "--pyargs", "mwconform.suites.pipeline", "--mwc-json=r.json", "-p", "no:cacheprovider", "-k", "three-layers", cwd=tmp_path)
    (case,) = json.loads((tmp_path / "r.json").read_text())["cases"]
    assert code == 1 and "Traceback" not in output, output
    assert (case["outcome"], case["reason"]) == (
        "error",
        "the mwc_subject fixture returned the class Ours, not a mwconform Subject: return one instance (for several subjects, give --mwc-subject package.module:attr a list)",
    )
