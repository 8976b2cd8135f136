"""Model bundles (``model.keras`` + ``meta.json`` + ``cache/``) and bring-your-own
encoder/decoder pairs, loaded with ``safe_mode=True`` into one :class:`LatentModel` view.
"""

from __future__ import annotations

import hashlib
import json
import platform
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from explorer.core import atomic
from explorer.core.errors import ModelLoadError

MODEL_FILE = "model.keras"
META_FILE = "meta.json"
CACHE_DIR = "cache"


@dataclass
class LatentModel:
    """An encoder/decoder pair ready to explore (never the model being trained).

    ``encoder_outputs`` says what the encoder returns: ``"z"`` (AE), ``"mu_logvar"`` or
    ``"mu_logvar_z"`` (VAE).
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

    @property
    def cache_dir(self) -> Path | None:
        return self.bundle / CACHE_DIR if self.bundle is not None else None


def is_bundle(path: str | Path) -> bool:
    p = Path(path)
    return (p / META_FILE).is_file() and (p / MODEL_FILE).is_file()


def library_versions() -> dict[str, str]:
    import numpy

    from explorer import __version__
    from explorer.core.tf_setup import keras, tensorflow

    return {
        "latent_explorer": __version__,
        "python": platform.python_version(),
        "tensorflow": tensorflow().__version__,
        "keras": keras().__version__,
        "numpy": numpy.__version__,
    }


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def save_bundle(path: str | Path, model: Any, meta: dict[str, Any]) -> None:
    """Write ``model.keras`` then ``meta.json`` into ``path``, each atomically."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    atomic.write_with(path / MODEL_FILE, lambda tmp: model.save(tmp))
    atomic.write_json(path / META_FILE, meta)


def read_meta(path: str | Path) -> dict[str, Any]:
    meta_path = Path(path) / META_FILE
    try:
        return json.loads(meta_path.read_text())
    except FileNotFoundError as exc:
        raise ModelLoadError(f"{meta_path}: missing; {path} is not a model bundle") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{meta_path}: corrupt meta.json ({exc})") from exc


def load_keras_file(path: str | Path) -> Any:
    """``keras.models.load_model(path, safe_mode=True)``, failures turned into one clear line."""
    path = Path(path)
    if not path.exists():
        raise ModelLoadError(f"{path}: file not found")
    if path.is_dir():
        raise ModelLoadError(f"{path}: is a folder, expected a .keras file")
    if path.suffix != ".keras":
        raise ModelLoadError(f"{path}: not a .keras file (Keras 3 format expected)")
    if not zipfile.is_zipfile(path):
        raise ModelLoadError(f"{path}: corrupt or not a Keras model file (not a zip archive)")
    import explorer.core.nets  # noqa: F401 - registers our serialisable classes
    from explorer.core.tf_setup import keras

    try:
        return keras().models.load_model(path, safe_mode=True, compile=True)
    except Exception as exc:  # noqa: BLE001 - Keras raises many kinds; one message each
        text = str(exc)
        if "safe_mode" in text or "Lambda" in text or "lambda" in text:
            why = "it needs custom code (a Lambda layer), which safe_mode=True refuses to run"
        elif "Could not locate" in text or "Unknown" in text or "not found" in text:
            why = f"it needs custom code that is not available ({_first_line(text)})"
        else:
            why = f"Keras could not load it ({type(exc).__name__}: {_first_line(text)})"
        raise ModelLoadError(f"{path}: {why}") from exc


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:200]


def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_bundle(path: str | Path) -> LatentModel:
    """Load a bundle folder written by training."""
    path = Path(path)
    if not path.exists():
        raise ModelLoadError(f"{path}: no such model bundle")
    if not path.is_dir():
        raise ModelLoadError(
            f"{path}: a model bundle is a folder with {MODEL_FILE} and {META_FILE}"
        )
    meta = read_meta(path)
    model = load_keras_file(path / MODEL_FILE)
    if not hasattr(model, "encoder") or not hasattr(model, "decoder"):
        raise ModelLoadError(
            f"{path / MODEL_FILE}: not an Autoencoder/VariationalAutoencoder model"
        )
    kind = model.kind
    return LatentModel(
        kind=kind,
        encoder=model.encoder,
        decoder=model.decoder,
        z_dim=int(model.z_dim),
        input_shape=tuple(model.architecture.input_shape),
        name=path.resolve().name,
        source=str(path.resolve()),
        encoder_outputs="z" if kind == "ae" else "mu_logvar",
        eps_clip=float(getattr(model.model_config, "eps_clip", 5.0)),
        meta=meta,
        fingerprint=file_sha256(path / MODEL_FILE)[:16],
        bundle=path,
    )


