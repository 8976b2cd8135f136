"""Benchmark: how long ``import tensorflow`` in a worker thread stalls the main thread.

The window imports TensorFlow in a model thread; the GUI thread keeps its event loop only
as long as the import lets go of the GIL. Each run is a fresh interpreter whose main thread
ticks every 5 ms while a worker thread calls ``tf_setup.tensorflow()``; printed per mode are
the median over the runs of the worst gap between ticks and of the import time, then the
ratio. Modes (alternating, so machine load hits both alike):

* ``preload``: the default, TensorFlow's big shared libraries are ``dlopen``-ed through
  ctypes first, which releases the GIL (``tf_setup.preload_shared_libraries``);
* ``import only``: ``LATENT_EXPLORER_TF_PRELOAD=0``, the libraries load inside the import.

Both modes switch the garbage collector off during the import (``heap.paused``).

Usage: ``python bench/bench_tf_import_stall.py [--quick] [--runs N]`` (default 5 per mode,
1 with ``--quick``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = """
import json, sys, threading, time
sys.path.insert(0, sys.argv[1])
from explorer.core.runtime import tf_setup
done = threading.Event()
took = []
def work():
    t0 = time.perf_counter()
    tf_setup.tensorflow()
    took.append(time.perf_counter() - t0)
    done.set()
worker = threading.Thread(target=work)
gaps, last = [], time.perf_counter()
worker.start()
while not done.is_set():
    time.sleep(0.005)
    now = time.perf_counter()
    gaps.append(now - last)
    last = now
worker.join()
gaps.sort(reverse=True)
print(json.dumps({"worst_ms": gaps[0] * 1000, "second_ms": gaps[1] * 1000,
                  "import_s": took[0]}))
"""

MODES = {"preload": "1", "import only": "0"}


def run(preload: str) -> dict:
    env = {**os.environ, "LATENT_EXPLORER_TF_PRELOAD": preload, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(ROOT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=None, help="runs per mode (default 5)")
    parser.add_argument("--quick", action="store_true", help="one run per mode")
    args = parser.parse_args(argv)
    args.runs = args.runs or (1 if args.quick else 5)
    results: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for i in range(args.runs):
        for mode, flag in MODES.items():
            out = run(flag)
            results[mode].append(out)
            print(
                f"run {i + 1} {mode:<12} worst gap {out['worst_ms']:6.0f} ms, "
                f"second {out['second_ms']:5.0f} ms, import {out['import_s']:.2f} s",
                flush=True,
            )
    print(f"\n{'mode':<12} {'worst gap (median)':>19} {'range':>13} {'import (median)':>16}")
    medians = {}
    for mode, rows in results.items():
        worst = [r["worst_ms"] for r in rows]
        medians[mode] = statistics.median(worst)
        imports = statistics.median(r["import_s"] for r in rows)
        print(
            f"{mode:<12} {medians[mode]:16.0f} ms {min(worst):5.0f}-{max(worst):<4.0f} ms "
            f"{imports:14.2f} s"
        )
    ratio = medians["preload"] / medians["import only"]
    print(f"worst gap, preload / import only: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
