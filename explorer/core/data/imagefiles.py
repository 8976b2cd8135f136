"""Image folders (e.g. CelebA's ``img_align_celeba/``): discovery, attributes, single reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.core.data.dataset import Dataset
from explorer.core.errors import DatasetError
from explorer.core.util.image_files import IMAGE_SUFFIXES, is_image_file, read_image

CELEBA_ATTRIBUTES = "list_attr_celeba.txt"


def find_images(folder: Path) -> list[Path]:
    """The image files below ``folder`` (:data:`IMAGE_SUFFIXES`), recursively, in a stable
    (sorted) order."""
    return sorted(p for p in folder.rglob("*") if is_image_file(p))


def open_folder(folder: Path, image_shape: tuple[int, int, int]) -> Dataset:
    """A streamed data set of the images below ``folder``, centre-cropped to a square and
    resized to ``image_shape``. CelebA's attribute file, in the folder or its parent, gives
    40 binary labels. :class:`DatasetError` if no image is found or none can be read."""
    files = find_images(folder)
    if not files:
        kinds = ", ".join(sorted(s[1:].upper() for s in IMAGE_SUFFIXES))
        raise DatasetError(f"{folder}: no images found ({kinds}; searched recursively)")
    h, w, c = (int(v) for v in image_shape)
    ds = Dataset(folder.name, (h, w, c), files=files, source=str(folder))
    probe_readable(ds)
    for candidate in (folder / CELEBA_ATTRIBUTES, folder.parent / CELEBA_ATTRIBUTES):
        if candidate.exists():
            ds.labels, ds.label_names = read_celeba_attributes(candidate, files)
            break
    return ds


def probe_readable(ds: Dataset) -> None:
    """Read the folder's files in order until one decodes; :func:`none_readable` if none does."""
    for path in ds.files or []:
        try:
            read_image(path, ds.image_shape)
            return
        except DatasetError:
            continue
    raise none_readable(ds.source, len(ds.files or []))


def none_readable(folder: str | Path, tried: int) -> DatasetError:
    """The error for a folder in which no image can be read."""
    files = "file" if tried == 1 else "files"
    return DatasetError(f"{folder}: no image could be read ({tried} {files} tried)")


def read_celeba_attributes(path: Path, files: list[Path]) -> tuple[np.ndarray, list[str]]:
    """Parse ``list_attr_celeba.txt`` (count, names, then ``file.jpg -1 1 ...`` rows) into a
    (len(files), 40) uint8 0/1 array aligned with ``files`` (missing rows are 0)."""
    try:
        lines = path.read_text().splitlines()
        names = lines[1].split()
        table = {}
        for line in lines[2:]:
            parts = line.split()
            if len(parts) == len(names) + 1:
                table[parts[0]] = [1 if v == "1" else 0 for v in parts[1:]]
    except (OSError, IndexError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: not a CelebA attribute file ({exc})") from exc
    labels = np.zeros((len(files), len(names)), dtype=np.uint8)
    for i, f in enumerate(files):
        row = table.get(f.name)
        if row is not None:
            labels[i] = row
    return labels, names
