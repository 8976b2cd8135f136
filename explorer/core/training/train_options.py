"""The options of a training, each declared once.

Every option is a field of :class:`TrainConfig` made with
:func:`~explorer.core.params.param_field`; its metadata, a :class:`~explorer.core.params.Param`
(the declaration samplers and map methods use too), gives everything else about it:

- the ``latent-explorer train`` flag, its type, choices and help (the one flag generator,
  :func:`explorer.commands.options.add_flag`);
- its check, in :meth:`TrainConfig.validate`, which the command line and the window both call;
- the window's widget: kind, objectName, label, range, tooltip (the one widget factory,
  :func:`explorer.gui.widgets.param_fields.make_widget`);
- where ``meta.json`` records the value (``record``).

Adding an option is adding one field here. ``out``, ``resume`` and ``overwrite`` are plain
fields: where the bundle goes, not how to train it (the command line and the form place them
by hand). Nothing here imports TensorFlow or Qt: ``train --help`` and the form read it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.core.data.builtin import BUILTIN, DEFAULT_DATASET
from explorer.core.errors import BundleThere, InvalidParameter
from explorer.core.model.config import (
    ACTIVATIONS,
    KINDS,
    PRESETS,
    RECONSTRUCTION_LOSSES,
    Architecture,
    ModelConfig,
    preset,
)
from explorer.core.params import Param, declared, param_field
from explorer.core.runtime import cluster as clusters
from explorer.core.runtime.cluster import STRATEGIES
from explorer.core.util import atomic
from explorer.core.util.writer_lock import LOCK_NAME, ensure_free

ARRAY_SUFFIXES = (".npz", ".npy")
WORKER_BACKUP = "worker-backup"  # a multi-worker training's backup folder, inside its bundle


def _per_layer(help: str, label: str, widget: str, placeholder: str, kind: str = "ints") -> Any:
    """An architecture option with one value per layer (one value for all is accepted)."""
    return param_field(
        None, kind=kind, architecture=True, per_layer=True, help=help,
        label=label, widget=widget, section="model", placeholder=placeholder,
    )  # fmt: skip


def _kept_setting(kind: str, label: str, widget: str, **spec: Any) -> Any:
    """A setting of how a training runs (accelerator, TensorBoard): ``None`` when not given,
    so a new training uses the default and a resume keeps what the bundle recorded."""
    return param_field(
        None, kind=kind, on_resume=True, keep=True, record=("training",), label=label,
        widget=widget, **spec,
    )  # fmt: skip


def _one_of(names: Iterable[str]) -> str:
    names = list(names)
    return f"{', '.join(names[:-1])} or {names[-1]}"


@dataclass
class TrainConfig:
    """Options of ``latent-explorer train`` (architecture options override the preset).

    In the order of the window's form; the command line lists the architecture options last,
    in a group of their own.
    """

    out: str = ""
    resume: bool = False
    overwrite: bool = False
    kind: str = param_field(
        "vae", kind="choice", choices=KINDS, labels=(("vae", "VAE"), ("ae", "AE")),
        label="kind", widget="trainKind", section="model",
    )  # fmt: skip
    preset: str = param_field(
        "mnist", kind="choice", choices=tuple(PRESETS), strict=False, record=("",),
        help=f"{_one_of(PRESETS)} (default mnist)",
        label="preset", widget="trainPreset", section="model",
    )  # fmt: skip
    filters: list[int] | None = param_field(
        None, kind="ints", architecture=True, help="Conv2D filters per layer, e.g. 32,64,128",
        label="filters", widget="trainFilters", section="model", placeholder="32,64,128",
    )  # fmt: skip
    kernel_sizes: list[int] | None = _per_layer(
        "kernel size per layer (or one value)", "kernel sizes", "trainKernels", "3"
    )
    strides: list[int] | None = _per_layer(
        "stride per layer (or one value)", "strides", "trainStrides", "1,2,2"
    )
    padding: list[str] | None = _per_layer(
        "padding per layer (same)", "padding", "trainPadding", "same", kind="strs"
    )
    activation: str | None = param_field(
        None, kind="choice", choices=ACTIVATIONS, architecture=True,
        label="activation", widget="trainActivation", section="model",
    )  # fmt: skip
    batch_norm: bool | None = param_field(
        None, kind="bool", architecture=True,
        label="BatchNorm", widget="trainBatchNorm", section="model",
    )  # fmt: skip
    dropout: float | None = param_field(
        None, kind="float", architecture=True,
        label="dropout", widget="trainDropout", section="model", spin=(0.0, 0.95), step=0.05,
    )  # fmt: skip
    dense_units: int | None = param_field(
        None, kind="int", architecture=True, help="extra Dense layer before the latent head(s)",
        label="extra Dense", widget="trainDense", section="model", spin=(0, 8192), step=64,
        special="none",
    )  # fmt: skip
    z_dim: int | None = param_field(
        None, kind="int", architecture=True,
        label="z_dim", widget="trainZDim", section="model", spin=(1, 4096),
    )  # fmt: skip
    kl_weight: float = param_field(
        1.0, kind="float", help="weight of the KL loss (VAE)", vae_only=True,
        label="KL weight", widget="trainKlWeight", section="model", spin=(0.0, 1e4), step=0.1,
        decimals=4,
    )  # fmt: skip
    eps_clip: float = param_field(
        5.0, kind="float", help="clip |eps| of the VAE sampling (default 5)", vae_only=True,
        label="eps clip", widget="trainEpsClip", section="model", spin=(0.0, 100.0),
    )  # fmt: skip
    reconstruction: str = param_field(
        "bce", kind="choice", choices=RECONSTRUCTION_LOSSES,
        labels=(("bce", "binary cross-entropy (summed)"), ("mse", "squared error (summed)")),
        label="reconstruction", widget="trainReconstruction", section="model",
    )  # fmt: skip
    dataset: str = param_field(
        DEFAULT_DATASET, kind="dataset", choices=BUILTIN, strict=False,
        help=f"{', '.join(BUILTIN)}, an image folder, or .npz/.npy",
        label="data set", widget="trainDataset",
    )  # fmt: skip
    image_size: int | None = param_field(
        None, kind="int", help="square image size for folder data sets (default: the preset's)",
        label="image size", widget="trainImageSize", spin=(0, 1024), special="preset's",
        none_at_minimum=True,
    )  # fmt: skip
    data_range: tuple[float, float] | None = param_field(
        None, kind="range", metavar="LO:HI", on_resume=True,
        help="float .npz/.npy data sets: the range of their values, e.g. 0:255 "
        "(default: [0, 1] or [-1, 1], detected)",
        label="data range", widget="trainDataRange", placeholder="detected",
    )  # fmt: skip
    max_images: int | None = param_field(
        None, kind="int", low=2, record=("dataset",),
        help="use only this many images (a seeded subset)",
        label="max images", widget="trainMaxImages", spin=(0, 10_000_000), step=256, special="all",
        none_at_minimum=True,
    )  # fmt: skip
    cache_decoded: bool = param_field(
        False, kind="bool", on_resume=True,
        help="folder data sets: decode and resize once into a memory-mapped uint8 cache, "
        "so later epochs do not decode JPEGs again",
        label="decode folders once into a cache", widget="trainCacheDecoded",
    )  # fmt: skip
    validation_split: float = param_field(
        0.1, kind="float", low=0, high=1, high_open=True, record=("dataset",),
        label="validation split", widget="trainValidation", spin=(0.0, 0.9), step=0.05,
    )  # fmt: skip
    epochs: int = param_field(
        10, kind="int", low=1, on_resume=True,
        label="epochs", widget="trainEpochs", spin=(1, 100_000),
    )  # fmt: skip
    batch_size: int = param_field(
        128, kind="int", low=1, record=("training",),
        label="batch size", widget="trainBatchSize", spin=(1, 65_536),
    )  # fmt: skip
    learning_rate: float = param_field(
        5e-4, kind="float", low=0, low_open=True, record=("training",),
        label="learning rate", widget="trainLearningRate", spin=(1e-6, 1.0), step=1e-4,
        decimals=6,
    )  # fmt: skip
    seed: int = param_field(
        0, kind="int", record=("dataset", "training"),
        label="seed", widget="trainSeed", spin=(0, 2**31 - 1),
    )  # fmt: skip
    # Devices and machines (explorer.core.runtime.devices and .cluster): what ran is
    # recorded in meta.json's training "distribution".
    strategy: str = param_field(
        "auto", kind="choice", choices=STRATEGIES, on_resume=True,
        labels=(("auto", "auto"), ("one-device", "one device"),
                ("mirrored", "mirrored (all GPUs)"), ("multi-worker", "multi-worker (cluster)")),
        help="auto: mirrored when several GPUs are visible, else one device; mirrored: every "
        "GPU of this machine; multi-worker: TensorFlow's MultiWorkerMirroredStrategy over the "
        "cluster in TF_CONFIG or --cluster (worker 0, the chief, alone writes the bundle)",
        label="strategy", widget="trainStrategy",
    )  # fmt: skip
    cluster: list[str] | None = param_field(
        None, kind="strs", on_resume=True, metavar="HOST:PORT,...",
        help="multi-worker: every worker's host:port, worker 0 (the chief) first; sets "
        "TF_CONFIG for this process (default: TF_CONFIG as set)",
        label="cluster", widget="trainCluster",
        placeholder="host:port of every worker, worker 0 first (empty: TF_CONFIG)",
    )  # fmt: skip
    worker_index: int | None = param_field(
        None, kind="int", low=0, on_resume=True, metavar="I",
        help="multi-worker: this machine's place in --cluster (0: the chief)",
        label="this worker", widget="trainWorkerIndex", spin=(-1, 1023), special="choose",
        none_at_minimum=True,
    )  # fmt: skip
    # Accelerator settings (explorer.core.training.accelerator) and TensorBoard.
    mixed_precision: bool | None = _kept_setting(
        "bool", "mixed precision", "trainMixedPrecision",
        help="mixed precision: Keras mixed_bfloat16 (mixed_float16 with loss scaling on GPUs "
        "without bfloat16); losses, KL and the latent heads stay float32",
    )  # fmt: skip
    jit_compile: bool | None = _kept_setting(
        "bool", "XLA (jit compile)", "trainJitCompile", help="compile the training step with XLA"
    )  # fmt: skip
    steps_per_execution: int | None = _kept_setting(
        "int", "steps per execution", "trainStepsPerExecution", low=1, spin=(0, 4096),
        special="auto", none_at_minimum=True,
        help="batches per call of the compiled step (default: 1 on CPU, 32 on GPU); progress "
        "and cancel then act every N batches",
    )  # fmt: skip
    cache_on_device: bool | None = _kept_setting(
        "bool", "training images on the device", "trainCacheOnDevice",
        help="place the uint8 training images on the device once and gather batches there "
        "(when they fit in its free memory; else the streamed path)",
    )  # fmt: skip
    tensorboard: str | None = _kept_setting(
        "path", "TensorBoard folder", "trainTensorboard", placeholder="off: no event files",
        help="write TensorBoard event files (losses, learning rate, images/s, image grids) "
        "into this folder",
    )  # fmt: skip

    @classmethod
    def from_options(cls, **options: Any) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(options) - known
        if unknown:
            raise InvalidParameter(f"unknown training options: {', '.join(sorted(unknown))}")
        return cls(**options)

    def architecture(self) -> Architecture:
        overrides = {o.name: getattr(self, o.name) for o in OPTIONS if o.architecture}
        if self.image_size:
            c = preset(self.preset).input_shape[2]
            overrides["input_shape"] = (self.image_size, self.image_size, c)
        return preset(self.preset, **overrides)

    def model_config(self) -> ModelConfig:
        cfg = ModelConfig(
            kind=self.kind,
            architecture=self.architecture(),
            kl_weight=self.kl_weight,
            eps_clip=self.eps_clip,
            reconstruction=self.reconstruction,
        )
        cfg.validate()
        return cfg

    def recorded(self, section: str) -> dict[str, Any]:
        """The options that ``meta.json`` records in ``section`` ("": its top level)."""
        return {o.name: getattr(self, o.name) for o in OPTIONS if section in o.record}

    def validate(self, check_busy: bool = True) -> None:
        """Check everything that can be checked before any TensorFlow work (the command
        line and the window both call this). ``check_busy``: refuse a bundle another training
        writes (off for the training that holds its lock and checks again under it)."""
        from explorer.core.model import store

        if not self.out:
            raise InvalidParameter("no output bundle given (--out)")
        for o in OPTIONS:
            if (value := getattr(self, o.name)) is not None:
                o.check(value, what=o.label)
        self._check_tensorboard()
        cluster = self.cluster_of()
        if cluster is not None and not cluster.is_chief:
            self._validate_worker()  # writes into its own temporary folder, not --out
            return
        out = Path(self.out)
        if check_busy:
            ensure_free(out)  # a training already writing there: one line naming it
        if self.resume:
            if not store.is_bundle(out):
                raise InvalidParameter(f"{out}: cannot resume, not a model bundle")
            _check_writable(out)
            return
        self.model_config()
        if out.exists():
            if not out.is_dir():
                raise InvalidParameter(f"{out}: exists and is a file; choose another output folder")
            if store.is_bundle(out):
                if cluster is not None and (out / WORKER_BACKUP).is_dir():
                    pass  # a multi-worker training stopped halfway: the same command resumes it
                elif not self.overwrite:
                    raise BundleThere(
                        f"{out}: a model bundle is already there; use --resume to continue it or --overwrite"
                    )
            elif any(p.name != LOCK_NAME for p in out.iterdir()):
                raise InvalidParameter(f"{out}: exists, is not empty and is not a model bundle")
        _check_writable(out)
        check_dataset(self.dataset)
        self._check_combinations()

    def cluster_of(self, environ: Mapping[str, str] | None = None) -> clusters.Cluster | None:
        """This worker's cluster when the strategy is ``multi-worker`` (from ``--cluster``
        and ``--worker-index``, else ``TF_CONFIG``), else ``None``; one line when it is
        missing or malformed."""
        if self.strategy != "multi-worker":
            if self.cluster or self.worker_index is not None:
                raise InvalidParameter(
                    "--cluster and --worker-index are for --strategy multi-worker"
                )
            return None
        return clusters.resolve(self.cluster, self.worker_index, environ)

    def _validate_worker(self) -> None:
        """A worker other than the chief reads the data set (and with ``--resume`` the
        bundle, a copy at the same path) but writes nothing into ``--out``."""
        if self.resume:
            from explorer.core.model import store

            if not store.is_bundle(Path(self.out)):
                raise InvalidParameter(
                    f"{self.out}: cannot resume on this worker: every worker reads the bundle "
                    "it resumes (a shared folder, or a copy at the same path)"
                )
            return
        self.model_config()
        check_dataset(self.dataset)
        self._check_combinations()

    def _check_tensorboard(self) -> None:
        """``--tensorboard`` names a folder that can be written (before any training)."""
        if not self.tensorboard:
            return
        folder = Path(self.tensorboard).expanduser()
        if folder.exists() and not folder.is_dir():
            raise InvalidParameter(f"--tensorboard {folder}: is a file; give a folder")
        reason = atomic.unwritable_reason(folder)
        if reason is not None:
            raise InvalidParameter(f"--tensorboard {folder}: cannot write there: {reason}")

    def _check_combinations(self) -> None:
        """Settings that cannot work together (the device cache's size is checked when the
        data set is open, still before training starts)."""
        if self.cache_on_device and not self.cache_decoded and Path(self.dataset).is_dir():
            raise InvalidParameter(
                "--cache-on-device needs decoded images: add --cache-decoded for an image folder"
            )

    def resumed(self, recorded: dict[str, Any]) -> TrainConfig:
        """This config with the options not given (``None``) that a resume keeps taken from
        the bundle's ``recorded`` training section."""
        kept: dict[str, Any] = {  # values read from meta.json
            o.name: recorded.get(o.name)
            for o in OPTIONS
            if o.keep and getattr(self, o.name) is None
        }
        return dataclasses.replace(self, **kept)


