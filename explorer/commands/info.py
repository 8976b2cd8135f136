"""``latent-explorer info``: what a model bundle (or encoder/decoder pair) is."""

from __future__ import annotations

import argparse
import json

from explorer.commands.options import add_model_arguments


def add_parser(sub) -> None:
    p = sub.add_parser(
        "info", help="print kind, shapes, z_dim, data set, epochs and losses of a model"
    )
    add_model_arguments(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")


def summary(model) -> dict:
    meta = model.meta or {}
    return {
        "name": model.name,
        "source": model.source,
        "kind": model.kind.upper(),
        "input_shape": list(model.input_shape),
        "z_dim": model.z_dim,
        "encoder_outputs": model.encoder_outputs,
        "files": {
            "encoder": {"path": str(model.encoder.path), "format": model.encoder.format},
            "decoder": {"path": str(model.decoder.path), "format": model.decoder.format},
        },
        "layout": "channels_first" if model.channels_first else "channels_last",
        "input_range": list(model.input_range),
        "output_range": list(model.output_range),
        "range_notes": dict(model.range_notes),
        "decoder_activation": model.decoder.activation,
        "trusted_code": model.trusted,
        "load_notes": model.load_notes,
        "kl_weight": meta.get("kl_weight"),
        "dataset": (meta.get("dataset") or {}).get("name"),
        "epochs": (meta.get("training") or {}).get("epochs_done"),
        "final": meta.get("final"),
    }


def run(args: argparse.Namespace) -> int:
    from explorer.commands.common import load
    from explorer.core.ranges import format_range

    model = load(args)
    s = summary(model)
    if args.json:
        print(json.dumps(s, indent=2))
        return 0
    kl = (
        f" (kl_weight {s['kl_weight']:g})"
        if s["kl_weight"] is not None and s["kind"] == "VAE"
        else ""
    )
    rows = [
        ("model", f"{s['name']} ({s['source']})"),
        ("kind", s["kind"] + kl),
        ("input shape", "x".join(map(str, s["input_shape"]))),
        ("z_dim", s["z_dim"]),
        ("files", _files(s["files"])),
        (
            "layout",
            "channels-first (c, h, w): images are transposed on the way in and out"
            if model.channels_first
            else "channels-last (h, w, c)",
        ),
        ("input range", f"{format_range(model.input_range)} ({model.range_notes['input']})"),
        ("output range", f"{format_range(model.output_range)} ({model.range_notes['output']})"),
        ("data set", s["dataset"] or "-"),
        ("epochs", s["epochs"] if s["epochs"] is not None else "-"),
    ]
    for split, losses in (s["final"] or {}).items():
        if losses:
            rows.append((f"{split} loss", ", ".join(f"{k} {v:.3f}" for k, v in losses.items())))
    if model.trusted:
        rows.append(("code", "trusted: loaded with safe_mode=False (--trust-model-code)"))
    for label, value in rows:
        print(f"{label + ':':<17}{value}")
    return 0


def _files(files: dict) -> str:
    enc, dec = files["encoder"], files["decoder"]
    if enc["path"] == dec["path"]:
        return f"{enc['format']} ({enc['path']})"
    if enc["format"] == dec["format"]:
        return f"{enc['format']} (encoder and decoder)"
    return f"encoder {enc['format']}, decoder {dec['format']}"
