"""Benchmark: streaming a folder of stand-in CelebA faces through a celeba64 VAE encoder.

1. Peak memory: encode a folder of ``--sizes`` images (10 000 and 20 000; the first images of
   one stand-in folder, see ``bench/make_faces.py``) with an untrained ``celeba64`` VAE, each
   in its own subprocess, and compare ``resource.getrusage(RUSAGE_SELF).ru_maxrss``. Streaming
   means the peak must not grow with the folder (goal: the two differ by < 10%). The
   encodings themselves (z, mu, logvar: 3 KB per image) do grow; they are printed too.
2. Throughput: in one subprocess, encode ``--throughput-images`` images from the folder
   (read, decode, crop, resize in tf.data, in parallel) and the same images already decoded
   in memory as uint8, alternating, ``--repeats`` times; medians (goal: folder / memory
   >= 0.8).

Usage: ``python bench/bench_streaming.py [--quick] [--data DIR] [--sizes 10000,20000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(ROOT))


def standin_folder(data: str | None, n: int) -> Path:
    """The image folder of a stand-in with at least ``n`` images (made if missing)."""
    import make_faces

    if data:
        folder = Path(data)
        images = folder / make_faces.IMAGE_DIR
        return images if images.is_dir() else folder
    out = Path(tempfile.gettempdir()) / "latent-explorer-standin" / f"n{n}"
    start = time.perf_counter()
    made = not make_faces.is_complete(out, n, 0)
    folder = make_faces.make_faces(out, n, seed=0)
    if made:
        print(f"made {n} stand-in faces in {time.perf_counter() - start:.0f} s: {folder}")
    return folder


def untrained_celeba64():
    """An untrained celeba64 VAE wrapped as a :class:`LatentModel`."""
    from explorer.core.model.config import ModelConfig, preset
    from explorer.core.model.nets import build_model
    from explorer.core.model.store import wrap_trained

    arch = preset("celeba64")
    model = build_model(ModelConfig(kind="vae", architecture=arch))
    return wrap_trained(model, "celeba64-untrained", "untrained")


def first_images(folder: Path, n: int):
    from explorer.core.data.sources import open_dataset

    ds = open_dataset(str(folder), (64, 64, 3))
    ds.files = ds.files[:n]
    if ds.labels is not None:
        ds.labels = ds.labels[:n]
    return ds


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def child_rss(folder: Path, n: int, batch: int) -> dict:
    from explorer.core.latent.encoding import encode_batch, encode_dataset

    model = untrained_celeba64()
    ds = first_images(folder, n)
    import numpy as np

    encode_batch(model, np.zeros((batch, 64, 64, 3), np.float32))  # trace once
    before = maxrss_mb()
    start = time.perf_counter()
    enc = encode_dataset(model, ds, batch_size=batch, cache=False)
    seconds = time.perf_counter() - start
    out_mb = sum(a.nbytes for a in (enc.z, enc.mu, enc.logvar) if a is not None) / 2**20
    return {
        "n": len(enc),
        "skipped": enc.skipped,
        "seconds": seconds,
        "maxrss_before_mb": before,
        "maxrss_mb": maxrss_mb(),
        "encodings_mb": out_mb,
    }


def child_throughput(folder: Path, n: int, batch: int, repeats: int) -> dict:
    import numpy as np

    from explorer.core.data.dataset import Dataset
    from explorer.core.data.pipeline import uint8_batches
    from explorer.core.latent.encoding import encode_dataset

    model = untrained_celeba64()
    ds = first_images(folder, n)
    parts = list(uint8_batches(ds, batch))
    images = np.concatenate([x for x, _ in parts])
    mem = Dataset("memory", ds.image_shape, images=images, labels=ds.labels)
    encode_dataset(model, first_images(folder, batch), batch_size=batch, cache=False)  # warm-up
    encode_dataset(model, Dataset("w", ds.image_shape, images=images[:batch]), batch, cache=False)
    from explorer.core.data.decoded_cache import decoded_dataset

    with tempfile.TemporaryDirectory() as root:
        start = time.perf_counter()
        cached = decoded_dataset(ds, root=root)
        build_s = time.perf_counter() - start
        times = _alternate(model, (ds, mem, cached), batch, repeats)
    folder_t, memory_t, cache_t = times
    return {
        "n": n,
        "folder_s": statistics.median(folder_t),
        "memory_s": statistics.median(memory_t),
        "cache_s": statistics.median(cache_t),
        "cache_build_s": build_s,
        "folder_all": folder_t,
        "memory_all": memory_t,
    }


def _alternate(model, datasets, batch: int, repeats: int) -> list[list[float]]:
    """Encode each data set in turn, ``repeats`` rounds; wall times per data set."""
    from explorer.core.latent.encoding import encode_dataset

    times: list[list[float]] = [[] for _ in datasets]
    for _ in range(repeats):
        for target, row in zip(datasets, times, strict=True):
            start = time.perf_counter()
            encode_dataset(model, target, batch_size=batch, cache=False)
            row.append(time.perf_counter() - start)
    return times


def run_child(args: list[str]) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="300 vs 600 images, 256 for speed (seconds)"
    )
    parser.add_argument("--data", default=None, help="stand-in folder (made in $TMPDIR if absent)")
    parser.add_argument("--sizes", default=None, help="folder sizes for peak RSS (10000,20000)")
    parser.add_argument("--throughput-images", type=int, default=None, help="(5000)")
    parser.add_argument("--repeats", type=int, default=None, help="throughput repeats (3)")
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--child", choices=("rss", "throughput"), help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        folder = Path(args.data)
        if args.child == "rss":
            result = child_rss(folder, args.n, args.batch)
        else:
            result = child_throughput(folder, args.n, args.batch, args.repeats)
        print(json.dumps(result))
        return 0

    sizes = [
        int(s) for s in (args.sizes or ("300,600" if args.quick else "10000,20000")).split(",")
    ]
    n_tp = args.throughput_images or (256 if args.quick else 5000)
    repeats = args.repeats or (1 if args.quick else 3)
    folder = standin_folder(args.data, max(sizes + [n_tp]))
    print(f"stand-in folder: {folder}; celeba64 VAE (untrained), batch {args.batch}", flush=True)

    rows = []
    for n in sizes:
        r = run_child(
            ["--child", "rss", "--data", str(folder), "--n", str(n), "--batch", str(args.batch)]
        )
        rows.append(r)
        print(
            f"  folder of {n:>6} images: peak RSS {r['maxrss_mb']:7.0f} MB (before encoding "
            f"{r['maxrss_before_mb']:.0f} MB; encodings {r['encodings_mb']:.0f} MB), "
            f"{r['seconds']:.1f} s, {r['n'] / r['seconds']:.0f} images/s, skipped {r['skipped']}",
            flush=True,
        )
    lo, hi = rows[0]["maxrss_mb"], rows[-1]["maxrss_mb"]
    print(
        f"peak RSS ratio ({sizes[-1]} / {sizes[0]} images): {hi / lo:.3f} "
        f"(differ by {abs(hi - lo) / lo * 100:.1f}%; goal < 10%)"
    )
    t = run_child(
        ["--child", "throughput", "--data", str(folder), "--n", str(n_tp), "--batch",
         str(args.batch), "--repeats", str(repeats)]
    )  # fmt: skip
    f_ips, m_ips = n_tp / t["folder_s"], n_tp / t["memory_s"]
    print(f"throughput on {n_tp} images (median of {repeats}):")
    print(f"  folder (tf.data decode + encode): {t['folder_s']:.2f} s, {f_ips:.0f} images/s")
    print(f"  memory (uint8 array, encode):     {t['memory_s']:.2f} s, {m_ips:.0f} images/s")
    c_ips = n_tp / t["cache_s"]
    print(
        f"  decoded cache (memmap uint8):     {t['cache_s']:.2f} s, {c_ips:.0f} images/s "
        f"(built once in {t['cache_build_s']:.1f} s)"
    )
    print(f"throughput ratio (folder / memory): {f_ips / m_ips:.2f} (goal >= 0.8)")
    print(f"throughput ratio (decoded cache / memory): {c_ips / m_ips:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