OPTIONS: tuple[Param, ...] = declared(TrainConfig)
"""Every training option, in the order of :class:`TrainConfig`'s fields."""


def check_dataset(spec: str) -> None:
    """Refuse a data set that :func:`~explorer.core.data.sources.open_dataset` would refuse
    before reading anything, with its message (no file is opened)."""
    if spec in BUILTIN:
        return
    path = Path(spec).expanduser()
    if path.exists() and not (path.is_dir() or path.is_file()):
        raise InvalidParameter(
            f"{path}: not a regular file or a folder (a pipe or a device); "
            "give a folder of images, a .npz or a .npy file"
        )
    if spec and path.is_dir():
        return
    if path.suffix in ARRAY_SUFFIXES:
        if not path.exists():
            raise InvalidParameter(f"{path}: file not found")
        return
    if spec and path.exists():
        raise InvalidParameter(
            f"{path}: not a data set (expected a folder of images, .npz or .npy)"
        )
    raise InvalidParameter(
        f"{spec or 'no data set'}: no such data set; use {', '.join(BUILTIN)}, an image folder, or a .npz/.npy file"
    )


def _check_writable(out: Path) -> None:
    """Fail before training, not at the first checkpoint, when ``out`` cannot be written
    (tried by creating a file there or in its nearest existing parent)."""
    reason = atomic.unwritable_reason(out)
    if reason is not None:
        raise InvalidParameter(f"{out}: cannot write the model bundle there: {reason}")
