"""What a training works on (a :class:`Run`): the model, the data and its split, and the
bundle's meta.json, made for a new training or read back for a resume."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.core.data.builtin import BUILTIN
from explorer.core.data.dataset import Dataset, split_indices
from explorer.core.data.sources import open_dataset
from explorer.core.model import store
from explorer.core.model.config import ModelConfig
from explorer.core.training.train_options import TrainConfig
from explorer.core.util.clock import now_iso


@dataclass
class Run:
    """What a training works on: the model, the data, and the bundle's meta (new or resumed)."""

    model: Any  # the keras.Model (an Autoencoder or VariationalAutoencoder)
    ds: Dataset
    train_idx: np.ndarray
    val_idx: np.ndarray
    meta: dict[str, Any]
    history: list[dict[str, float]]
    epochs_done: int
    batch_size: int


def training_indices(
    n: int, max_images: int | None, validation_split: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """The (train, validation) image indices of a training: a seeded subset of
    ``max_images`` images (all when ``None``), split by a seeded permutation."""
    if max_images is None or max_images >= n:
        subset = np.arange(n)
    else:
        subset = np.sort(np.random.default_rng(seed + 1).permutation(n)[:max_images])
    tr, va = split_indices(len(subset), validation_split, seed)
    return subset[tr], subset[va]


def new_run(config: TrainConfig, scope: Any, k: Any, out: Path) -> Run:
    """Open the data, build and compile the model (``k``: keras) and start the bundle's meta."""
    from explorer.core.model.nets import build_model

    mcfg = config.model_config()
    ds = open_dataset(config.dataset, mcfg.architecture.input_shape, data_range=config.data_range)
    train_idx, val_idx = training_indices(
        len(ds), config.max_images, config.validation_split, config.seed
    )
    k.utils.set_random_seed(config.seed)
    with scope:
        model = build_model(mcfg)
        model.compile(optimizer=k.optimizers.Adam(config.learning_rate))  # train() recompiles
    meta = initial_meta(config, mcfg, ds, train_idx, val_idx)
    out.mkdir(parents=True, exist_ok=True)
    return Run(model, ds, train_idx, val_idx, meta, [], 0, config.batch_size)


def resumed_run(config: TrainConfig, scope: Any, k: Any) -> Run:
    """Load the bundle's model (optimizer state included) and its data split as recorded."""
    out = Path(config.out)
    meta = store.read_meta(out)
    with scope:
        model = store.load_keras_file(out / store.MODEL_FILE)
    data = meta["dataset"]
    ds = open_dataset(
        data["name"] if data["name"] in BUILTIN else data["source"],
        tuple(meta["input_shape"]),
        data_range=config.data_range or data.get("data_range"),
    )
    data["data_range"] = recorded_range(ds)
    train_idx, val_idx = training_indices(
        len(ds), data.get("max_images"), data["validation_split"], data["seed"]
    )
    epochs_done = int(meta["training"]["epochs_done"])
    k.utils.set_random_seed(int(meta["training"]["seed"]) + epochs_done)
    history = list(meta.get("history", []))
    batch_size = int(meta["training"]["batch_size"])
    return Run(model, ds, train_idx, val_idx, meta, history, epochs_done, batch_size)


def restore_progress(run: Run, epoch: int, out: Path) -> None:
    """An interrupted multi-worker training goes on from ``epoch`` (Keras' ``BackupAndRestore``
    loads the weights when ``fit`` begins): the history rows of the epochs before it, from
    the checkpoint this process wrote, and the seeds of a resume at that epoch."""
    from explorer.core.runtime.tf_setup import keras

    old = store.read_meta(out) if store.is_bundle(out) else {}
    run.history = [row for row in old.get("history", []) if int(row["epoch"]) <= epoch]
    run.meta["history"] = run.history
    run.meta["created"] = old.get("created", run.meta["created"])
    run.epochs_done = epoch
    run.meta["training"]["epochs_done"] = epoch
    keras().utils.set_random_seed(int(run.meta["training"]["seed"]) + epoch)


def recorded_range(ds: Dataset) -> list[float] | None:
    """The (LO, HI) a float array data set was mapped from, for meta.json (``None``: 8-bit)."""
    return [float(v) for v in ds.value_range] if ds.value_range is not None else None


def initial_meta(
    config: TrainConfig, mcfg: ModelConfig, ds: Dataset, train_idx: np.ndarray, val_idx: np.ndarray
) -> dict[str, Any]:
    """The new bundle's meta.json: the model's configuration, the options recorded by their
    declaration (``record``), the data split; history and final losses come per epoch."""
    arch = mcfg.architecture
    now = now_iso()
    return {
        "format": 1,
        "kind": mcfg.kind,
        "architecture": arch.to_dict(),
        "input_shape": list(arch.input_shape),
        "z_dim": arch.z_dim,
        "kl_weight": mcfg.kl_weight,
        "eps_clip": mcfg.eps_clip,
        "reconstruction": mcfg.reconstruction,
        **config.recorded(""),
        "dataset": {
            "name": ds.name,
            "source": ds.source,
            "data_range": recorded_range(ds),
            "n_images": len(ds),
            **config.recorded("dataset"),
            "n_train": int(len(train_idx)),
            "n_val": int(len(val_idx)),
        },
        "training": {"epochs_done": 0, **config.recorded("training"), "optimizer": "adam"},
        "history": [],
        "final": {},
        "versions": store.library_versions(),
        "created": now,
        "updated": now,
    }
