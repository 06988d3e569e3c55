"""Named crash points for fault-injection tests: with VB_FAULT=<name> the process kills itself (SIGKILL, no
clean-up, exactly like a power cut) when it reaches that point. Unset in production, a point costs one dict lookup."""

from __future__ import annotations

import os
import signal

POINTS = ("before_broadcast", "after_broadcast")


def crash_point(name: str) -> None:
    if os.environ.get("VB_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
