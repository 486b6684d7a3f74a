"""Debian's `chromium`, as the browser tests launch it through Playwright's `executable_path`
(Playwright's own browser download is never used)."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MISSING = f"Debian's chromium is not installed at {CHROMIUM} (.ci/run installs it: apt-get install -y chromium)"
