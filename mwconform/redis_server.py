"""A real Redis for the session subjects: the one named by MWC_REDIS_URL, or a private redis-server.

`redis_url()` is what Redis-backed subjects call. Without MWC_REDIS_URL it starts Debian's
`redis-server` once per process on a free loopback port (no persistence) and stops it by PID
when the process exits; where there is no redis-server either it raises `NotApplicable`, so
Redis cases are `n/a` with that reason, never silently skipped.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time

from .outcomes import HarnessError, NotApplicable

ENV = "MWC_REDIS_URL"
START_TIMEOUT = 10.0  # seconds a starting redis-server has to answer PING

_shared: RedisServer | None = None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One redis-server process on 127.0.0.1, started on a free port, stopped by its PID."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self._dir = tempfile.TemporaryDirectory(prefix="mwc-redis-")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> str:
        """Start the server (a few tries: a free port can be taken before redis binds it); its URL."""
        for _ in range(3):
            self.port = _free_port()
            args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            args += ["--dir", self._dir.name, "--daemonize", "no", "--loglevel", "warning", "--logfile", ""]
            self.process = subprocess.Popen([self.executable, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + START_TIMEOUT
            while self.process.poll() is None and time.monotonic() < deadline:
                if _pong(self.port):
                    return self.url
                time.sleep(0.02)
            self.stop()
        raise HarnessError(f"{self.executable} did not start on 127.0.0.1 (3 tries, {START_TIMEOUT:g} s each)")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def find_executable() -> str | None:
    return shutil.which("redis-server")


def redis_url() -> str:
    """MWC_REDIS_URL if set, else the URL of this process's private redis-server (started once)."""
    global _shared
    if os.environ.get(ENV):
        return os.environ[ENV]
    if _shared is None:
        executable = find_executable()
        if executable is None:
            raise NotApplicable(f"no Redis: redis-server is not installed (apt-get install redis-server) and {ENV} is not set")
        server = RedisServer(executable)
        server.start()
        atexit.register(server.close)
        _shared = server
    return _shared.url
