"""Benchmark: reading an image folder for training, the package's decoder (Pillow through
``tf.data``, :mod:`explorer.core.util.image_files`: EXIF orientation, CMYK, 16-bit, alpha,
GIF) against TensorFlow's own ``tf.io.decode_image`` pipeline (the decoder before it, which
skipped CMYK JPEGs and ignored EXIF orientation), on the stand-in faces
(``bench/make_faces.py``: 178x218 JPEGs) resized to 64x64.

Prints images per second of each (median of ``--repeats`` passes over the folder, after one
warm-up pass) and their ratio, in one run. Usage:
``python bench/bench_folder_decode.py [--quick] [--images 4000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

SHAPE = (64, 64, 3)


def tf_decode_batches(ds, batch_size: int):
    """The reference: TensorFlow's decoder, centre square and antialiased resize."""
    import numpy as np

    from explorer.core.runtime.tf_setup import tensorflow

    tf = tensorflow()
    files = tf.constant([str(f) for f in ds.files])
    h, w, c = SHAPE

    def decode(i):
        img = tf.io.decode_image(tf.io.read_file(tf.gather(files, i)), channels=c,
                                 expand_animations=False)  # fmt: skip
        shape = tf.shape(img)
        side = tf.minimum(shape[0], shape[1])
        img = tf.image.crop_to_bounding_box(
            img, (shape[0] - side) // 2, (shape[1] - side) // 2, side, side
        )
        img = tf.image.resize(img, (h, w), antialias=True)
        return tf.cast(tf.round(tf.clip_by_value(img, 0.0, 255.0)), tf.uint8), i

    index = tf.data.Dataset.from_tensor_slices(np.arange(len(ds), dtype=np.int64))
    data = index.map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    for x, i in data.ignore_errors().batch(batch_size).prefetch(tf.data.AUTOTUNE):
        yield x.numpy(), i.numpy()


def images_per_second(read, ds, repeats: int) -> float:
    for _ in read(ds, 256):  # warm-up: file cache, tf.data threads
        pass
    rates = []
    for _ in range(repeats):
        start, n = time.perf_counter(), 0
        for x, _i in read(ds, 256):
            n += len(x)
        rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 images, 1 repeat (seconds)")
    parser.add_argument("--images", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    n, repeats = (300, 1) if args.quick else (args.images, args.repeats)

    from make_faces import make_faces

    from explorer.core.data.pipeline import uint8_batches
    from explorer.core.data.sources import open_dataset

    with tempfile.TemporaryDirectory() as tmp:
        folder = make_faces(Path(tmp) / "faces", n=n)
        ds = open_dataset(str(folder), SHAPE)
        ours = images_per_second(uint8_batches, ds, repeats)
        theirs = images_per_second(tf_decode_batches, ds, repeats)
    print(f"{n} JPEGs 178x218 -> 64x64, median of {repeats}:")
    print(f"  package decoder (Pillow in tf.data) {ours:9.0f} images/s")
    print(f"  tf.io.decode_image pipeline         {theirs:9.0f} images/s")
    print(f"  ratio package / tf                  {ours / theirs:9.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
