"""What the benchmarks print beside their figures: how busy the machine was, and medians."""

from __future__ import annotations

import os
import subprocess
import time

import numpy as np


def machine() -> str:
    """Load average and the three busiest other processes (``ps``)."""
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    try:
        ps = subprocess.run(
            ["ps", "-eo", "pid,pcpu,comm", "--sort=-pcpu"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.splitlines()[1:]
        mine = str(os.getpid())
        busy = [" ".join(line.split()[1:]) for line in ps if line.split()[0] != mine][:3]
    except (OSError, subprocess.SubprocessError):
        busy = []
    return f"load average {load}; busiest others (%CPU name): {', '.join(busy) or 'n/a'}"


def median_seconds(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out
