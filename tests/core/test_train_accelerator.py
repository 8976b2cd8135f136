"""Accelerator options of a training, on the CPU: mixed precision, XLA, steps per execution,
training images on the device, TensorBoard event files.

Each option alone and all together train a tiny VAE whose loss drops and whose final
validation loss stays within TOLERANCE of the plain run of the same seed; meta.json records
the options, a resume keeps them unless overridden; TensorBoard's files hold the scalars and
the image grids; bad settings give one line before training starts.
"""

from __future__ import annotations

import glob

import pytest

from explorer.core.errors import InvalidParameter
from explorer.core.model.store import read_meta
from explorer.core.training.train_options import TrainConfig
from tests.conftest import TINY
from tests.helpers import run_cli_here

# 2 epochs of 8 batches at a high learning rate: the loss falls by far more than TOLERANCE
BASE = {**TINY, "kind": "vae", "filters": [8, 16], "strides": [2, 2], "epochs": 2,
        "learning_rate": 3e-3}  # fmt: skip
# Final validation loss vs the plain run of the same seed. Steps per execution and the
# device cache give the same batches and arithmetic (float rounding only); XLA reorders
# float sums and draws its random eps differently (up to 5%); mixed precision (bfloat16: 8 bits of mantissa) may differ by up to 5%.
TOLERANCE = {"mixed_precision": 0.05, "jit_compile": 0.05, "all": 0.05}
DEFAULT_TOLERANCE = 0.002
ALONE = {
    "steps_per_execution": {"steps_per_execution": 3},
    "jit_compile": {"jit_compile": True},
    "mixed_precision": {"mixed_precision": True},
    "cache_on_device": {"cache_on_device": True},
}
ALL = {
    "steps_per_execution": 3,
    "jit_compile": True,
    "mixed_precision": True,
    "cache_on_device": True,
}
SCALARS = {f"{scope}/{k}" for scope in ("batch", "epoch")
           for k in ("total_loss", "reco_loss", "kl_loss", "learning_rate", "images_per_s")}  # fmt: skip
SCALARS |= {f"epoch/val_{k}" for k in ("total_loss", "reco_loss", "kl_loss")}
IMAGES = {"images/reconstructions", "images/samples"}


def _train(out, events=None, **options):
    from explorer.core.training.training import train

    config = TrainConfig.from_options(**{**BASE, "out": str(out), **options})
    return train(config, on_event=(events.append if events is not None else None))


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    return _train(tmp_path_factory.mktemp("plain") / "b")


@pytest.fixture(scope="module")
def all_together(tmp_path_factory):
    root = tmp_path_factory.mktemp("all")
    events: list = []
    result = _train(root / "b", events, tensorboard=str(root / "tb"), **ALL)
    return result, events, root / "tb"


def _check_trains_like_plain(result, plain, tolerance: float) -> None:
    h, p = result.history, plain.history
    assert len(h) == len(p) == 2
    assert h[-1]["total_loss"] < 0.95 * h[0]["total_loss"]  # the loss drops
    drop = p[0]["val_total_loss"] - p[-1]["val_total_loss"]
    assert drop > 2 * tolerance * p[-1]["val_total_loss"]  # the tolerance can tell
    rel = abs(h[-1]["val_total_loss"] - p[-1]["val_total_loss"]) / p[-1]["val_total_loss"]
    assert rel <= tolerance, (h[-1], p[-1])


@pytest.mark.parametrize("name", sorted(ALONE))
def test_each_option_alone_trains_like_the_plain_run(name, plain, tmp_path):
    events: list = []
    result = _train(tmp_path / "b", events, **ALONE[name])
    _check_trains_like_plain(result, plain, TOLERANCE.get(name, DEFAULT_TOLERANCE))
    training = read_meta(result.bundle)["training"]
    for key, value in ALONE[name].items():
        assert training[key] == value
    started = next(e for e in events if e["type"] == "started")
    ran = training["accelerator"]
    if name == "mixed_precision":
        assert ran["dtype_policy"] == "mixed_bfloat16" and "mixed_bfloat16" in started["device"]
    if name == "jit_compile":
        assert ran["jit_compile"] is True and "XLA" in started["device"]
    if name == "steps_per_execution":
        assert ran["steps_per_execution"] == 3
        batches = [e["batch"] for e in events if e["type"] == "batch" and e["epoch"] == 0]
        assert batches == [2, 5, 7]  # progress per execution of up to 3 batches
    if name == "cache_on_device":
        assert ran["cache_on_device"] is True
        assert "training images on the device" in started["device"]


def test_all_options_together_train_like_the_plain_run_and_are_recorded(all_together, plain):
    result, events, _ = all_together
    _check_trains_like_plain(result, plain, TOLERANCE["all"])
    training = read_meta(result.bundle)["training"]
    assert {k: training[k] for k in ALL} == ALL
    assert training["accelerator"] == {
        "device": "CPU", "dtype_policy": "mixed_bfloat16", "jit_compile": True,
        "steps_per_execution": 3, "cache_on_device": True,
    }  # fmt: skip
    started = next(e for e in events if e["type"] == "started")
    assert started["device"].startswith("CPU (mixed_bfloat16, XLA, 3 steps per execution")


def test_the_plain_run_is_float32_one_step_and_records_no_options(plain):
    training = read_meta(plain.bundle)["training"]
    assert all(training[k] is None for k in (*ALL, "tensorboard"))
    assert training["accelerator"]["dtype_policy"] == "float32"
    assert training["accelerator"]["steps_per_execution"] == 1  # the CPU's default
    assert training["accelerator"]["jit_compile"] is False


