"""Devices: MirroredStrategy training over logical CPUs (in a subprocess), device line,
out-of-memory message."""

from __future__ import annotations

import textwrap

import pytest

from explorer.core.errors import InvalidParameter
from tests.helpers import run_python_json

MIRRORED = textwrap.dedent(
    """
    import json, sys
    from explorer.core.runtime.devices import configure_logical_cpus, strategy_for
    names = configure_logical_cpus(2)
    strategy = strategy_for(names)
    from explorer.core.model.store import load_bundle, read_meta
    from explorer.core.training.training import TrainConfig, train
    from tests.conftest import TINY
    events = []
    options = {**TINY, "kind": "vae", "epochs": 1, "out": sys.argv[1]}
    result = train(TrainConfig.from_options(**options), on_event=events.append,
                   strategy=strategy)
    load_bundle(result.bundle)
    started = events[0]
    meta_epochs = read_meta(result.bundle)["training"]["epochs_done"]
    again = train(TrainConfig(out=sys.argv[1], resume=True, epochs=1), strategy=strategy)
    print(json.dumps({
        "names": names,
        "replicas": strategy.num_replicas_in_sync,
        "started_replicas": started["replicas"],
        "status": result.status,
        "epochs_done": result.epochs_done,
        "loss": result.history[-1]["total_loss"],
        "meta_epochs": meta_epochs,
        "auto": strategy_for("auto") is None,
        "resumed": [again.status, again.epochs_done, len(again.history)],
    }))
    """
)


@pytest.mark.slow
def test_mirrored_strategy_over_two_logical_cpus_and_resume(tmp_path):
    out = run_python_json(MIRRORED, tmp_path / "m")
    assert out["replicas"] == 2 and out["started_replicas"] == 2
    assert len(out["names"]) == 2
    assert out["status"] == "finished" and out["epochs_done"] == 1 and out["meta_epochs"] == 1
    assert out["loss"] == out["loss"]  # finite, not NaN
    assert out["auto"]  # no GPUs here: "auto" means the default device
    assert out["resumed"] == ["finished", 2, 2]  # resumed under the strategy


def test_strategy_for_defaults_and_bad_names():
    from explorer.core.runtime.devices import strategy_for
    from explorer.core.runtime.tf_setup import device_description, tensorflow

    assert strategy_for(None) is None and strategy_for("default") is None
    assert strategy_for("auto") is None or strategy_for("auto").num_replicas_in_sync > 1
    with pytest.raises(InvalidParameter, match="does not see"):
        strategy_for(["/gpu:7"])
    with pytest.raises(InvalidParameter, match="the strategy must be auto, one-device, mirrored"):
        strategy_for("fastest")
    assert strategy_for("one-device") is None
    mirrored = strategy_for("mirrored")  # every GPU, or the CPU as one replica
    assert isinstance(mirrored, tensorflow().distribute.MirroredStrategy)
    assert device_description() == "CPU" or device_description().startswith("GPU: ")


def test_out_of_memory_is_a_clear_message(tmp_path):
    from explorer.core.runtime.tf_setup import keras, tensorflow
    from explorer.core.training.training import TrainConfig, TrainingOutOfMemory, train
    from tests.conftest import TINY

    tf = tensorflow()

    class Exhaust(keras().callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")

    config = TrainConfig.from_options(**{**TINY, "kind": "ae", "out": str(tmp_path / "o")})
    with pytest.raises(TrainingOutOfMemory, match="smaller batch size") as info:
        train(config, callbacks=[Exhaust()])
    assert "batch size 32" in str(info.value)
