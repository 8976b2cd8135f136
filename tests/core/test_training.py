import numpy as np
import pytest

from explorer.core.errors import InvalidParameter, TrainingDiverged
from explorer.core.model.store import load_bundle, read_meta
from explorer.core.progress import TaskState
from explorer.core.training.training import TrainConfig, train
from tests.conftest import TINY


def _config(out, kind, **kw):
    return TrainConfig.from_options(**{**TINY, "kind": kind, "out": str(out), **kw})


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_loss_drops_and_bundle_loads(kind, tmp_path):
    events = []
    result = train(
        _config(tmp_path / kind, kind, epochs=3, kl_weight=1.0, learning_rate=3e-3),
        on_event=events.append,
    )
    losses = [row["total_loss"] for row in result.history]
    assert result.status == "finished" and result.epochs_done == 3
    assert losses[-1] < 0.8 * losses[0]
    assert all("val_total_loss" in row for row in result.history)
    types = [e["type"] for e in events]
    assert types[0] == "started" and types[-1] == "finished"
    assert types.count("epoch") == 3 and types.index("epoch") > types.index("batch")
    batch = next(e for e in events if e["type"] == "batch")
    assert {"total_loss", "reco_loss", "kl_loss", "batch_total_loss"} <= set(batch["logs"])
    model = load_bundle(result.bundle)
    meta = read_meta(result.bundle)
    assert model.kind == kind and model.z_dim == 16
    assert meta["training"]["epochs_done"] == 3 and len(meta["history"]) == 3
    assert meta["dataset"]["n_train"] + meta["dataset"]["n_val"] == 256
    assert set(meta["final"]) == {"train", "validation"} and "tensorflow" in meta["versions"]
    if kind == "ae":
        assert all(row["kl_loss"] == 0 for row in result.history)
    else:
        assert all(row["kl_loss"] > 0 for row in result.history)


def test_stop_at_next_batch_keeps_last_epoch(tmp_path):
    state = TaskState()
    seen = []

    def on_event(e):
        if e["type"] == "batch" and e["epoch"] == 1:
            seen.append(e["batch"])
            if e["batch"] == 1:
                state.request_stop()

    result = train(_config(tmp_path / "b", "vae", epochs=3), state, on_event)
    assert result.status == "cancelled"
    assert seen == [0, 1]  # stopped right after the batch that asked
    assert result.epochs_done == 1
    assert read_meta(tmp_path / "b")["training"]["epochs_done"] == 1
    load_bundle(tmp_path / "b")


def test_resume_continues_epochs_and_history(tmp_path):
    out = tmp_path / "r"
    first = train(_config(out, "vae", epochs=2))
    again = train(TrainConfig(out=str(out), resume=True, epochs=1))
    assert again.epochs_done == 3
    assert [row["epoch"] for row in again.history] == [1, 2, 3]
    assert again.history[:2] == first.history
    assert read_meta(out)["training"]["epochs_done"] == 3


def test_nan_loss_stops_and_keeps_previous_checkpoint(tmp_path):
    from explorer.core.runtime.tf_setup import keras

    class Poison(keras().callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if (
                self.model.optimizer.iterations.numpy() > 0
                and batch == 2
                and self.params
                and self._epoch == 1
            ):
                for w in self.model.decoder.weights:
                    w.assign(np.full(w.shape, np.nan, dtype=w.dtype))

        def on_epoch_begin(self, epoch, logs=None):
            self._epoch = epoch

    out = tmp_path / "n"
    with pytest.raises(TrainingDiverged, match="NaN"):
        train(_config(out, "vae", epochs=3), callbacks=[Poison()])
    meta = read_meta(out)
    assert meta["training"]["epochs_done"] == 1
    model = load_bundle(out)
    w = model.decoder.keras.weights[0].numpy()
    assert np.isfinite(w).all()


def test_seed_is_honoured(tmp_path):
    a = train(_config(tmp_path / "s1", "ae", epochs=1, seed=7, validation_split=0.0))
    b = train(_config(tmp_path / "s2", "ae", epochs=1, seed=7, validation_split=0.0))
    c = train(_config(tmp_path / "s3", "ae", epochs=1, seed=8, validation_split=0.0))
    assert a.history[0]["total_loss"] == pytest.approx(b.history[0]["total_loss"], rel=1e-4)
    assert a.history[0]["total_loss"] != pytest.approx(c.history[0]["total_loss"], rel=1e-4)


def test_output_folder_checks(tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    with pytest.raises(InvalidParameter, match="not empty"):
        _config(tmp_path / "busy", "ae").validate()
    with pytest.raises(InvalidParameter, match="cannot resume"):
        TrainConfig(out=str(tmp_path / "none"), resume=True).validate()
    with pytest.raises(InvalidParameter, match="epochs"):
        _config(tmp_path / "x", "ae", epochs=0).validate()