def test_the_mixed_policy_does_not_leak_and_the_bundle_explores_in_float32(all_together):
    import keras

    from explorer.core.model.store import load_keras_file

    assert keras.config.dtype_policy().name == "float32"
    model = load_keras_file(all_together[0].bundle / "model.keras")
    mu, _ = model.encoder(__import__("numpy").zeros((1, 28, 28, 1), "float32"))
    assert mu.dtype == "float32" and model.decoder.output.dtype == "float32"


def test_tensorboard_files_hold_the_scalars_and_the_image_grids(all_together):
    import tensorflow as tf

    _, events, logdir = all_together
    steps: dict[str, list[int]] = {}
    plugins = {}
    for path in glob.glob(str(logdir / "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for v in event.summary.value:
                steps.setdefault(v.tag, []).append(event.step)
                plugins[v.tag] = v.metadata.plugin_data.plugin_name
    assert set(steps) == SCALARS | IMAGES
    assert all(plugins[t] == "scalars" for t in SCALARS)
    assert all(plugins[t] == "images" for t in IMAGES)
    assert steps["epoch/val_total_loss"] == [1, 2] and steps["images/samples"] == [1, 2]
    assert steps["batch/total_loss"] == [3, 6, 8, 11, 14, 16]  # per execution of 3 batches
    started = next(e for e in events if e["type"] == "started")
    assert started["tensorboard"] == str(logdir)


def test_a_resume_keeps_the_options_unless_overridden(all_together, tmp_path):
    import shutil

    from explorer.core.progress import TaskState
    from explorer.core.training.training import train

    bundle = tmp_path / "b"
    shutil.copytree(all_together[0].bundle, bundle)
    # kept: what the resumed training runs with (stopped as it starts: no XLA compile here)
    events: list = []
    state = TaskState()

    def on_event(e):
        events.append(e)
        state.request_stop()

    train(TrainConfig(out=str(bundle), resume=True, epochs=1), state, on_event)
    started = events[0]
    assert started["policy"] == "mixed_bfloat16" and started["jit_compile"] is True
    assert started["steps_per_execution"] == 3 and started["cache_on_device"] is True
    assert started["tensorboard"] == str(all_together[2])
    # overridden: these off, another number of steps; the others kept, and recorded
    result = _train(bundle, None, resume=True, epochs=1, mixed_precision=False,
                    jit_compile=False, steps_per_execution=2, tensorboard="")  # fmt: skip
    meta = read_meta(bundle)
    training = meta["training"]
    assert result.epochs_done == 3
    assert training["mixed_precision"] is False and training["jit_compile"] is False
    assert training["steps_per_execution"] == 2 and training["cache_on_device"] is True
    assert training["tensorboard"] == ""
    assert training["accelerator"]["dtype_policy"] == "float32"
    assert training["accelerator"]["cache_on_device"] is True
    assert meta["history"][-1]["val_total_loss"] < 1.05 * meta["history"][1]["val_total_loss"]


def test_a_device_cache_that_does_not_fit_is_one_line_before_training(monkeypatch, tmp_path):
    from explorer.core.progress import TaskState
    from explorer.core.training import accelerator

    monkeypatch.setattr(accelerator, "free_device_memory", lambda: (100_000, "CPU"))
    events: list = []
    state = TaskState()

    def on_event(e):
        events.append(e)
        if e["type"] == "started":
            state.request_stop()  # nothing to train: the message comes before

    from explorer.core.training.training import train

    config = TrainConfig.from_options(**{**BASE, "out": str(tmp_path / "b"),
                                         "cache_on_device": True})  # fmt: skip
    train(config, state, on_event)
    started = events[0]
    assert started["type"] == "started" and not started["cache_on_device"]
    (note,) = started["notes"]
    assert "\n" not in note
    assert note == (
        "--cache-on-device: the training images (176.1 KB) do not fit in half of the free "
        "memory of CPU (97.7 KB); streaming them instead"
    )


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--steps-per-execution", "0"], "steps per execution must be at least 1, got 0"),
        (["--cache-on-device"], "--cache-on-device needs decoded images: add --cache-decoded"),
    ],
)
def test_bad_settings_are_one_line_before_training(argv, says, tmp_path):
    folder = tmp_path / "faces"
    folder.mkdir()
    out = tmp_path / "x"
    r = run_cli_here("train", "--out", out, "--dataset", folder, *argv)
    assert r.returncode == 2
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("latent-explorer train: error: ") and says in line
    config = TrainConfig.from_options(
        out=str(out), dataset=str(folder),
        steps_per_execution=0 if "0" in argv else None, cache_on_device="0" not in argv,
    )  # fmt: skip
    with pytest.raises(InvalidParameter, match=says.replace("-", "\\-")):
        config.validate()
    assert not out.exists()


def test_under_the_mixed_policy_the_heads_output_and_losses_stay_float32():
    import numpy as np

    from explorer.core.model.nets import build_model
    from explorer.core.training.accelerator import dtype_policy

    config = TrainConfig.from_options(**{**BASE, "out": "x"}).model_config()
    with dtype_policy("mixed_bfloat16"):
        model = build_model(config)
    assert model.encoder.get_layer("conv_0").compute_dtype == "bfloat16"
    assert model.encoder.get_layer("mu").compute_dtype == "float32"
    assert model.encoder.get_layer("logvar").compute_dtype == "float32"
    assert model.sampling.compute_dtype == "float32"
    assert model.decoder.get_layer("image").compute_dtype == "float32"
    total, reco, kl = model.losses_for(np.full((2, 28, 28, 1), 0.5, "float32"))
    assert total.dtype == reco.dtype == kl.dtype == "float32"
