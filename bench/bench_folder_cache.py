"""Benchmark: training epochs on an image folder, streamed (JPEG decode every epoch) against
the decoded uint8 cache (``TrainConfig(cache_decoded=True)``, see
``explorer/core/data/decoded_cache.py``).

Trains a ``celeba64`` VAE on ``--images`` stand-in faces (``bench/make_faces.py``) for
``--epochs`` epochs, once without and once with the cache, and prints the training time of
each epoch (from the bundle history, validation excluded), the one-off time to build the
cache and the ratio of the last epochs' times (the first epoch also traces the model).
The cache lives in a temporary ``XDG_CACHE_HOME``, removed afterwards.

Usage: ``python bench/bench_folder_cache.py [--quick] [--images 2000] [--epochs 2]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))


def train_once(
    folder: Path, out: Path, n: int, epochs: int, batch: int, cache: bool
) -> list[float]:
    from explorer.core.training.training import TrainConfig, train

    config = TrainConfig(
        out=str(out),
        kind="vae",
        preset="celeba64",
        dataset=str(folder),
        max_images=n,
        epochs=epochs,
        batch_size=batch,
        kl_weight=5.0,
        cache_decoded=cache,
    )
    result = train(config)
    return [row["seconds"] for row in result.history]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="128 images, batch 32 (seconds)")
    parser.add_argument("--images", type=int, default=None, help="stand-in images (2000)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=None, help="batch size (128)")
    parser.add_argument("--data", default=None, help="an existing image folder to use instead")
    args = parser.parse_args(argv)
    n = args.images or (128 if args.quick else 2000)
    batch = args.batch or (32 if args.quick else 128)
    epochs = max(args.epochs, 1)

    import make_faces

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "xdg")
        if args.data:
            folder = Path(args.data)
        else:
            root = Path(tempfile.gettempdir()) / "latent-explorer-standin" / f"n{n}"
            folder = make_faces.make_faces(root, n, seed=0)
        from explorer.core.data.decoded_cache import decoded_dataset
        from explorer.core.data.sources import open_dataset

        print(
            f"celeba64 VAE on {folder} ({n} images, 10% validation), batch {batch}, {epochs} epochs"
        )
        plain = train_once(folder, Path(tmp) / "plain", n, epochs, batch, cache=False)
        start = time.perf_counter()
        decoded_dataset(open_dataset(str(folder), (64, 64, 3)))
        build_s = time.perf_counter() - start
        cached = train_once(folder, Path(tmp) / "cached", n, epochs, batch, cache=True)
    print(f"{'epoch':<8}{'streamed folder [s]':>22}{'decoded cache [s]':>20}")
    for i, (a, b) in enumerate(zip(plain, cached, strict=True)):
        print(f"{i + 1:<8}{a:>22.2f}{b:>20.2f}")
    print(f"cache built once in {build_s:.1f} s ({n / build_s:.0f} images/s)")
    steady = slice(1, None) if epochs > 1 else slice(None)
    a, b = statistics.median(plain[steady]), statistics.median(cached[steady])
    label = "epochs 2.." if epochs > 1 else "epoch 1"
    print(f"epoch time ratio (streamed / cached, {label}): {a / b:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
