"""Nothing outlives a run or a case: the private Redis on every exit path, Sanic sockets on raising
listeners, and SIGTERM/SIGHUP end `mwconform run` with one line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sanic import Sanic

from mwconform import harness
from mwconform.adapters.sanic import new_app, serve_app
from mwconform.outcomes import HarnessError
from mwconform.redis_server import find_executable
from tests.selftest import ROOT

needs_redis = pytest.mark.skipif(find_executable() is None, reason="redis-server is not installed (apt-get install redis-server)")
SETTLE = 10.0  # seconds a killed process may take to disappear


def gone(pid: int) -> bool:
    """Whether `pid` has ended (a zombie waiting for its reaper counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def wait_until(condition, timeout: float = SETTLE) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


#: A run that starts the private Redis, prints its pid, then ends the way the parameter says.
ENDINGS = {
    "os._exit": "os._exit(0)",
    "SIGKILL": "os.kill(os.getpid(), signal.SIGKILL)",
    "crash": "import ctypes; ctypes.string_at(0)",
    "SIGTERM": "signals.install(); os.kill(os.getpid(), signal.SIGTERM)",
    "SIGHUP": "signals.install(); os.kill(os.getpid(), signal.SIGHUP)",
}


@needs_redis
@pytest.mark.parametrize("ending", list(ENDINGS))
def test_the_private_redis_dies_with_the_run_however_it_ends(ending: str) -> None:
    script = (
        "import os, signal\nfrom mwconform import redis_server, signals\nredis_server.redis_url()\n"
        f"print(redis_server._shared.process.pid, flush=True)\n{ENDINGS[ending]}\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    pid = int(proc.stdout.split()[0])
    assert wait_until(lambda: gone(pid)), f"redis-server {pid} outlived a run that ended by {ending}"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_end_a_run_with_one_line_and_no_child_left(sig: signal.Signals, tmp_path: Path) -> None:
    results = tmp_path / "r.json"
    argv = [sys.executable, "-m", "mwconform.cli", "run", "--subject", "tests.subjects:Hangs", "--suite", "pipeline", "--json", str(results), "--", "--mwc-deadline=120"]
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # The case is running once the run has forked the subject's worker.
        assert wait_until(lambda: bool(children(proc.pid)), 120), "the run never started a case"
        workers = children(proc.pid)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 4  # interrupted (README, Exit codes)
    said = [line for line in err.splitlines() if line.startswith("mwconform:")]
    if results.exists():
        assert len(said) == 1 and said[0].startswith(f"mwconform: interrupted by {sig.name}: ") and said[0].endswith(f"{results} holds them and is marked incomplete"), said
    else:
        assert said == [f"mwconform: stopped by {sig.name}; no results were written"]
    assert all(wait_until(lambda p=p: gone(p)) for p in workers)


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def listening_sockets() -> int:
    """Sockets of this process in the LISTEN state (/proc/net/tcp state 0A), by inode."""
    inodes = {os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd") if os.path.exists(f"/proc/self/fd/{fd}")}
    listening = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and f"socket:[{fields[9]}]" in inodes:
            listening += 1
    return listening


@pytest.mark.parametrize("event", ["before_server_start", "after_server_start", "before_server_stop"])
def test_a_raising_sanic_listener_leaves_no_socket_descriptor_or_app_behind(event: str) -> None:
    async def serve_once() -> None:
        app = new_app()
        app.add_route(lambda request: None, "/", name="index")  # Sanic refuses to start an app without routes

        async def boom(app: Sanic) -> None:
            raise RuntimeError(f"{event} failed")

        app.register_listener(boom, event)
        async with serve_app(app):
            pass

    def attempt() -> None:
        with pytest.raises((RuntimeError, HarnessError)):
            harness.run(serve_once(), 10, f"serving a Sanic app whose {event} listener raises")

    attempt()  # warm-up: the first serve opens lasting things (the lane, imports)
    fds, listening, apps = len(os.listdir("/proc/self/fd")), listening_sockets(), len(Sanic._app_registry)
    for _ in range(5):
        attempt()
    assert (len(os.listdir("/proc/self/fd")), listening_sockets(), len(Sanic._app_registry)) == (fds, listening, apps)
