"""Benchmark: grid decode via the compiled call (``latent.decode``) vs ``model.predict``.

Decodes an 8x8 grid (64 z-points) and a 32x32 grid (1024 z-points) of ``N(0, 1)`` z-points
with the shipped ``mnist_vae`` (or ``--model``) three ways:

* ``latent.decode``: our ``tf.function`` with a fixed input signature, one call per batch;
* ``decoder.predict(z, batch_size=256, verbose=0)``: Keras' own loop over the same batches;
* a ``decoder.predict`` per image (64-point grid only): what the architecture forbids, timed
  to show why.

All three give the same uint8 images (the predict outputs go through the same clip/round).
Each method runs once untimed per grid size first, so tracing/compilation is excluded;
times are medians of ``--repeats`` runs (``time.perf_counter``).

Usage: ``python bench/bench_decode.py [--quick] [--repeats R] [--model BUNDLE]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

try:
    from explorer.core.latent.encoding import decode
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from explorer.core.latent.encoding import decode

from explorer.core.model.store import LatentModel, load_model
from explorer.core.runtime.tf_setup import device_description
from explorer.core.util.paths import shipped_model

GRIDS = (8, 32)  # sides: 8x8 = 64 and 32x32 = 1024 z-points
PER_IMAGE_MAX = 64  # the per-image predict loop only runs on grids this small


def to_uint8(x: np.ndarray) -> np.ndarray:
    """The post-processing ``latent.decode`` applies, for the predict variants."""
    return np.round(np.clip(np.asarray(x, np.float32), 0.0, 1.0) * 255.0).astype(np.uint8)


def compiled(model: LatentModel, z: np.ndarray, batch_size: int) -> np.ndarray:
    return decode(model, z, batch_size=batch_size)


def predict(model: LatentModel, z: np.ndarray, batch_size: int) -> np.ndarray:
    return to_uint8(model.decoder.keras.predict(z, batch_size=batch_size, verbose=0))


def predict_per_image(model: LatentModel, z: np.ndarray, batch_size: int) -> np.ndarray:
    return np.concatenate(
        [to_uint8(model.decoder.keras.predict(z[i : i + 1], verbose=0)) for i in range(len(z))]
    )


METHODS: tuple[tuple[str, Callable[[LatentModel, np.ndarray, int], np.ndarray]], ...] = (
    ("latent.decode (compiled)", compiled),
    ("decoder.predict", predict),
    ("predict per image (forbidden)", predict_per_image),
)


def interleaved_medians(
    calls: dict[str, tuple[Callable[[], np.ndarray], int]],
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Median wall time of each call (``name: (fn, repeats)``) and its last result.

    The calls take turns, run by run, so a load change on a shared machine hits all alike.
    """
    times: dict[str, list[float]] = {name: [] for name in calls}
    outs: dict[str, np.ndarray] = {}
    for run in range(max(repeats for _, repeats in calls.values())):
        for name, (fn, repeats) in calls.items():
            if run < repeats:
                start = time.perf_counter()
                outs[name] = fn()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}, outs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2 runs per timing instead of 7; the per-image loop: 1 run over 8 points, x8",
    )
    parser.add_argument("--repeats", type=int, default=None, help="runs per timing (default 7)")
    parser.add_argument(
        "--model", default=None, help="model bundle folder (default: shipped mnist_vae)"
    )
    parser.add_argument("--batch-size", type=int, default=256, help="decode batch (256)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 7)
    # The per-image loop takes seconds a run: --quick times it once on 1/8 of the grid.
    loop_repeats, loop_fraction = (1, 8) if args.quick else (repeats, 1)

    model = load_model(args.model or shipped_model("mnist_vae"))
    rng = np.random.default_rng(args.seed)
    print(
        f"model {model.name} ({model.kind}, z_dim {model.z_dim}, images "
        f"{'x'.join(map(str, model.input_shape))}) on {device_description()}, batch "
        f"{args.batch_size}",
        flush=True,
    )
    runs = f"{repeats} runs" + (
        f" (per-image loop: {loop_repeats} run over 1/{loop_fraction} of the grid, scaled up)"
        if args.quick
        else ""
    )
    print(f"(median of {runs} after one untimed warm-up run each: tracing excluded)")

    results: dict[tuple[int, str], float] = {}
    for side in GRIDS:
        z = rng.standard_normal((side * side, model.z_dim), dtype=np.float32)
        calls, scale = {}, {}
        for name, fn in METHODS:
            looped = fn is predict_per_image
            if looped and len(z) > PER_IMAGE_MAX:
                continue
            zs = z[: len(z) // loop_fraction] if looped else z
            fn(model, zs[:1] if looped else zs, args.batch_size)  # warm-up: tracing
            calls[name] = (
                lambda fn=fn, zs=zs: fn(model, zs, args.batch_size),
                loop_repeats if looped else repeats,
            )
            scale[name] = len(z) / len(zs)
        medians, outs = interleaved_medians(calls)
        reference = next(iter(outs.values()))
        for name, seconds in medians.items():
            results[side, name] = seconds * scale[name]
            out = outs[name]
            if np.abs(out.astype(np.int16) - reference[: len(out)]).max() > 1:
                print(f"{name}: images differ from latent.decode", file=sys.stderr)
                return 1

    print(f"{'grid':<7}{'points':>7}  {'method':<31}{'time [ms]':>10}{'per image [ms]':>16}")
    for (side, name), seconds in results.items():
        n = side * side
        print(
            f"{f'{side}x{side}':<7}{n:>7}  {name:<31}{seconds * 1e3:>10.1f}"
            f"{seconds * 1e3 / n:>16.3f}"
        )
    compiled_name, predict_name, loop_name = (name for name, _ in METHODS)
    ratios = ", ".join(
        f"{side}x{side} {results[side, predict_name] / results[side, compiled_name]:.2f}x"
        for side in GRIDS
    )
    print(f"time ratio (predict / compiled): {ratios}")
    side = GRIDS[0]
    print(
        f"time ratio (per-image predict / compiled), {side}x{side}: "
        f"{results[side, loop_name] / results[side, compiled_name]:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
