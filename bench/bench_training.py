"""Benchmark: training throughput inside the window's worker thread vs a plain ``model.fit``.

Both train the same model (same preset, architecture, seed) on the same images and batches:

* **worker**: ``TrainingController.start_training`` runs the core ``train`` in a
  ``TrainingWorker`` on its own ``QThread`` while a ``QCoreApplication`` event loop runs in the
  main thread (progress signals, per-epoch validation and checkpoint, the shared TF lock).
* **plain**: a script that builds the model, compiles it and calls ``model.fit``.

Throughput is training images per second of the epochs after the first (the first one traces
the ``tf.function``), measured from epoch begin to epoch end (validation and checkpoint
writing happen after that and are not counted), the median over ``--repeats`` runs of each
(interleaved, alternating which goes first). The worker runs with the window's GIL switch
interval (``favour_event_loop``: 1 ms), the plain script with Python's default (5 ms).
Goal: worker / plain >= 0.95. Also measured: the worst stall of the event loop while the
worker trains, seen by a 10 ms ``QTimer`` probe (how late a tick came).

Usage: ``python bench/bench_training.py [--quick] [--preset tiny|mnist] [--epochs E]
[--repeats R] [--max-images N] [--batch-size B]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from explorer.core.data.pipeline import make_tf_dataset

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

try:
    import explorer  # noqa: F401
except ImportError:  # run from a checkout without installing the package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEventLoop, QTimer  # noqa: E402

PRESETS = {
    "tiny": {"preset": "mnist", "filters": [8, 16, 16]},
    "mnist": {"preset": "mnist"},
}
PROBE_MS = 10
DEFAULT_SWITCH_INTERVAL_S = sys.getswitchinterval()


def plain_fit(options: dict) -> list[float]:
    """Seconds of each epoch of a plain ``model.fit`` on the data ``train`` would use."""
    sys.setswitchinterval(DEFAULT_SWITCH_INTERVAL_S)  # a plain script's setting
    from explorer.core.data.sources import open_dataset
    from explorer.core.model.nets import build_model
    from explorer.core.runtime.tf_setup import keras
    from explorer.core.training.training import TrainConfig, training_indices

    k = keras()
    config = TrainConfig.from_options(**options)
    mcfg = config.model_config()
    ds = open_dataset(config.dataset, mcfg.architecture.input_shape)
    train_idx, _ = training_indices(
        len(ds), config.max_images, config.validation_split, config.seed
    )
    k.utils.set_random_seed(config.seed)
    model = build_model(mcfg)
    model.compile(optimizer=k.optimizers.Adam(config.learning_rate))
    data = make_tf_dataset(ds, config.batch_size, train_idx, shuffle=True, seed=config.seed)

    class EpochTimer(k.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.t0)

    timer = EpochTimer()
    model.fit(data, epochs=config.epochs, verbose=0, shuffle=False, callbacks=[timer])
    return timer.seconds


def worker_fit(options: dict) -> tuple[list[float], float, float, int]:
    """Train through the controller in its QThread under a running event loop; return the
    epoch seconds, the worst probe delay (ms) while training, the worst one after the first
    epoch (no tracing any more), and the number of batches."""
    from explorer.gui.tasks.workers import favour_event_loop
    from explorer.gui.training.training_controller import TrainingController

    favour_event_loop()  # as in the window; plain_fit restores Python's default
    controller = TrainingController()
    loop = QEventLoop()
    seconds: list[float] = []
    state = {"training": False, "worst": 0.0, "steady": 0.0, "batches": 0, "error": ""}
    clock = QElapsedTimer()
    probe = QTimer()
    probe.setInterval(PROBE_MS)

    def tick() -> None:
        elapsed = clock.restart()
        if state["training"]:
            state["worst"] = max(state["worst"], elapsed - PROBE_MS)
            if len(seconds) >= 1:
                state["steady"] = max(state["steady"], elapsed - PROBE_MS)

    def on_started(_e) -> None:
        clock.restart()
        state["training"] = True

    def on_progress(_e) -> None:
        state["batches"] += 1

    def on_end(*_args) -> None:
        state["training"] = False

    def on_failed(text: str) -> None:
        state["error"] = text

    probe.timeout.connect(tick)
    controller.started.connect(on_started)
    controller.progress.connect(on_progress)
    controller.epochCompleted.connect(lambda e: seconds.append(e["row"]["seconds"]))
    for signal in (controller.finished, controller.cancelled):
        signal.connect(on_end)
    controller.failed.connect(on_failed)
    controller.failed.connect(on_end)
    controller.busyChanged.connect(lambda busy: None if busy else loop.quit())
    clock.start()
    probe.start()
    controller.start_training(**options)
    loop.exec()
    probe.stop()
    controller.shutdown()
    if state["error"]:
        raise RuntimeError(f"training in the worker failed: {state['error']}")
    return seconds, state["worst"], state["steady"], state["batches"]


def images_per_s(seconds: list[float], n_train: int) -> float:
    timed = seconds[1:] or seconds
    return n_train * len(timed) / sum(timed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="tiny model, 1024 images, 3 epochs, 2 runs"
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--max-images", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    args = parser.parse_args(argv)
    name = args.preset or ("tiny" if args.quick else "mnist")
    epochs = args.epochs or 3
    repeats = args.repeats or (2 if args.quick else 3)
    max_images = args.max_images or (1024 if args.quick else None)
    batch = args.batch_size or (32 if args.quick else 128)
    if epochs < 2:
        parser.error("--epochs must be >= 2 (the first epoch, which traces, is not timed)")

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    from explorer.core.runtime.tf_setup import device_description, keras

    keras()  # import TensorFlow before timing anything
    base = {
        **PRESETS[name],
        "kind": "vae",
        "dataset": "mnist-5k",
        "max_images": max_images,
        "validation_split": 0.1,
        "epochs": epochs,
        "batch_size": batch,
        "seed": 0,
    }
    n_images = min(max_images or 5000, 5000)
    n_train = n_images - int(round(n_images * 0.1))
    plain, worker, stalls, steady = [], [], [], []
    with tempfile.TemporaryDirectory(prefix="bench_training_") as tmp:
        for i in range(repeats):
            out = str(Path(tmp) / f"w{i}")
            if i % 2:  # alternate which one runs first
                seconds, worst, calm, batches = worker_fit({**base, "out": out})
                plain.append(images_per_s(plain_fit({**base, "out": "unused"}), n_train))
            else:
                plain.append(images_per_s(plain_fit({**base, "out": "unused"}), n_train))
                seconds, worst, calm, batches = worker_fit({**base, "out": out})
            worker.append(images_per_s(seconds, n_train))
            stalls.append(worst)
            steady.append(calm)
            print(
                f"  run {i + 1}: plain {plain[-1]:.0f} images/s, worker {worker[-1]:.0f} "
                f"images/s ({batches} batches), worst stall {worst:.0f} ms "
                f"(after epoch 1: {calm:.0f} ms)",
                flush=True,
            )
    p, w = statistics.median(plain), statistics.median(worker)
    print(
        f"training throughput: preset {name} ({base.get('filters') or 'preset filters'}), "
        f"{n_train} training images, batch {batch}, {epochs} epochs (epochs 2..{epochs} timed), "
        f"median of {repeats} runs, {device_description()}"
    )
    print(f"{'method':<44}{'images/s':>10}")
    print(f"{'plain model.fit script':<44}{p:>10.0f}")
    print(f"{'TrainingWorker in a QThread (controller)':<44}{w:>10.0f}")
    verdict = "met" if w / p >= 0.95 else "NOT met"
    print(f"throughput ratio (worker / plain): {w / p:.3f} (goal >= 0.95: {verdict})")
    print(
        f"event loop worst stall while training: {max(stalls):.0f} ms "
        f"(median over runs {statistics.median(stalls):.0f} ms; {PROBE_MS} ms QTimer probe)"
    )
    print(
        f"event loop worst stall after epoch 1 (tf.function traced): {max(steady):.0f} ms "
        f"(median over runs {statistics.median(steady):.0f} ms)"
    )
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
