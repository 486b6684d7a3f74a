"""Linux's parent-death signal: a helper process of the run dies when the run does, however it ends.

`atexit` and context managers cover a run that exits normally; SIGKILL, `os._exit` or a crashed
interpreter skip them. A process that asked for `PR_SET_PDEATHSIG` gets the signal from the kernel
when the *thread* that forked it ends, whatever the reason. Elsewhere than Linux this is a no-op.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def die_with_parent(parent: int, sig: int = signal.SIGKILL) -> None:
    """Call in a child just after fork: `sig` when its parent (pid `parent`) ends; exit now if it already has."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, sig, 0, 0, 0)
    if os.getppid() != parent:  # the parent died between fork and prctl
        os._exit(1)
