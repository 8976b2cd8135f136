"""Where the bundled resources and shipped models are, in a checkout or an installed wheel."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[2]  # .../explorer (this is explorer/core/util)


def _find(name: str) -> Path:
    checkout = _PACKAGE.parent / name  # repository layout: explorer/ beside resources/, models/
    if checkout.is_dir():
        return checkout
    return _PACKAGE / name  # wheel layout: package data inside explorer/


def resources_dir() -> Path:
    return _find("resources")


def models_dir() -> Path:
    return _find("models")


def shipped_model(name: str) -> Path:
    """Path of a shipped model bundle, e.g. ``shipped_model("mnist_vae")``."""
    return models_dir() / name


def user_cache_dir(*parts: str) -> Path:
    """``$XDG_CACHE_HOME/latent-explorer/PARTS`` (default ``~/.cache/latent-explorer/PARTS``)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "latent-explorer", *parts)