def load_pair(encoder_path: str | Path, decoder_path: str | Path) -> LatentModel:
    """Load any Keras encoder/decoder pair and check that they fit together.

    One encoder output: AE; two: VAE (mu, logvar); three: VAE (mu, logvar, z). The decoder
    maps z to an image of the encoder's input shape, channels-last, in [0, 1].
    """
    encoder_path, decoder_path = Path(encoder_path), Path(decoder_path)
    encoder = load_keras_file(encoder_path)
    decoder = load_keras_file(decoder_path)
    enc_in = _single_shape(encoder.inputs, encoder_path, "input")
    if len(enc_in) != 4:
        raise ModelLoadError(
            f"{encoder_path}: the encoder input must be an image batch (n, h, w, c), got {enc_in}"
        )
    outs = [tuple(o.shape) for o in encoder.outputs]
    if len(outs) not in (1, 2, 3):
        raise ModelLoadError(
            f"{encoder_path}: the encoder has {len(outs)} outputs; expected 1 (AE), 2 or 3 (VAE)"
        )
    if any(len(o) != 2 for o in outs) or len({o[1] for o in outs}) != 1:
        raise ModelLoadError(
            f"{encoder_path}: encoder outputs must all be flat vectors of one size, got {outs}"
        )
    z_dim = int(outs[0][1])
    dec_in = _single_shape(decoder.inputs, decoder_path, "input")
    if len(dec_in) != 2 or dec_in[1] != z_dim:
        raise ModelLoadError(
            f"{decoder_path}: the decoder takes {dec_in[1:]} but the encoder {encoder_path.name} "
            f"gives z of size {z_dim}"
        )
    dec_out = _single_shape(decoder.outputs, decoder_path, "output")
    if tuple(dec_out[1:]) != tuple(enc_in[1:]):
        raise ModelLoadError(
            f"{decoder_path}: the decoder makes images of {dec_out[1:]}, but the encoder "
            f"{encoder_path.name} takes {enc_in[1:]}"
        )
    kind = "ae" if len(outs) == 1 else "vae"
    fp = hashlib.sha256(
        (file_sha256(encoder_path) + file_sha256(decoder_path)).encode()
    ).hexdigest()
    return LatentModel(
        kind=kind,
        encoder=encoder,
        decoder=decoder,
        z_dim=z_dim,
        input_shape=tuple(int(v) for v in enc_in[1:]),
        name=f"{encoder_path.stem}+{decoder_path.stem}",
        source=f"{encoder_path.resolve()} + {decoder_path.resolve()}",
        encoder_outputs={1: "z", 2: "mu_logvar", 3: "mu_logvar_z"}[len(outs)],
        fingerprint=fp[:16],
    )


def _single_shape(tensors, path: Path, what: str) -> tuple:
    if len(tensors) != 1:
        raise ModelLoadError(f"{path}: expected one {what}, found {len(tensors)}")
    shape = tuple(tensors[0].shape)
    if any(v is None for v in shape[1:]):
        raise ModelLoadError(f"{path}: the {what} shape {shape} must be fully defined")
    return shape


def load_model(
    spec: str | Path | None = None,
    encoder: str | Path | None = None,
    decoder: str | Path | None = None,
) -> LatentModel:
    """A bundle folder (``spec``) or an ``encoder``/``decoder`` pair of ``.keras`` files."""
    if encoder is not None or decoder is not None:
        if encoder is None or decoder is None:
            raise ModelLoadError("an encoder/decoder pair needs both --encoder and --decoder")
        return load_pair(encoder, decoder)
    if spec is None:
        raise ModelLoadError(
            "no model given: a bundle folder, or --encoder E.keras --decoder D.keras"
        )
    return load_bundle(spec)
