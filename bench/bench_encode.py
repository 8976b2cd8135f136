"""Benchmark: encoding throughput of ``encode_dataset`` vs a bare loop over the same model.

Encodes the bundled ``mnist-5k`` (5000 images) with the shipped ``mnist_vae`` (or
``--model``) two ways, in batches of 256:

* ours: ``encode_dataset(model, ds, cache=False)``, i.e. the ``tf.data`` pipeline (uint8 ->
  float32 in the graph, prefetch), one compiled call per batch, conversion to NumPy, the
  VAE's ``eps`` sampling and the concatenation into :class:`Encodings`;
* bare: ``for i in range(0, n, 256): model.encoder(x[i:i + 256], training=False)`` over a
  float32 array loaded beforehand (no data pipeline, no NumPy outputs, no sampling);
* for reference, the same bare loop through a ``tf.function`` of the encoder (the kind of
  call ``encode_dataset`` makes), which shows what the pipeline and sampling cost on top.

Each runs once untimed first (tracing excluded); the methods take turns run by run and
times are medians of ``--repeats`` runs (wall: ``time.perf_counter``; CPU:
``time.process_time``). The goal is ours >= about 0.9 of bare in images/s.

Usage: ``python bench/bench_encode.py [--quick] [--repeats R] [--model BUNDLE]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

try:
    from explorer.core.latent.encoding import encode_dataset
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from explorer.core.latent.encoding import encode_dataset

from explorer.core.data.dataset import Dataset
from explorer.core.data.sources import open_dataset
from explorer.core.model.store import LatentModel, load_model
from explorer.core.runtime.tf_setup import device_description, tensorflow
from explorer.core.util.paths import shipped_model


def bare_loop(model: LatentModel, x: np.ndarray, batch_size: int) -> None:
    for i in range(0, len(x), batch_size):
        model.encoder.keras(x[i : i + batch_size], training=False)


def compiled_encoder(model: LatentModel) -> Callable:
    """The encoder as a ``tf.function`` with a batch-polymorphic signature."""
    tf = tensorflow()
    spec = tf.TensorSpec((None, *model.input_shape), tf.float32)
    return tf.function(lambda x: model.encoder.keras(x, training=False), input_signature=[spec])


def compiled_loop(encoder: Callable, x: np.ndarray, batch_size: int) -> None:
    for i in range(0, len(x), batch_size):
        encoder(x[i : i + batch_size])


def ours(model: LatentModel, ds: Dataset, batch_size: int) -> None:
    encode_dataset(model, ds, batch_size=batch_size, cache=False)


def interleaved_medians(
    calls: dict[str, Callable[[], object]], repeats: int
) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of each call. The calls take turns, run by run, so a load
    change on a shared machine hits all alike; CPU time (all threads of this process) is the
    steadier figure there."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, fn in calls.items():
            start, cpu_start = time.perf_counter(), time.process_time()
            fn()
            times[name].append((time.perf_counter() - start, time.process_time() - cpu_start))
    return {
        name: (statistics.median(w for w, _ in t), statistics.median(c for _, c in t))
        for name, t in times.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1000 images, 2 runs per timing")
    parser.add_argument("--images", type=int, default=None, help="images to encode (5000)")
    parser.add_argument("--repeats", type=int, default=None, help="runs per timing (default 7)")
    parser.add_argument(
        "--model", default=None, help="model bundle folder (default: shipped mnist_vae)"
    )
    parser.add_argument("--dataset", default="mnist-5k", help="data set (mnist-5k)")
    parser.add_argument("--batch-size", type=int, default=256, help="encode batch (256)")
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 7)

    model = load_model(args.model or shipped_model("mnist_vae"))
    ds = open_dataset(args.dataset, model.input_shape)
    if ds.images is None:
        print(
            f"{ds.name}: a streamed (folder) data set has no array for the bare loop",
            file=sys.stderr,
        )
        return 2
    n = min(args.images or (1000 if args.quick else len(ds)), len(ds))
    if n < len(ds):
        labels = ds.labels[:n] if ds.labels is not None else None
        ds = dataclasses.replace(ds, images=ds.images[:n], labels=labels)
    x = ds.images.astype(np.float32) / 255.0  # pre-loaded for the bare loop
    print(
        f"encode {n} images of {ds.name} with {model.name} ({model.kind}, z_dim {model.z_dim}) "
        f"on {device_description()}, batch {args.batch_size}",
        flush=True,
    )
    print(f"(median of {repeats} runs after one untimed warm-up run each: tracing excluded)")

    encoder = compiled_encoder(model)
    ours_name, bare_name, compiled_name = (
        "encode_dataset (ours)",
        "bare model.encoder loop",
        "bare loop, tf.function (ref.)",
    )
    calls = {
        ours_name: lambda: ours(model, ds, args.batch_size),
        bare_name: lambda: bare_loop(model, x, args.batch_size),
        compiled_name: lambda: compiled_loop(encoder, x, args.batch_size),
    }
    for fn in calls.values():
        fn()  # warm-up: tracing
    medians = interleaved_medians(calls, repeats)

    print(f"{'method':<31}{'wall [s]':>10}{'images/s':>11}{'CPU [s]':>10}")
    for name, (seconds, cpu) in medians.items():
        print(f"{name:<31}{seconds:>10.3f}{n / seconds:>11.0f}{cpu:>10.3f}")
    for other, label in ((bare_name, "bare"), (compiled_name, "bare tf.function loop")):
        wall = medians[other][0] / medians[ours_name][0]
        cpu = medians[other][1] / medians[ours_name][1]
        print(f"throughput ratio (ours / {label}): {wall:.2f} wall, {cpu:.2f} CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
