"""Bring-your-own models: an encoder and a decoder file of any format, checked to fit together,
with their image layout (channels-last or channels-first) and value ranges.

How a model is loaded is one :class:`LoadOptions`: whether its code is trusted, the file of
custom classes it needs, and the input/output value ranges when the user overrides them. The
command line (``--trust-model-code``, ``--model-code``, ``--input-range``, ``--output-range``)
and the window build the same object.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from explorer.core.errors import InvalidParameter, ModelLoadError
from explorer.core.model.activations import RANGE_ACTIVATIONS
from explorer.core.model.latent_model import LatentModel
from explorer.core.model.model_files import load_net
from explorer.core.model.net import Net, Shape
from explorer.core.ranges import check_range

DEFAULT_RANGE = (0.0, 1.0)
ENCODER_OUTPUTS = {1: "z", 2: "mu_logvar", 3: "mu_logvar_z"}


@dataclass(frozen=True)
class LoadOptions:
    """How to load a model: trust (runs code in the file), a code file for custom classes,
    and value ranges that override what the files show (``None``: detect or default)."""

    trust: bool = False
    code: str | None = None
    input_range: tuple[float, float] | None = None
    output_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        for name in ("input_range", "output_range"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, check_range(value, name.replace("_", " ")))
        if self.code is not None and not self.trust:
            raise InvalidParameter("--model-code runs Python code: add --trust-model-code")


@dataclass
class PairShapes:
    """What an encoder/decoder pair is, read from the two files' signatures."""

    kind: str
    z_dim: int
    image_shape: tuple[int, int, int]  # channels-last
    channels_first: bool
    encoder_outputs: str


def check_pair(encoder: Net, decoder: Net) -> PairShapes:
    """Check that the encoder takes images and gives 1/2/3 flat vectors of one size, the decoder
    takes that z and makes images of the encoder's input shape."""
    enc_path, dec_path = encoder.path, decoder.path
    enc_in = encoder.input_shape
    if len(enc_in) != 3 or any(v is None for v in enc_in):
        raise ModelLoadError(
            f"{enc_path}: the encoder input must be an image batch (n, h, w, c) or (n, c, h, w) "
            f"of fixed size, got {_fmt(enc_in)}"
        )
    outs = encoder.output_shapes
    if len(outs) not in ENCODER_OUTPUTS:
        raise ModelLoadError(
            f"{enc_path}: the encoder has {len(outs)} outputs; expected 1 (AE), 2 or 3 (VAE)"
        )
    if any(len(o) != 1 or o[0] is None for o in outs) or len({o[0] for o in outs}) != 1:
        shown = ", ".join(_fmt(o) for o in outs)
        raise ModelLoadError(
            f"{enc_path}: encoder outputs must all be flat vectors of one size, got {shown}"
        )
    z_dim = _known(outs[0])[0]
    if decoder.input_shape != (z_dim,):
        raise ModelLoadError(
            f"{dec_path}: the decoder takes {_fmt(decoder.input_shape)} but the encoder "
            f"{enc_path.name} gives z of size {z_dim}"
        )
    if len(decoder.output_shapes) != 1:
        raise ModelLoadError(
            f"{dec_path}: expected one decoder output, found {len(decoder.output_shapes)}"
        )
    if tuple(decoder.output_shapes[0]) != tuple(enc_in):
        raise ModelLoadError(
            f"{dec_path}: the decoder makes images of {_fmt(decoder.output_shapes[0])}, but the "
            f"encoder {enc_path.name} takes {_fmt(enc_in)}"
        )
    first = is_channels_first(enc_in)
    sizes = _known(enc_in)
    image_shape = (sizes[1], sizes[2], sizes[0]) if first else sizes
    if image_shape[2] not in (1, 3):
        raise ModelLoadError(
            f"{enc_path}: images must have 1 or 3 channels, the encoder takes {_fmt(enc_in)}"
        )
    h, w, c = image_shape
    return PairShapes(
        kind="ae" if len(outs) == 1 else "vae",
        z_dim=z_dim,
        image_shape=(h, w, c),
        channels_first=first,
        encoder_outputs=ENCODER_OUTPUTS[len(outs)],
    )


def is_channels_first(shape: Shape) -> bool:
    """``(c, h, w)`` with c in 1 or 3, where the last axis cannot be a channel axis."""
    return len(shape) == 3 and shape[0] in (1, 3) and shape[2] not in (1, 3)


def resolve_ranges(
    activation: str | None, options: LoadOptions
) -> tuple[tuple[float, float], tuple[float, float], dict[str, str]]:
    """(input range, output range, how each was found).

    The output range comes from the decoder's last activation (sigmoid -> [0, 1],
    tanh -> [-1, 1]) or the default [0, 1]; the input range follows a detected output range
    (a model trained on [-1, 1] data takes and makes [-1, 1]) or the default. Options win.
    """
    detected = RANGE_ACTIVATIONS.get(activation or "")
    if options.output_range is not None:
        out, out_note = options.output_range, "given"
    elif detected is not None:
        out, out_note = detected, f"detected: the decoder ends in {activation}"
    else:
        out, out_note = DEFAULT_RANGE, "assumed: the decoder's last activation does not show it"
    if options.input_range is not None:
        inp, in_note = options.input_range, "given"
    elif detected is not None:
        inp, in_note = detected, "assumed: the same as the decoder's output range"
    else:
        inp, in_note = DEFAULT_RANGE, "assumed (the default)"
    return inp, out, {"input": in_note, "output": out_note}


def path_digest(path: Path) -> str:
    """sha256 of a file, or of a folder's files (names and contents, sorted)."""
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            h.update(str(f.relative_to(path)).encode() + b"\0")
        with open(f, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def load_pair(
    encoder_path: str | Path, decoder_path: str | Path, options: LoadOptions | None = None
) -> LatentModel:
    """Load an encoder and a decoder file (any format, independently) as one model."""
    options = options or LoadOptions()
    encoder_path, decoder_path = Path(encoder_path), Path(decoder_path)
    encoder = load_net(encoder_path, trust=options.trust, code=options.code)
    decoder = load_net(decoder_path, trust=options.trust, code=options.code)
    shapes = check_pair(encoder, decoder)
    inp, out, notes = resolve_ranges(decoder.activation, options)
    digest = hashlib.sha256(
        (path_digest(encoder_path) + path_digest(decoder_path)).encode()
    ).hexdigest()
    return LatentModel(
        kind=shapes.kind,
        encoder=encoder,
        decoder=decoder,
        z_dim=shapes.z_dim,
        input_shape=shapes.image_shape,
        name=f"{encoder_path.stem}+{decoder_path.stem}",
        source=f"{encoder_path.resolve()} + {decoder_path.resolve()}",
        encoder_outputs=shapes.encoder_outputs,
        fingerprint=digest[:16],
        channels_first=shapes.channels_first,
        input_range=inp,
        output_range=out,
        range_notes=notes,
        trusted=options.trust,
    )


def _known(shape: Shape) -> tuple[int, ...]:
    """The sizes of a shape already checked to have no unknown one."""
    return tuple(int(v) for v in shape if v is not None)


def _fmt(shape: Shape) -> str:
    """Like ``str(tuple)``, unknown sizes as ``?``: ``(5,)``, ``(28, 28, 1)``."""
    inner = ", ".join("?" if v is None else str(v) for v in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
