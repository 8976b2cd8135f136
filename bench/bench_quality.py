"""Benchmark: measured sample quality of 2000 decodes (goal: at most 5 s on this machine).

Times, on the shipped ``mnist_vae`` with its data set's classifier (loaded once before, as the
window and ``analyze`` keep it):

- the real images' features (held-out and training images through the classifier), paid
  once per data set and sample count;
- one model's row: sample, decode, classify and every metric of ``n`` decodes, split into
  its parts (decode, classifier, metrics);
- the metrics alone with NumPy's BLAS on every core and on one (the k-NN distances are the
  costly part; on a busy machine one thread is often faster).

Each is the median of ``--repeats`` runs; the load average and the busiest other processes
are printed before and after (the machine may be shared).

Usage: ``python bench/bench_quality.py [--quick] [--n 2000] [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
try:
    import explorer  # noqa: F401
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(HERE.parent))

from machine_load import machine, median_seconds  # noqa: E402

GOAL_S = 5.0


def blas_threads(n: int | None):
    """A context limiting NumPy's BLAS to ``n`` threads (None: as it is), if threadpoolctl
    is there (scikit-learn brings it)."""
    import contextlib

    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return contextlib.nullcontext()
    return threadpool_limits(n, user_api="blas") if n else contextlib.nullcontext()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a few hundred samples, 1 repeat")
    p.add_argument("--n", type=int, default=0, help="samples (default 2000; quick 300)")
    p.add_argument("--repeats", type=int, default=0, help="runs per timing (default 5)")
    args = p.parse_args(argv)
    n = args.n or (300 if args.quick else 2000)
    repeats = args.repeats or (1 if args.quick else 5)

    from explorer.core.data.sources import open_dataset
    from explorer.core.latent.encoding import decode
    from explorer.core.model.store import load_model
    from explorer.core.runtime.tf_setup import device_description
    from explorer.core.stats.quality import make_judge, model_quality, real_set, sampled_z
    from explorer.core.stats.quality_metrics import quality_metrics
    from explorer.core.util.paths import shipped_model

    print(f"machine before: {machine()}")
    print(f"device: {device_description()}")
    model = load_model(shipped_model("mnist_vae"))
    ds = open_dataset("mnist-5k", model.input_shape)
    t0 = time.perf_counter()
    judge = make_judge(ds)
    print(f"classifier loaded in {time.perf_counter() - t0:.2f} s: {judge.describe}")
    model_quality(model, judge, real_set(ds, judge, 300), sampled_z("normal", 300, 16, 0).z)

    real_s, real = median_seconds(lambda: real_set(ds, judge, n, 0), repeats)
    z = sampled_z("normal", n, model.z_dim, 0).z
    row_s, row = median_seconds(lambda: model_quality(model, judge, real, z), repeats)
    decode_s, images = median_seconds(lambda: decode(model, z), repeats)
    judge_s, (features, probabilities) = median_seconds(lambda: judge(images), repeats)
    timings = {}
    for label, threads in (("BLAS on every core", None), ("BLAS on one thread", 1)):
        with blas_threads(threads):
            timings[label], _ = median_seconds(
                lambda: quality_metrics(real.held_out, features, probabilities), repeats
            )

    print(f"\n{n} normal decodes of mnist_vae, median of {repeats} (s)")
    print(f"{'real images (once per data set and n)':<44} {real_s:8.2f}")
    print(f"{'one model row: sample, decode, judge, metrics':<44} {row_s:8.2f}")
    print(f"{'  decode':<44} {decode_s:8.2f}")
    print(f"{'  classifier (features + probabilities)':<44} {judge_s:8.2f}")
    for label, seconds in timings.items():
        print(f"{'  metrics, ' + label:<44} {seconds:8.2f}")
    total = real_s + row_s
    verdict = "met" if total <= GOAL_S else "MISSED"
    print(
        f"first row incl. real images: {total:.2f} s, next rows {row_s:.2f} s "
        f"(goal <= {GOAL_S:.0f} s for 2000: {verdict}); ratio to goal {total / GOAL_S:.2f}"
    )
    print(f"confident share of the decodes: {row.metrics['confident']:.3f}")
    print(f"machine after: {machine()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
