"""Model bundles (``model.keras`` + ``meta.json`` + ``cache/``) and bring-your-own
encoder/decoder pairs, loaded with ``safe_mode=True`` into one :class:`LatentModel` view.
"""

from __future__ import annotations

import platform
from pathlib import Path
from typing import Any

from explorer.core.errors import ModelLoadError
from explorer.core.model.checkpoint import (
    META_FILE,
    MODEL_FILE,
    file_sha256,
    read_meta_file,
    reconcile,
    write_checkpoint,
)
from explorer.core.model.latent_model import LatentModel
from explorer.core.model.pair import LoadOptions

__all__ = ["LatentModel", "LoadOptions"]  # re-exported: callers import them from here


def is_bundle(path: str | Path) -> bool:
    """Whether ``path`` holds a model and its meta (after finishing an interrupted checkpoint)."""
    p = Path(path)
    return reconcile(p).is_file() and (p / MODEL_FILE).is_file()


def library_versions() -> dict[str, str]:
    import numpy

    from explorer import __version__
    from explorer.core.runtime.tf_setup import keras, tensorflow

    return {
        "latent_explorer": __version__,
        "python": platform.python_version(),
        "tensorflow": tensorflow().__version__,
        "keras": keras().__version__,
        "numpy": numpy.__version__,
    }


def save_bundle(path: str | Path, model: Any, meta: dict[str, Any]) -> None:
    """Write ``model.keras`` and ``meta.json`` into ``path`` as one checkpoint: whenever a
    crash hits, they agree (see :mod:`explorer.core.model.checkpoint`)."""
    write_checkpoint(path, model, meta)


def read_meta(path: str | Path) -> dict[str, Any]:
    """The bundle's meta, after finishing or undoing an interrupted checkpoint."""
    meta_path = reconcile(path)
    return checked_meta(read_meta_file(meta_path, "a model bundle"), meta_path)


META_TYPES: dict[str, tuple[type, ...]] = {
    "format": (int,),
    "kind": (str,),
    "architecture": (dict,),
    "input_shape": (list,),
    "z_dim": (int,),
    "kl_weight": (int, float),
    "eps_clip": (int, float),
    "reconstruction": (str,),
    "preset": (str,),
    "dataset": (dict,),
    "training": (dict,),
    "history": (list,),
    "final": (dict,),
    "versions": (dict,),
    "model_sha256": (str,),
}
"""The type of each field a bundle's ``meta.json`` may hold (others are kept as they are)."""
_TYPE_NAMES = {
    int: "a whole number",
    float: "a number",
    str: "text",
    dict: "an object",
    list: "a list",
}


def checked_meta(meta: Any, meta_path: Path) -> dict[str, Any]:
    """``meta`` when it is an object whose known fields have their types; else one line
    (a list, ``null``, ``"z_dim": "16"``)."""
    if not isinstance(meta, dict):
        raise ModelLoadError(
            f"{meta_path}: corrupt meta.json (an object expected, got {_json_kind(meta)})"
        )
    for key, types in META_TYPES.items():
        value = meta.get(key)
        if key in meta and (isinstance(value, bool) or not isinstance(value, types)):
            wanted = "a number" if float in types else _TYPE_NAMES[types[0]]
            raise ModelLoadError(
                f"{meta_path}: corrupt meta.json ('{key}' must be {wanted}, "
                f"got {_json_kind(value)})"
            )
    return meta


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    kinds: dict[type, str] = {dict: "an object", list: "a list", str: "text"}
    return kinds.get(type(value), f"{value!r}")


def load_keras_file(path: str | Path, trust: bool = False) -> Any:
    """A model bundle's ``model.keras`` (optimizer included), with ``safe_mode=True`` unless
    ``trust``; failures are one clear line."""
    from explorer.core.model.keras_files import load_keras_model

    path = Path(path)
    if not path.exists():
        raise ModelLoadError(f"{path}: file not found")
    if path.is_dir() or path.suffix != ".keras":
        raise ModelLoadError(f"{path}: not a .keras file (Keras 3 format expected)")
    return load_keras_model(path, trust=trust, compile=True)


def load_bundle(path: str | Path, options: LoadOptions | None = None) -> LatentModel:
    """Load a bundle folder written by training."""
    options = options or LoadOptions()
    path = Path(path)
    if not path.exists():
        raise ModelLoadError(f"{path}: no such model bundle")
    if not path.is_dir():
        raise ModelLoadError(
            f"{path}: a model bundle is a folder with {MODEL_FILE} and {META_FILE}"
        )
    model_file = path / MODEL_FILE
    for _ in range(3):  # a checkpoint written meanwhile (training beside us): read again
        meta = read_meta(path)
        model = load_keras_file(model_file, trust=options.trust)
        digest = file_sha256(model_file)
        if meta.get("model_sha256", digest) == digest:
            break
    if not hasattr(model, "encoder") or not hasattr(model, "decoder"):
        raise ModelLoadError(f"{model_file}: not an Autoencoder/VariationalAutoencoder model")
    latent = wrap_trained(model, path.resolve().name, str(path.resolve()), options, model_file)
    latent.meta, latent.bundle = meta, path
    latent.fingerprint = digest[:16]
    return latent


def wrap_trained(
    model: Any,
    name: str,
    source: str,
    options: LoadOptions | None = None,
    path: Path | None = None,
) -> LatentModel:
    """One of our Autoencoder/VariationalAutoencoder models (loaded or in memory) as a
    :class:`LatentModel`."""
    from explorer.core.model.keras_files import keras_net
    from explorer.core.model.pair import resolve_ranges

    options = options or LoadOptions()
    path = path or Path(name)
    decoder = keras_net(model.decoder, path)
    inp, out, notes = resolve_ranges(decoder.activation, options)
    return LatentModel(
        kind=model.kind,
        encoder=keras_net(model.encoder, path),
        decoder=decoder,
        z_dim=int(model.z_dim),
        input_shape=tuple(model.architecture.input_shape),
        name=name,
        source=source,
        encoder_outputs="z" if model.kind == "ae" else "mu_logvar",
        eps_clip=float(getattr(model.model_config, "eps_clip", 5.0)),
        fingerprint=name,
        input_range=inp,
        output_range=out,
        range_notes=notes,
        trusted=options.trust,
    )


def load_model(
    spec: str | Path | None = None,
    encoder: str | Path | None = None,
    decoder: str | Path | None = None,
    options: LoadOptions | None = None,
) -> LatentModel:
    """A bundle folder (``spec``) or an ``encoder``/``decoder`` pair of model files
    (``.keras``, ``.h5``, SavedModel folder or ``.onnx``, independently)."""
    from explorer.core.model.pair import load_pair

    if encoder is not None or decoder is not None:
        if encoder is None or decoder is None:
            raise ModelLoadError("an encoder/decoder pair needs both --encoder and --decoder")
        return load_pair(encoder, decoder, options)
    if spec is None:
        raise ModelLoadError("no model given: a bundle folder, or --encoder E --decoder D")
    return load_bundle(spec, options)
