"""The window's training form is made from the option declarations: a widget for every option,
the same checks and messages as the command line, the same config for the same values."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from explorer.cli import build_parser
from explorer.commands.train import options_from_args
from explorer.core.training.train_options import OPTIONS, TrainConfig
from explorer.gui.widgets.param_fields import make_widget, read_value
from tests.conftest import TINY
from tests.helpers import run_cli_here

# the objectNames of the form before it was generated (scripts and tests find them by name)
NAMES = [
    "trainKind", "trainPreset", "trainFilters", "trainKernels", "trainStrides", "trainZDim",
    "trainActivation", "trainBatchNorm", "trainDropout", "trainDense", "trainKlWeight",
    "trainEpsClip", "trainReconstruction", "trainDataset", "trainBrowseFolder",
    "trainBrowseArrays", "trainImageSize", "trainMaxImages", "trainValidation", "trainEpochs",
    "trainBatchSize", "trainLearningRate", "trainSeed", "trainOut", "trainBrowseOut",
    "trainOverwrite", "trainStart", "trainCancel", "trainResume", "trainMessage", "trainProgress",
    "trainStatus", "trainQueue", "trainDevice", "trainLogScale", "trainExploreSlot",
    "trainExplore", "trainMixedPrecision", "trainJitCompile", "trainStepsPerExecution",
    "trainCacheOnDevice", "trainTensorboard", "trainTensorboardCommand",
]  # fmt: skip

# one value for every option, as a flag's text and as the window gets it from a script
SAMPLE = {
    "kind": ("ae", "ae"),
    "preset": ("celeba64", "celeba64"),
    "filters": ("8,16", [8, 16]),
    "kernel_sizes": ("3,5", [3, 5]),
    "strides": ("2,2", [2, 2]),
    "padding": ("same", ["same"]),
    "activation": ("selu", "selu"),
    "batch_norm": (None, True),  # --batch-norm
    "dropout": ("0.25", 0.25),
    "dense_units": ("64", 64),
    "z_dim": ("4", 4),
    "kl_weight": ("2.5", 2.5),
    "eps_clip": ("3", 3.0),
    "reconstruction": ("mse", "mse"),
    "dataset": ("mnist", "mnist"),
    "image_size": ("32", 32),
    "data_range": ("0:255", (0.0, 255.0)),
    "max_images": ("300", 300),
    "cache_decoded": (None, True),  # --cache-decoded
    "validation_split": ("0.2", 0.2),
    "epochs": ("3", 3),
    "batch_size": ("64", 64),
    "learning_rate": ("0.001", 0.001),
    "seed": ("7", 7),
    "mixed_precision": (None, True),  # --mixed-precision
    "jit_compile": (None, True),  # --jit-compile
    "steps_per_execution": ("4", 4),
    "cache_on_device": (None, True),  # --cache-on-device
    "tensorboard": ("tb-logs", "tb-logs"),
    "strategy": ("multi-worker", "multi-worker"),
    "cluster": ("127.0.0.1:2222,127.0.0.1:2223", ["127.0.0.1:2222", "127.0.0.1:2223"]),
    "worker_index": ("0", 0),
}


@pytest.fixture
def panel(training_panel):
    return training_panel


def test_every_option_has_its_widget_and_old_names_stay(panel):
    for o in OPTIONS:
        found = panel.findChildren(QWidget, o.widget)
        assert found == [panel.form.widgets[o.name]], o.name
        assert found[0].toolTip() == o.help
    for name in NAMES:
        assert panel.findChild(QWidget, name) is not None, name
    assert not hasattr(panel, "set_device")


def test_one_declaration_type_and_one_widget_factory_for_options_samplers_and_maps(qtbot):
    """A training option, a sampler's parameter and a map method's option are one type; the
    same declaration gets the same widget from the one factory, whoever asks for it."""
    from explorer.core.latent.samplers import SAMPLERS
    from explorer.core.params import Param
    from explorer.core.stats.maps import MAP_METHODS

    every = [*OPTIONS, *(p for s in SAMPLERS.values() for p in s.params)]
    every += [q for m in MAP_METHODS.values() for q in m.params]
    assert {type(p) for p in every} == {Param}
    kinds = {
        "choice": QComboBox, "dataset": QComboBox, "bool": QCheckBox, "ints": QLineEdit,
        "strs": QLineEdit, "range": QLineEdit, "path": QLineEdit, "vector": QLineEdit,
    }  # fmt: skip
    for p in every:
        w = make_widget(p, "x")
        qtbot.addWidget(w)
        spin = {"int": QSpinBox, "float": QDoubleSpinBox}.get(p.kind) if p.spin else None
        assert isinstance(w, spin or kinds.get(p.form, QLineEdit)), p.name
        if p.default is not None and p.image_index is None:  # it shows its default
            assert p.check(read_value(p, w)) == p.check(p.default), p.name
    # a sampler's number with a spin range gets a spin box, as a training option does
    steps = Param("steps", "int", 7, "steps", "steps", "s", low=1, high=100, spin=(1, 100))
    w = make_widget(steps)
    qtbot.addWidget(w)
    assert isinstance(w, QSpinBox) and w.value() == 7 and read_value(steps, w) == 7


def test_the_window_and_the_command_line_build_the_same_config(panel, tmp_path):
    assert set(SAMPLE) == {o.name for o in OPTIONS}  # a new option needs a sample here
    out = str(tmp_path / "same")
    argv = ["train", "--out", out]
    for name, (text, _) in SAMPLE.items():
        flag = next(o.flag for o in OPTIONS if o.name == name)
        argv += [flag] if text is None else [flag, text]
    cli = TrainConfig.from_options(**options_from_args(build_parser().parse_args(argv)))
    panel.set_options(out=out, **{name: value for name, (_, value) in SAMPLE.items()})
    window = TrainConfig.from_options(**panel.options())
    assert window == cli
    for o in OPTIONS:  # every value differs from its default: no field was left out
        assert getattr(window, o.name) != o.default, o.name
    assert panel.validate_now(), panel.message.text()


def test_the_window_starts_from_the_command_line_defaults(panel, tmp_path):
    out = str(tmp_path / "defaults")
    panel.form.out.setText(out)
    window = TrainConfig.from_options(**panel.options())
    cli = TrainConfig.from_options(**options_from_args(build_parser().parse_args(
        ["train", "--out", out])))  # fmt: skip
    # the form shows the preset's architecture where the command line leaves it to the preset
    assert window.model_config() == cli.model_config()
    for o in OPTIONS:
        if not o.architecture:
            assert getattr(window, o.name) == getattr(cli, o.name), o.name


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("eps_clip", "0", 0.0),
        ("max_images", "1", 1),
        ("strides", "3,3,3", [3, 3, 3]),
        ("padding", "valid", ["valid"]),
        ("data_range", "5:5", (5.0, 5.0)),
        ("dataset", "no-such-folder", "no-such-folder"),
    ],
)
def test_a_bad_value_gives_the_command_lines_message(panel, tmp_path, name, text, value):
    out = tmp_path / "bad"
    flag = next(o.flag for o in OPTIONS if o.name == name)
    tiny_flags = ["--filters", "8,16,16", "--max-images", "256", "--batch-size", "32"]
    r = run_cli_here("train", "--out", out, *tiny_flags, flag, text)
    assert r.returncode == 2
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("latent-explorer train: error: ")
    panel.set_options(**{**TINY, "out": str(out), name: value})
    assert not panel.validate_now()
    assert panel.message.text() == line.removeprefix("latent-explorer train: error: ")
    assert not panel.start_button.isEnabled()


def test_text_that_is_not_a_list_is_the_flags_message(panel):
    panel.filters.setText("8,a")
    assert not panel.validate_now()
    r = run_cli_here("train", "--out", "x", "--filters", "8,a")
    assert r.returncode == 2 and panel.message.text() in r.stderr.splitlines()[-1]


def test_the_tensorboard_button_prints_the_command_line(panel, capsys):
    assert not panel.tensorboard_button.isEnabled()
    panel.set_options(tensorboard="/tmp/tb logs")
    assert panel.tensorboard_button.isEnabled()
    line = panel.tensorboard_command()
    assert line == "tensorboard --logdir '/tmp/tb logs'"
    assert line in capsys.readouterr().out and line in panel.status.text()
    panel.steps_per_execution = 32
    panel.cancel()
    assert "up to 32 batches" in panel.status.text()


def test_a_config_as_command_arguments_reads_back_the_same(tmp_path):
    """The command lines the window shows (the other workers' of a cluster) mean what the
    form says: every option, away from its default, survives the round trip."""
    from explorer.core.training.train_command import command_arguments

    config = TrainConfig.from_options(
        out=str(tmp_path / "a b"), overwrite=True,
        **{name: value for name, (_, value) in SAMPLE.items()},
    )  # fmt: skip
    config.data_range = (-1.0, 1.0)  # a negative range reads as one value
    config.batch_norm = False  # --no-batch-norm
    args = command_arguments(config)
    again = TrainConfig.from_options(
        **options_from_args(build_parser().parse_args(["train", *args]))
    )
    # the same model (architecture values that are the preset's are left to the preset),
    # and every other option as given
    assert again.model_config() == config.model_config() and again.filters == [8, 16]
    for o in OPTIONS:
        if not o.architecture:
            assert getattr(again, o.name) == getattr(config, o.name), o.name
    assert "--worker-index=0" not in command_arguments(config, without=("worker_index",))
