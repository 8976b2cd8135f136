"""tf.data pipelines: in-memory uint8 arrays and streamed image folders, as float32 batches.

Three sources:

* small in-memory arrays (<= ``STREAM_BYTES``) become one TensorFlow constant and are
  gathered per batch (the fastest path for MNIST-sized data);
* large arrays and memory-mapped ``.npy`` files (e.g. the decoded cache of
  :mod:`explorer.core.data.decoded_cache`) are read batch by batch in parallel; never copied whole
  into TensorFlow. A memory-mapped array backed by a whole ``.npy`` file is read with
  ``os.pread`` rather than through the mapping, so its pages stay in the OS page cache and
  do not accumulate in the process's resident memory;
* image folders are read, decoded, centre-cropped and resized in parallel.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from explorer.core.data.dataset import Dataset
from explorer.core.runtime.tf_setup import tensorflow

STREAM_BYTES = 256 * 2**20  # in-memory arrays above this are streamed, not made a constant


def make_tf_dataset(
    ds: Dataset,
    batch_size: int,
    indices: np.ndarray | None = None,
    shuffle: bool = False,
    seed: int = 0,
    with_index: bool = False,
) -> Any:  # a tf.data.Dataset
    """Batches of float32 images in [0, 1] (and int64 indices when ``with_index``).

    Folder images are read and decoded in parallel (``AUTOTUNE``) and prefetched, so the whole
    folder never sits in memory; files that fail to decode are skipped. Large or
    memory-mapped arrays are read one batch at a time (see :func:`streams`).
    """
    tf = tensorflow()
    idx = np.arange(len(ds)) if indices is None else np.asarray(indices, dtype=np.int64)
    index_ds = tf.data.Dataset.from_tensor_slices(idx.astype(np.int64))
    if shuffle:
        index_ds = index_ds.shuffle(len(idx), seed=seed, reshuffle_each_iteration=True)
    if ds.images is not None and streams(ds.images):
        data = _streamed_batches(tf, ds.images, index_ds.batch(batch_size))
        data = data.map(lambda x, i: (_to_float(tf, x), i))
    elif ds.images is not None:
        images_t = tf.constant(ds.images)

        def load(i: Any) -> tuple[Any, Any]:
            return tf.gather(images_t, i), i

        data = index_ds.batch(batch_size).map(load, num_parallel_calls=tf.data.AUTOTUNE)
        data = data.map(lambda x, i: (_to_float(tf, x), i))
    else:
        decode = _folder_decoder(tf, ds)

        def decode_float(i: Any) -> tuple[Any, Any]:
            img, i = decode(i)
            return tf.clip_by_value(img / 255.0, 0.0, 1.0), i

        data = index_ds.map(decode_float, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        data = data.ignore_errors().batch(batch_size)
    if not with_index:
        data = data.map(lambda x, i: x)
    return data.prefetch(tf.data.AUTOTUNE)


def streams(images: np.ndarray) -> bool:
    """True if ``images`` is read batch by batch (memory-mapped, or above ``STREAM_BYTES``)
    rather than copied into one TensorFlow constant."""
    return isinstance(images, np.memmap) or images.nbytes > STREAM_BYTES


def uint8_batches(ds: Dataset, batch_size: int = 256) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(images uint8 (b, h, w, c), indices)`` batches of a folder data set, decoded, cropped
    and resized exactly as for training, in parallel; unreadable files are skipped (their
    indices are absent)."""
    tf = tensorflow()
    decode = _folder_decoder(tf, ds)

    def to_uint8(i: Any) -> tuple[Any, Any]:
        img, i = decode(i)
        return tf.cast(tf.round(tf.clip_by_value(img, 0.0, 255.0)), tf.uint8), i

    index_ds = tf.data.Dataset.from_tensor_slices(np.arange(len(ds), dtype=np.int64))
    data = index_ds.map(to_uint8, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    data = data.ignore_errors().batch(batch_size).prefetch(tf.data.AUTOTUNE)
    for x, i in data:
        yield x.numpy(), i.numpy()


def _folder_decoder(tf: Any, ds: Dataset) -> Callable[[Any], tuple[Any, Any]]:
    """``i -> (float32 (h, w, c) in 0..255, i)``: read file ``i``, centre square, resize."""
    assert ds.files is not None, "a data set without images is read from its files"
    files = tf.constant([str(f) for f in ds.files])
    h, w, c = ds.image_shape

    def decode(i: Any) -> tuple[Any, Any]:
        raw = tf.io.read_file(tf.gather(files, i))
        img = tf.io.decode_image(raw, channels=c, expand_animations=False)
        shape = tf.shape(img)
        side = tf.minimum(shape[0], shape[1])
        top, left = (shape[0] - side) // 2, (shape[1] - side) // 2
        img = tf.image.crop_to_bounding_box(img, top, left, side, side)
        img = tf.image.resize(img, (h, w), antialias=True)
        return tf.ensure_shape(img, (h, w, c)), i

    return decode


def _streamed_batches(tf: Any, images: np.ndarray, index_batches: Any) -> Any:
    """Read each index batch of ``images`` in a worker thread (``tf.numpy_function``)."""
    read = _row_reader(images)
    row_shape = tuple(int(v) for v in images.shape[1:])
    dtype = tf.as_dtype(images.dtype)

    def load(i: Any) -> tuple[Any, Any]:
        x = tf.numpy_function(read, [i], dtype, stateful=False)
        return tf.ensure_shape(x, (None, *row_shape)), i

    return index_batches.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)


