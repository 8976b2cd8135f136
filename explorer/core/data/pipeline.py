"""tf.data pipelines: in-memory uint8 arrays and streamed image folders, as float32 batches.

Three sources:

* small in-memory arrays (<= ``STREAM_BYTES``) become one TensorFlow constant and are
  gathered per batch (the fastest path for MNIST-sized data);
* large arrays and memory-mapped ``.npy`` files (e.g. the decoded cache of
  :mod:`explorer.core.data.decoded_cache`) are read batch by batch in parallel; never copied whole
  into TensorFlow. A memory-mapped array backed by a whole ``.npy`` file is read with
  ``os.pread`` rather than through the mapping, so its pages stay in the OS page cache and
  do not accumulate in the process's resident memory;
* image folders are read, decoded, centre-cropped and resized in parallel, by Pillow
  (:mod:`explorer.core.util.image_files`: CMYK, palette, 16-bit, alpha, GIF, EXIF
  orientation); a file that cannot be read is left out and recorded with its reason.
"""

from __future__ import annotations

import functools
import os
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import numpy.typing as npt

from explorer.core.data.dataset import Dataset
from explorer.core.errors import DatasetError
from explorer.core.runtime.tf_setup import tensorflow
from explorer.core.util.image_files import read_image

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
        data = _decoded_files(tf, ds, index_ds).batch(batch_size)
        data = data.map(lambda x, i: (_to_float(tf, x), i))
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
    index_ds = tf.data.Dataset.from_tensor_slices(np.arange(len(ds), dtype=np.int64))
    data = _decoded_files(tf, ds, index_ds).batch(batch_size).prefetch(tf.data.AUTOTUNE)
    for x, i in data:
        yield x.numpy(), i.numpy()


UNREADABLE = "unreadable"  # ds.extra[UNREADABLE]: {file index: why it could not be read}


READ_CHUNK = 32  # files read per call into Python, by a pool of threads


def _decoded_files(tf: Any, ds: Dataset, index_ds: Any) -> Any:
    """``(uint8 (h, w, c), index)`` of each file ``index_ds`` names, read by
    :func:`~explorer.core.util.image_files.read_image` (Pillow) in chunks of
    :data:`READ_CHUNK`, each chunk on a pool of threads (Pillow releases the GIL while it
    decodes and resizes) and two chunks at a time; a file that cannot be read is left out
    and recorded with its reason in ``ds.extra[UNREADABLE]``."""
    assert ds.files is not None, "a data set without images is read from its files"
    h, w, c = (int(v) for v in ds.image_shape)
    files, shape = [str(f) for f in ds.files], (h, w, c)
    unreadable: dict[int, str] = ds.extra.setdefault(UNREADABLE, {})

    def read_one(i: int) -> tuple[np.ndarray, bool]:
        try:
            return read_image(files[i], shape), True
        except DatasetError as exc:
            unreadable[i] = str(exc)
            return np.zeros(shape, np.uint8), False

    def read(chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        results = list(_reader_pool().map(read_one, [int(i) for i in chunk]))
        images = np.stack([img for img, _ in results]) if results else np.zeros((0, *shape))
        return images.astype(np.uint8, copy=False), np.array([ok for _, ok in results])

    def decode(chunk: Any) -> tuple[Any, Any, Any]:
        images, ok = tf.numpy_function(read, [chunk], (tf.uint8, tf.bool), stateful=False)
        return tf.ensure_shape(images, (None, *shape)), chunk, tf.ensure_shape(ok, (None,))

    def was_read(img: Any, i: Any, ok: Any) -> Any:
        return ok

    def image_and_index(img: Any, i: Any, ok: Any) -> tuple[Any, Any]:
        return img, i

    chunks = index_ds.batch(READ_CHUNK).map(decode, num_parallel_calls=2, deterministic=True)
    return chunks.unbatch().filter(was_read).map(image_and_index)


@functools.cache
def _reader_pool() -> ThreadPoolExecutor:
    """The threads that read image files (one per core), made on first use."""
    return ThreadPoolExecutor(os.cpu_count() or 2, thread_name_prefix="image-reader")


def unreadable_summary(ds: Dataset) -> str:
    """``2 unreadable files skipped (first: a.jpg: unreadable image (...))``, or empty."""
    unreadable = ds.extra.get(UNREADABLE) or {}
    if not unreadable:
        return ""
    files = "file" if len(unreadable) == 1 else "files"
    return f"{len(unreadable)} unreadable {files} skipped (first: {unreadable[min(unreadable)]})"


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
