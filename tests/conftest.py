"""Shared fixtures: tiny trained bundles (trained once per session) and headless Qt."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import pytest  # noqa: E402

TINY = {
    "preset": "mnist",
    "filters": [8, 16, 16],
    "max_images": 256,
    "batch_size": 32,
    "dataset": "mnist-5k",
    "seed": 0,
}


def train_tiny(out, kind: str, epochs: int = 1, **overrides):
    """Train a small model on 256 mnist-5k images into ``out`` and return the result."""
    from explorer.core.model.training import TrainConfig, train

    options = {**TINY, "kind": kind, "epochs": epochs, "out": str(out), **overrides}
    return train(TrainConfig.from_options(**options))


@pytest.fixture(scope="session")
def tiny_bundles(tmp_path_factory):
    """``{"ae": path, "vae": path}``: one-epoch bundles shared by read-only tests."""
    root = tmp_path_factory.mktemp("bundles")
    return {kind: train_tiny(root / kind, kind).bundle for kind in ("ae", "vae")}
