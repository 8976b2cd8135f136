"""Print the README's table of the shipped models (or of any bundles given): validation losses,
how recognisable their reconstructions of the held-out digits are, and the measured quality of
their N(0, 1) decodes, all judged by ``models/mnist_classifier``.

Usage: ``python scripts/model_table.py [BUNDLE ...] [--n 2000]`` (default: every bundle in
``models/`` but the classifier). Used to choose the shipped VAE's settings (README, "Shipped
models").
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHIPPED = ("mnist_ae", "mnist_vae", "mnist_vae_tinykl", "mnist_ae_z2", "mnist_vae_z2")


def reconstruction_accuracy(model, judge, ds, held_out: np.ndarray) -> float:
    """Share of held-out images whose reconstruction the classifier gives their own label."""
    from explorer.core.latent.reconstruct import reconstruct

    rebuilt = reconstruct(model, ds.images[held_out]).pixels
    _, probabilities = judge(rebuilt)
    return float(np.mean(probabilities.argmax(axis=1) == ds.labels[held_out]))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("bundles", nargs="*", help="bundle folders (default: the shipped ones)")
    p.add_argument("--n", type=int, default=2000, help="N(0, 1) samples per model")
    args = p.parse_args(argv)

    from explorer.core.data.sources import open_dataset
    from explorer.core.model.store import load_model
    from explorer.core.stats.quality import make_judge, quality_report, real_set

    bundles = args.bundles or [str(ROOT / "models" / name) for name in SHIPPED]
    ds = open_dataset("mnist-5k", (28, 28, 1))
    judge = make_judge(ds)
    real = real_set(ds, judge, args.n)
    print(
        "| bundle | kind | z_dim | kl_weight | epochs | validation loss (total / reco / KL) | "
        "reconstructions recognised | N(0, 1) decodes: confident | class coverage | FD | "
        "precision / recall |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for path in bundles:
        model = load_model(path)
        meta = model.meta
        val = meta["final"]["validation"]
        report = quality_report(
            [(model, path, None)], ds, "normal", args.n, 0, judge=judge, real=real
        )
        m = report.models[0].metrics
        acc = reconstruction_accuracy(model, judge, ds, real.held_out_index)
        kl = "-" if meta["kind"] == "ae" else f"{meta['kl_weight']:g}"
        print(
            f"| `{Path(path).name}` | {meta['kind'].upper()} | {model.z_dim} | {kl} | "
            f"{meta['training']['epochs_done']} | {val['total_loss']:.2f} / "
            f"{val['reco_loss']:.2f} / {val['kl_loss']:.2f} | {acc:.1%} | "
            f"{m['confident']:.1%} | {m['class_coverage']:.2f} | {m['fd']:.1f} | "
            f"{m['precision']:.2f} / {m['recall']:.2f} |"
        )
    r = report.reference
    print(
        f"| held-out real digits | | | | | | | {r['confident']:.1%} | "
        f"{r['class_coverage']:.2f} | {r['fd']:.1f} | "
        f"{r['precision']:.2f} / {r['recall']:.2f} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
