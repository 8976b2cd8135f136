"""Training in the window: worker thread, controller queue, cancel, resume, NaN, shutdown,
the loss plot and the panel (pytest-qt, offscreen, tiny config)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from explorer.core.errors import InvalidParameter
from explorer.core.model.store import load_bundle, read_meta
from explorer.gui.training.training_controller import TrainingController
from tests.conftest import TINY

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def no_training_thread_survives(qapp):
    from explorer.gui.tasks.workers import running_threads

    yield
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()  # its processEvents returns a bool (see training_controller)
    deadline = time.monotonic() + 5
    while any(t.objectName().startswith("training-") for t in running_threads()):
        loop.processEvents()
        if time.monotonic() > deadline:
            names = [t.objectName() for t in running_threads()]
            pytest.fail(f"training threads still running after the test: {names}")
        time.sleep(0.01)


@pytest.fixture
def controller(qapp):
    """Trainings in a thread (the in-process path, cheaper to start); the window's default,
    a child process, is what ``child_controller``, the shutdown test and the window's tests
    use."""
    c = TrainingController(in_child=False)
    yield c
    assert c.shutdown(10_000), "the training worker did not stop"


@pytest.fixture
def child_controller(qapp):
    c = TrainingController()
    assert c.in_child
    yield c
    assert c.shutdown(10_000), "the training worker did not stop"


class Recorder:
    """Collects the controller's signals in order."""

    def __init__(self, c: TrainingController) -> None:
        self.events: list[tuple[str, object]] = []
        self.times: dict[str, float] = {}
        for name in ("started", "progress", "epochCompleted", "finished", "cancelled", "failed"):
            getattr(c, name).connect(lambda value, name=name: self._add(name, value))
        c.queueChanged.connect(lambda rows: self._add("queue", rows))

    def _add(self, name: str, value) -> None:
        self.events.append((name, value))
        self.times.setdefault(name, time.perf_counter())

    def names(self, skip=("queue",)) -> list[str]:
        return [n for n, _ in self.events if n not in skip]

    def last(self, name: str):
        return [v for n, v in self.events if n == name][-1]


def tiny(out, **kw):
    return {**TINY, "kind": "vae", "epochs": 1, "out": str(out), **kw}


def test_one_epoch_signals_in_order_and_bundle_loads(controller, tmp_path):
    rec = Recorder(controller)
    job = controller.start_training(**tiny(tmp_path / "one"))
    assert controller.running_job() == job
    assert controller.wait_training(120_000)
    names = rec.names()
    assert names[0] == "started" and names[-1] == "finished"
    steps = rec.last("started")["steps_per_epoch"]
    assert steps == 8  # 230 training images (26 held out) in batches of 32
    assert names.count("epochCompleted") == 1 and names.count("progress") == steps
    assert names.index("epochCompleted") > names.index("progress")
    progress = [v for n, v in rec.events if n == "progress"]
    assert progress[-1]["fraction"] == pytest.approx(1.0)
    assert all(p["job"] == job for p in progress)
    assert {"total_loss", "reco_loss", "kl_loss"} <= set(progress[0]["logs"])
    result = rec.last("finished")
    assert result["status"] == "finished" and result["epochs_done"] == 1
    model = load_bundle(result["bundle"])
    assert model.kind == "vae"
    assert rec.last("queue") == []


def test_cancel_mid_epoch_then_resume(child_controller, tmp_path):
    """In a child process: the stop is its SIGTERM; the resumed run's history is whole."""
    controller = child_controller
    out = tmp_path / "c"
    rec = Recorder(controller)
    asked: list[float] = []

    def on_progress(e):
        if e["epoch"] == 1 and e["batch"] == 1 and not asked:
            asked.append(time.perf_counter())
            controller.cancel_training()

    controller.progress.connect(on_progress)
    controller.start_training(**tiny(out, epochs=2))
    assert controller.wait_training(120_000)
    controller.progress.disconnect(on_progress)
    assert asked, "never reached epoch 2"
    assert rec.names()[-1] == "cancelled"
    assert rec.times["cancelled"] - asked[0] < 2.0
    result = rec.last("cancelled")
    assert result["epochs_done"] == 1
    assert read_meta(out)["training"]["epochs_done"] == 1
    first_history = read_meta(out)["history"]
    load_bundle(out)

    rec2 = Recorder(controller)
    controller.start_training(out=str(out), resume=True, epochs=2)
    assert controller.wait_training(120_000)
    started = rec2.last("started")
    assert started["initial_epoch"] == 1 and started["epochs"] == 3
    result = rec2.last("finished")
    assert result["epochs_done"] == 3
    assert [row["epoch"] for row in result["history"]] == [1, 2, 3]
    assert result["history"][:1] == first_history
    epochs = [v["epoch"] for n, v in rec2.events if n == "epochCompleted"]
    assert epochs == [1, 2]


