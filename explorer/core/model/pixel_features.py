"""A fallback feature space for data sets without labels (no classifier can be trained).

:class:`PixelPCA` projects images onto the principal components of their raw pixels. Pixel
distances are not perceptual: a digit shifted by two pixels is far from itself, a blurry
average is near everything. Its features are therefore clearly weaker than a trained
classifier's (:mod:`explorer.core.model.classifier`) and only a stand-in for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from explorer.core.errors import InvalidParameter
from explorer.core.util.imaging import from_uint8

MAX_FIT_IMAGES = 10_000


def _flat(images: npt.ArrayLike) -> np.ndarray:
    x = np.asarray(images)
    if x.ndim < 2:
        raise InvalidParameter(f"images must be an array (n, h, w[, c]), got shape {x.shape}")
    x = x.reshape(len(x), -1)
    if x.dtype == np.uint8:
        return from_uint8(x)
    return np.clip(x.astype(np.float32), 0.0, 1.0)


@dataclass
class PixelPCA:
    """Principal components of the pixels (float in [0, 1], flattened), fitted on the real
    training images: ``PixelPCA.fit(images, n_components=64, seed=0).features(other)``.

    Clearly weaker than a classifier's features: pixels are not perceptual (a small shift or a
    blur moves an image far, or near, in this space). Use it only for unlabelled data sets.
    """

    mean: np.ndarray | None = None
    components: np.ndarray | None = None  # (k, d), unit rows, sign fixed

    @classmethod
    def fit(cls, real_images: npt.ArrayLike, n_components: int = 64, seed: int = 0) -> PixelPCA:
        """Fit on at most 10 000 of ``real_images`` (a seeded sample); deterministic."""
        x = _flat(real_images)
        if len(x) < 2:
            raise InvalidParameter("pixel PCA needs at least 2 images")
        if n_components < 1:
            raise InvalidParameter(f"n_components must be >= 1, got {n_components}")
        if len(x) > MAX_FIT_IMAGES:
            keep = np.sort(np.random.default_rng(seed).permutation(len(x))[:MAX_FIT_IMAGES])
            x = x[keep]
        mean = x.mean(axis=0)
        xc = (x - mean).astype(np.float64)
        k = min(int(n_components), xc.shape[0], xc.shape[1])
        if min(xc.shape) > 2000:  # large: a seeded randomized SVD
            from sklearn.utils.extmath import randomized_svd

            comps = randomized_svd(xc, k, n_iter=5, random_state=seed)[2]
        elif xc.shape[1] <= xc.shape[0]:  # covariance (d, d)
            vals, vecs = np.linalg.eigh(xc.T @ xc)
            comps = vecs[:, ::-1][:, :k].T
        else:  # Gram matrix (n, n): fewer images than pixels
            vals, vecs = np.linalg.eigh(xc @ xc.T)
            u = vecs[:, ::-1][:, :k]
            comps = (xc.T @ u).T
            comps /= np.maximum(np.linalg.norm(comps, axis=1, keepdims=True), 1e-12)
        signs = np.sign(comps[np.arange(k), np.abs(comps).argmax(axis=1)])
        comps *= np.where(signs == 0, 1.0, signs)[:, None]
        return cls(mean=mean.astype(np.float32), components=comps.astype(np.float32))

    @property
    def n_components(self) -> int:
        return 0 if self.components is None else int(self.components.shape[0])

    def features(self, images: npt.ArrayLike) -> np.ndarray:
        """(n, k) float32 coordinates of ``images`` (same shape as the fitted ones)."""
        if self.components is None or self.mean is None:
            raise InvalidParameter("PixelPCA is not fitted; use PixelPCA.fit(images)")
        x = _flat(images)
        if x.shape[1] != self.mean.shape[0]:
            raise InvalidParameter(
                f"images have {x.shape[1]} values each, the pixel PCA was fitted on {self.mean.shape[0]}"
            )
        return ((x - self.mean) @ self.components.T).astype(np.float32)
