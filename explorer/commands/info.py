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
        "kl_weight": meta.get("kl_weight"),
        "dataset": (meta.get("dataset") or {}).get("name"),
        "epochs": (meta.get("training") or {}).get("epochs_done"),
        "final": meta.get("final"),
    }


def run(args: argparse.Namespace) -> int:
    from explorer.core.store import load_model

    model = load_model(args.model, args.encoder, args.decoder)
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
        ("data set", s["dataset"] or "-"),
        ("epochs", s["epochs"] if s["epochs"] is not None else "-"),
    ]
    for split, losses in (s["final"] or {}).items():
        if losses:
            rows.append((f"{split} loss", ", ".join(f"{k} {v:.3f}" for k, v in losses.items())))
    for label, value in rows:
        print(f"{label + ':':<17}{value}")
    return 0