def test_nan_loss_fails_with_message_and_keeps_checkpoint(controller, tmp_path):
    from explorer.core.runtime.tf_setup import keras

    class Poison(keras().callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self._epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            if self._epoch == 1 and batch == 2:
                for w in self.model.decoder.weights:
                    w.assign(np.full(w.shape, np.nan, dtype=w.dtype))

    out = tmp_path / "n"
    rec = Recorder(controller)
    controller.start_training(callbacks=[Poison()], **tiny(out, epochs=3))
    assert controller.wait_training(120_000)
    assert rec.names()[-1] == "failed"
    message = rec.last("failed")
    assert "NaN" in message and "epoch 2" in message and "checkpoint of epoch 1" in message
    assert read_meta(out)["training"]["epochs_done"] == 1
    assert np.isfinite(load_bundle(out).decoder.keras.weights[0].numpy()).all()
    assert not controller.busy()


def test_queue_runs_trainings_one_after_the_other(controller, tmp_path):
    rec = Recorder(controller)
    running_seen = []
    controller.queueChanged.connect(
        lambda rows: running_seen.append(sum(r["running"] for r in rows))
    )
    a = controller.start_training(**tiny(tmp_path / "a", kind="ae"))
    b = controller.start_training(**tiny(tmp_path / "b", kind="ae"))
    assert controller.queued_jobs() == [b] and controller.running_job() == a
    with pytest.raises(InvalidParameter, match="already running or queued"):
        controller.start_training(**tiny(tmp_path / "b", kind="ae"))
    assert controller.wait_training(180_000)
    order = [(n, v["job"]) for n, v in rec.events if n in ("started", "finished")]
    assert order == [("started", a), ("finished", a), ("started", b), ("finished", b)]
    assert max(running_seen) == 1
    for name in "ab":
        assert read_meta(tmp_path / name)["training"]["epochs_done"] == 1


def test_invalid_settings_never_start_a_thread(controller, tmp_path):
    from explorer.gui.tasks.workers import running_threads

    with pytest.raises(InvalidParameter, match="does not divide"):
        controller.start_training(**tiny(tmp_path / "s", strides=[2, 2, 2]))
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(InvalidParameter, match="not a model bundle"):
        controller.start_training(**tiny(tmp_path / "busy"))
    with pytest.raises(InvalidParameter, match="cannot resume"):
        controller.start_training(out=str(tmp_path / "none"), resume=True, epochs=1)
    assert not controller.busy()
    assert not [t for t in running_threads() if t.objectName().startswith("training-")]


def test_shutdown_during_training_stops_the_worker(qtbot, tmp_path):
    # in-process (a thread to stop); the window's close stops a child process, see
    # test_window_training.test_close_during_training_asks_then_stops
    c = TrainingController(in_child=False)
    rec = Recorder(c)
    c.start_training(**tiny(tmp_path / "s1", epochs=5))
    c.start_training(**tiny(tmp_path / "s2", epochs=5))
    qtbot.waitUntil(lambda: "progress" in rec.names(), timeout=120_000)
    thread = c.current_thread()
    t0 = time.perf_counter()
    assert c.shutdown(5_000)
    assert time.perf_counter() - t0 < 2.0
    assert not thread.isRunning()
    assert not c.busy() and c.queued_jobs() == []
    assert rec.names()[-1] == "cancelled"
    assert not (tmp_path / "s2").exists()  # the queued one never started
    with pytest.raises(InvalidParameter, match="shut down"):
        c.start_training(**tiny(tmp_path / "s3"))


@pytest.fixture
def renderer():
    from explorer.gui.plots.plot_renderer import PlotRenderer

    renderer = PlotRenderer()
    yield renderer
    renderer.shutdown()


def test_loss_plot_draws_off_the_gui_thread_and_throttles(qtbot, renderer):
    from explorer.gui.training.loss_plot import LossPlot

    plot = LossPlot(renderer)
    qtbot.addWidget(plot)
    plot.resize(500, 420)
    plot.reset("vae")
    draws_before = plot.redraws
    t0 = time.perf_counter()
    for epoch in range(3):
        for batch in range(100):
            v = 100.0 / (1 + epoch * 100 + batch)
            logs = {"total_loss": v, "reco_loss": v * 0.9, "kl_loss": v * 0.1}
            logs.update({f"batch_{k}": x * 1.1 for k, x in logs.items()})
            plot.add_batch({"epoch": epoch, "batch": batch, "steps": 100, "logs": logs})
            qtbot.wait(2)  # the event loop runs, as it does while training: the timer fires
        plot.add_epoch({"epoch": epoch + 1, "total_loss": 1.0, "val_total_loss": 1.2})
    elapsed = time.perf_counter() - t0
    redraws = plot.redraws - draws_before
    # throttled to 5 per second: some redraws while the batches came, never one per batch
    assert 1 <= redraws <= 2 + elapsed * 5, (redraws, elapsed)
    qtbot.waitUntil(lambda: not plot._dirty and not plot.busy(), timeout=20_000)
    x, y = plot.line_data("total_loss", "raw")
    assert len(x) == 300 and x[0] == pytest.approx(0.01) and x[-1] == pytest.approx(3.0)
    lines = {line.get_label(): line for line in plot.info["total_loss"].get_lines()}
    xs, ys = lines["batch (smoothed)"].get_data()
    assert len(xs) == 300 and ys[-1] < ys[0]
    ex, ey = lines["epoch validation"].get_data()
    assert list(ex) == [1.0, 2.0, 3.0] and list(ey) == [1.2, 1.2, 1.2]
    # the fixed layout leaves room for the tick labels: nothing is cut off at the left
    # (measured on the renderer thread: matplotlib's only thread in the window)
    assert renderer.run_call(_leftmost_tick_label, plot.figure, list(plot.info.values())) >= 0
    plot.set_log_scale(True)
    qtbot.waitUntil(lambda: not plot.busy(), timeout=20_000)
    assert not plot.error
    assert all(ax.get_yscale() == "log" for ax in plot.info.values())
    plot.reset("ae")
    qtbot.waitUntil(lambda: not plot.busy(), timeout=20_000)
    assert "none for an AE" in plot.info["kl_loss"].get_title()


def _leftmost_tick_label(_state, figure, axes) -> float:
    figure.canvas.draw()
    found = [
        label.get_window_extent(figure.canvas.get_renderer()).x0
        for ax in axes
        for label in ax.get_yticklabels()
        if label.get_text()
    ]
    assert found
    return min(found)


def test_panel_flags_invalid_settings(qtbot, tmp_path, renderer):
    from explorer.gui.training.training_panel import TrainingPanel

    panel = TrainingPanel(renderer)
    qtbot.addWidget(panel)
    names = [
        "trainingPanel", "trainKind", "trainPreset", "trainEpochs", "trainBatchSize",
        "trainKlWeight", "trainOut", "trainStart", "trainCancel", "trainProgress", "lossPlot",
    ]  # fmt: skip
    for name in names:
        assert panel.objectName() == name or panel.findChild(object, name) is not None, name
    start = panel.findChild(object, "trainStart")
    panel.set_options(**tiny(tmp_path / "p"))
    assert start.isEnabled(), panel.message.text()
    panel.strides.setText("2,2,2")
    panel.validate_now()
    assert not start.isEnabled() and "does not divide" in panel.message.text()
    panel.strides.setText("1,2,2")
    panel.dataset.setCurrentText(str(tmp_path / "missing"))
    panel.validate_now()
    assert not start.isEnabled() and "no such data set" in panel.message.text()
    panel.dataset.setCurrentText("mnist-5k")
    assert panel.validate_now() and start.isEnabled()
    assert panel.options()["filters"] == [8, 16, 16]
    panel.controller.shutdown()


def test_panel_trains_and_offers_the_checkpoint(qtbot, tmp_path, renderer):
    from explorer.gui.training.training_panel import TrainingPanel

    panel = TrainingPanel(renderer, controller=TrainingController(in_child=False))
    qtbot.addWidget(panel)
    panel.set_options(**tiny(tmp_path / "pt", kind="ae"))
    explored = []
    panel.exploreCheckpoint.connect(lambda path, slot: explored.append((path, slot)))
    qtbot.mouseClick(panel.start_button, qtbot_button())
    assert panel.controller.wait_training(120_000)
    assert panel.progress.value() == 1000
    assert panel.status.text().startswith("finished")
    assert panel.device.text().startswith("device: ")
    assert len(panel.plot.line_data("total_loss", "raw")[0]) == 8
    assert not panel.start_button.isEnabled()  # the bundle exists now: resume or overwrite
    panel.explore_slot.setCurrentText("B")
    panel.explore_button.click()
    assert explored == [(str(tmp_path / "pt"), "B")]
    panel.controller.shutdown()


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_training_modules_do_not_import_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys\nimport explorer.gui.training.training_panel\n"
        "import explorer.gui.training.training_form\n"
        "import explorer.core.training.training, explorer.core.training.train_options\n"
        "from explorer.core.training.training import TrainConfig\n"
        "TrainConfig(out='x').validate()\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False False"
