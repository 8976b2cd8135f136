"""tf.data pipelines: in-memory uint8 arrays and streamed image folders, as float32 batches."""

from __future__ import annotations

import numpy as np

from explorer.core.datasets import Dataset
from explorer.core.tf_setup import tensorflow


def make_tf_dataset(
    ds: Dataset,
    batch_size: int,
    indices: np.ndarray | None = None,
    shuffle: bool = False,
    seed: int = 0,
    with_index: bool = False,
):
    """Batches of float32 images in [0, 1] (and int64 indices when ``with_index``).

    Folder images are read and decoded in parallel (``AUTOTUNE``) and prefetched, so the whole
    folder never sits in memory; files that fail to decode are skipped.
    """
    tf = tensorflow()
    idx = np.arange(len(ds)) if indices is None else np.asarray(indices, dtype=np.int64)
    index_ds = tf.data.Dataset.from_tensor_slices(idx.astype(np.int64))
    if shuffle:
        index_ds = index_ds.shuffle(len(idx), seed=seed, reshuffle_each_iteration=True)
    if ds.images is not None:
        images = ds.images

        def load(i):
            x = tf.gather(images_t, i)
            return x, i

        images_t = tf.constant(images)
        data = index_ds.batch(batch_size).map(load, num_parallel_calls=tf.data.AUTOTUNE)
        data = data.map(lambda x, i: (_to_float(tf, x), i))
    else:
        files = tf.constant([str(f) for f in ds.files])
        h, w, c = ds.image_shape

        def decode(i):
            raw = tf.io.read_file(tf.gather(files, i))
            img = tf.io.decode_image(raw, channels=c, expand_animations=False)
            shape = tf.shape(img)
            side = tf.minimum(shape[0], shape[1])
            top, left = (shape[0] - side) // 2, (shape[1] - side) // 2
            img = tf.image.crop_to_bounding_box(img, top, left, side, side)
            img = tf.image.resize(img, (h, w), antialias=True) / 255.0
            return tf.clip_by_value(tf.ensure_shape(img, (h, w, c)), 0.0, 1.0), i

        data = index_ds.map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        data = data.ignore_errors().batch(batch_size)
    if not with_index:
        data = data.map(lambda x, i: x)
    return data.prefetch(tf.data.AUTOTUNE)


def _to_float(tf, x):
    if x.dtype == tf.uint8:
        return tf.cast(x, tf.float32) / 255.0
    return tf.cast(x, tf.float32)
