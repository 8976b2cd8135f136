"""The training options are declared once: the command line's flags come from the declarations,
with the same defaults, choices and help, and one check serves every front end."""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np
import pytest

from explorer.cli import build_parser
from explorer.commands.train import options_from_args
from explorer.core.data.sources import open_dataset
from explorer.core.errors import DatasetError, InvalidParameter
from explorer.core.model.store import read_meta
from explorer.core.training.train_options import OPTIONS, TrainConfig, check_dataset
from tests.helpers import run_cli_here

NOT_OPTIONS = {"out", "resume", "overwrite"}  # where the bundle goes: hand-written flags


def train_parser() -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["train"]


def cli_config(*argv: str) -> TrainConfig:
    args = build_parser().parse_args(["train", *map(str, argv)])
    return TrainConfig.from_options(**options_from_args(args))


def test_every_field_is_an_option_or_a_hand_written_flag():
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    assert {o.name for o in OPTIONS} == fields - NOT_OPTIONS
    for o in OPTIONS:
        assert o.widget.startswith("train") and o.label, o.name
        assert o.section in ("model", "data"), o.name
        assert o.kind in (
            "choice",
            "int",
            "float",
            "bool",
            "ints",
            "strs",
            "range",
            "dataset",
            "path",
        )


def test_every_option_has_its_flag_with_the_declared_default_choices_and_help():
    actions = {a.dest: a for a in train_parser()._actions if a.dest != "help"}
    # every field, and how the command reports (not a training option)
    assert set(actions) == {f.name for f in dataclasses.fields(TrainConfig)} | {"events_json"}
    for o in OPTIONS:
        action = actions[o.name]
        assert action.option_strings[0] == o.flag, o.name
        assert action.default == o.default, o.name
        assert action.help == (o.help or None), o.name
        if o.kind == "choice" and o.strict:
            assert tuple(action.choices) == o.choices, o.name
        else:
            assert action.choices is None, o.name
    assert cli_config("--out", "x") == TrainConfig(out="x")


def test_flags_give_the_declared_types():
    config = cli_config(
        "--out", "x", "--filters", "8,16", "--padding", "same", "--data-range=-1:1",
        "--batch-norm", "--cache-decoded", "--max-images", "300", "--learning-rate", "1e-3",
    )  # fmt: skip
    assert config.filters == [8, 16] and config.padding == ["same"]
    assert config.data_range == (-1.0, 1.0) and config.batch_norm is True
    assert config.cache_decoded is True and config.max_images == 300
    assert config.learning_rate == 1e-3
    assert cli_config("--out", "x", "--no-batch-norm").batch_norm is False


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--epochs", "0"], "epochs must be at least 1, got 0"),
        (["--batch-size", "0"], "batch size must be at least 1, got 0"),
        (["--learning-rate", "0"], "learning rate must be greater than 0, got 0"),
        (["--max-images", "1"], "max images must be at least 2, got 1"),
        (["--validation-split", "1"], "validation split must be at least 0 and below 1, got 1"),
        (["--data-range", "1:0"], "data range must have low < high, got 1:0"),
        (["--eps-clip", "0"], "eps clip must be > 0, got 0.0"),
        (
            ["--preset", "mnist96"],
            "unknown preset 'mnist96'; choose one of mnist, celeba96, celeba64",
        ),
        (["--dataset", "no-such-folder"], "no-such-folder: no such data set; use mnist-5k"),
    ],
)
def test_a_bad_value_is_the_same_line_from_the_command_line_and_the_config(argv, says, tmp_path):
    out = tmp_path / "x"
    r = run_cli_here("train", "--out", out, *argv)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        f"latent-explorer train: error: {_message(cli_config('--out', out, *argv))}"
    ]
    assert says in r.stderr
    assert not out.exists()


def _message(config: TrainConfig) -> str:
    with pytest.raises(InvalidParameter) as info:
        config.validate()
    return str(info.value)


@pytest.mark.parametrize("name", ["missing", "missing.npz", "notes.txt", ""])
def test_the_data_set_check_says_what_opening_it_would(name, tmp_path):
    (tmp_path / "notes.txt").write_text("not images")
    spec = str(tmp_path / name) if name else ""
    with pytest.raises(InvalidParameter) as checked:
        check_dataset(spec)
    if spec:  # opening "" would open the current folder; the check refuses it
        with pytest.raises(DatasetError) as opened:
            open_dataset(spec)
        assert str(checked.value) == str(opened.value)
    else:
        assert str(checked.value).startswith("no data set: no such data set")


def test_existing_data_sets_pass_the_check(tmp_path):
    np.save(tmp_path / "a.npy", np.zeros((4, 28, 28), np.uint8))
    for spec in ("mnist-5k", "mnist", "fashion-mnist", str(tmp_path), str(tmp_path / "a.npy")):
        check_dataset(spec)


def test_meta_records_the_options_declared_to_be_recorded(tiny_bundles):
    from tests.conftest import TINY

    config = TrainConfig.from_options(**{**TINY, "kind": "ae", "epochs": 1, "out": "x"})
    meta = read_meta(tiny_bundles["ae"])
    recorded = [(o, section) for o in OPTIONS for section in o.record]
    assert {o.name for o, _ in recorded} >= {"preset", "max_images", "batch_size", "seed"}
    for o, section in recorded:
        where = meta[section] if section else meta
        assert where[o.name] == getattr(config, o.name), (section, o.name)