def _row_reader(images: np.ndarray) -> Callable[[Any], np.ndarray]:
    """A function ``indices -> rows`` for ``images``: ``os.pread`` from the ``.npy`` file
    behind a memory-mapped array when that is safe, else plain (fancy) indexing."""
    path = _backing_file(images)
    if path is None or not isinstance(images, np.memmap):  # (a path is a memmap's)
        return lambda i: np.ascontiguousarray(images[np.asarray(i)])
    row_bytes = int(np.prod(images.shape[1:])) * images.dtype.itemsize
    offset, dtype, row_shape = int(images.offset), images.dtype, images.shape[1:]
    fd = os.open(path, os.O_RDONLY)  # closed with ``read``; pread is thread-safe

    def read(i: Any) -> np.ndarray:
        i = np.asarray(i, dtype=np.int64)
        out = np.empty((len(i), *row_shape), dtype=dtype)
        buf = out.reshape(len(i), -1).view(np.uint8)
        if len(i) and np.all(np.diff(i) == 1):  # a contiguous run: one read
            _pread_into(fd, buf.reshape(-1), offset + int(i[0]) * row_bytes)
        else:
            for k, j in enumerate(i):
                _pread_into(fd, buf[k], offset + int(j) * row_bytes)
        return out

    weakref.finalize(read, os.close, fd)
    return read


def _pread_into(fd: int, view: np.ndarray, offset: int) -> None:
    done, total = 0, view.nbytes
    mv = view.data.cast("B")
    while done < total:
        n = os.preadv(fd, [mv[done:]], offset + done)
        if n <= 0:
            raise OSError(f"short read from the image cache at byte {offset + done}")
        done += n


def _backing_file(images: np.ndarray) -> str | None:
    """The file of a memory-mapped array that is a whole C-ordered ``.npy`` file (so its
    ``offset`` is the first row's byte); ``None`` for slices, views and in-memory arrays."""
    if not isinstance(images, np.memmap) or not hasattr(os, "preadv"):
        return None
    path = getattr(images, "filename", None)
    if not path or not images.flags.c_contiguous or images.ndim < 1:
        return None
    try:
        size = os.path.getsize(path)
    except OSError:
        return None
    return path if size == int(images.offset) + images.nbytes else None


def _to_float(tf: Any, x: Any) -> Any:
    if x.dtype == tf.uint8:
        return tf.cast(x, tf.float32) / 255.0
    return tf.cast(x, tf.float32)


class DeviceImages:
    """A training set held on the device as one tensor (see :func:`device_images`).

    ``tensor`` holds the images' bytes as int32 words when a row's size is a multiple of 4
    (``tf.gather`` of int32 runs on every GPU; of uint8 not everywhere), else as they are;
    :meth:`gather` returns float32 images in [0, 1] of the given positions, on the device.
    """

    def __init__(
        self, tensor: Any, image_shape: tuple[int, ...], dtype: npt.DTypeLike, nbytes: int
    ) -> None:
        self.tensor = tensor
        self.image_shape = tuple(int(v) for v in image_shape)
        self.dtype = np.dtype(dtype)  # the images' own dtype
        self.nbytes = int(nbytes)

    def gather(self, positions: Any) -> Any:
        tf = tensorflow()
        rows = tf.gather(self.tensor, positions)
        if self.tensor.dtype != tf.as_dtype(self.dtype):  # int32 words: back to bytes
            rows = tf.bitcast(rows, tf.uint8)
        x = tf.reshape(rows, (-1, *self.image_shape))
        return _to_float(tf, x)


def device_images(ds: Dataset, indices: np.ndarray, device: str | None = None) -> DeviceImages:
    """The images ``ds.images[indices]`` placed on ``device`` (default: TensorFlow's choice,
    the first GPU if any) once; position ``p`` is image ``indices[p]``."""
    tf = tensorflow()
    assert ds.images is not None, "only images held in memory are placed on a device"
    rows = np.ascontiguousarray(ds.images[np.asarray(indices, dtype=np.int64)])
    shape, dtype, nbytes = rows.shape[1:], rows.dtype, rows.nbytes
    row_bytes = int(np.prod(shape)) * rows.dtype.itemsize
    if rows.dtype == np.uint8 and row_bytes % 4 == 0:
        rows = rows.reshape(len(rows), -1).view(np.int32)
    if device is None:
        gpus = tf.config.list_logical_devices("GPU")
        device = gpus[0].name if gpus else "/CPU:0"
    with tf.device(device):
        tensor = tf.identity(tf.constant(rows))
    return DeviceImages(tensor, shape, dtype, nbytes)


def position_batches(n: int, batch_size: int, shuffle: bool = False, seed: int = 0) -> Any:
    """Batches of positions ``0..n-1`` (int64), shuffled like :func:`make_tf_dataset`
    shuffles its indices (same seed, same order), for a :class:`DeviceImages` training set."""
    tf = tensorflow()
    data = tf.data.Dataset.from_tensor_slices(np.arange(n, dtype=np.int64))
    if shuffle:
        data = data.shuffle(n, seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)
