""":class:`LatentModel`: an encoder/decoder pair ready to explore, whatever files it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CACHE_DIR = "cache"


@dataclass
class LatentModel:
    """An encoder/decoder pair ready to explore (never the model being trained).

    ``encoder`` and ``decoder`` are :class:`~explorer.core.model.net.Net` objects (any file
    format). ``encoder_outputs`` says what the encoder returns: ``"z"`` (AE), ``"mu_logvar"``
    or ``"mu_logvar_z"`` (VAE). ``input_shape`` is always channels-last ``(h, w, c)``;
    ``channels_first`` models get transposed images. The encoder takes images in
    ``input_range``, the decoder makes them in ``output_range`` (``range_notes`` says how each
    was found).
    """

    kind: str
    encoder: Any
    decoder: Any
    z_dim: int
    input_shape: tuple[int, int, int]
    name: str
    source: str
    encoder_outputs: str
    eps_clip: float = 5.0
    meta: dict = field(default_factory=dict)
    fingerprint: str = ""
    bundle: Path | None = None
    channels_first: bool = False
    input_range: tuple[float, float] = (0.0, 1.0)
    output_range: tuple[float, float] = (0.0, 1.0)
    range_notes: dict[str, str] = field(default_factory=dict)
    trusted: bool = False

    @property
    def load_notes(self) -> list[str]:
        """What loading the files changed, one line each (a sampling Lambda left out)."""
        return [
            n for n in (getattr(self.encoder, "note", ""), getattr(self.decoder, "note", "")) if n
        ]

    @property
    def cache_dir(self) -> Path | None:
        return self.bundle / CACHE_DIR if self.bundle is not None else None
