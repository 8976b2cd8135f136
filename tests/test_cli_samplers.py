"""The sampler flags of ``sample``/``compare`` are generated from the declarations: one line per
sampler in ``--list-samplers``, each declared parameter a flag that reads and checks it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from explorer.commands.sampler_options import image_indices, sampler_params
from explorer.core.errors import InvalidParameter
from explorer.core.latent.samplers import SAMPLERS
from tests.helpers import ROOT, run_cli_here


def test_list_samplers_lists_the_registry_without_a_model():
    r = run_cli_here("sample", "--list-samplers")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(SAMPLERS)
    for line, spec in zip(lines, SAMPLERS.values(), strict=True):
        assert spec.label in line and ("needs data" in line) == spec.needs_data
        assert all(p.key in line for p in spec.params)
    assert run_cli_here("compare", "--list-samplers").stdout == r.stdout


def test_list_samplers_does_not_import_tensorflow():
    code = (
        "import sys\nfrom explorer.cli import main\n"
        "try:\n    main(['sample', '--list-samplers'])\nexcept SystemExit as e:\n"
        "    assert e.code == 0, e.code\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "False False"


def _args(*flags: str):
    from explorer.cli import build_parser

    return build_parser().parse_args(["sample", "model", "--out", "x.png", *flags])


# One flag per kind: a good value (what the sampler gets) and a bad one (what is said).
GOOD_AND_BAD = [
    ("normal", "--mean", "0.5", {"mean": 0.5}, "nan", "mean must be finite"),
    ("normal", "--std", "2", {"std": 2.0}, "0", "std must be greater than 0"),
    ("uniform", "--limit", "1e3", {"limit": 1000.0}, "1e308", "limit must be within float32"),
    ("gmm", "--components", "3", {"components": 3}, "0", "components must be at least 1"),
    ("pca", "--axis", "2", {"axis": 2}, "-1", "axis must be at least 0"),
    ("pca_grid", "--axis2", "3", {"axis2": 3}, "-2", "axis2 must be at least 0"),
    ("pca_grid", "--span", "1.5", {"span": 1.5}, "-1", "span must be greater than 0"),
    ("grid2d", "--x-range", "-1:3", {"x_range": (-1.0, 3.0)}, "3:-1", "low < high"),
    ("grid2d", "--y-range", "0:1", {"y_range": (0.0, 1.0)}, "1:1", "low < high"),
    ("traverse", "--dims", "2,5", {"dims": (2, 5)}, "2,2", "dims must not repeat"),
    ("traverse", "--pca-axes", "0,1", {"pca_axes": (0, 1)}, "-1", "at least 0"),
    ("traverse", "--steps", "5", {"steps": 5}, "0", "steps must be between 1 and 100"),
    ("traverse", "--base", "index:7", {"base": "index:7"}, "median", "base must be mean, origin"),
    ("attribute", "--attribute", "Smiling", {"attribute": "Smiling"}, "3,8", "one label"),
    ("attribute", "--to", "8", {"to": "8"}, "8,9", "to must be one label"),
    ("attribute", "--bases", "10,20", {"bases": (10, 20)}, "1,1", "bases must not repeat"),
    ("attribute", "--alpha", "0:2", {"alpha": (0.0, 2.0)}, "2:0", "low < high"),
]


@pytest.mark.parametrize(("sampler", "flag", "good", "value", "bad", "says"), GOOD_AND_BAD)
def test_generated_flags_read_and_check(sampler, flag, good, value, bad, says):
    assert sampler_params(_args("--sampler", sampler, f"{flag}={good}")) == value
    with pytest.raises(InvalidParameter, match=says):
        sampler_params(_args("--sampler", sampler, f"{flag}={bad}"))


@pytest.mark.parametrize(
    "flags",
    [
        ["--mean", "abc"],
        ["--components", "2.5"],
        ["--x-range", "x"],
        ["--covariance", "tied"],
        ["--method", "cubic"],
        ["--start-index", "first"],
        ["--dims", "a,b"],
    ],
)
def test_unreadable_flag_values_stop_argparse(flags, capsys):
    with pytest.raises(SystemExit) as info:
        _args(*flags)
    assert info.value.code == 2
    assert flags[0] in capsys.readouterr().err


def test_choices_and_image_indices():
    args = _args("--sampler", "fitted", "--covariance", "full")
    assert sampler_params(args) == {"covariance": "full"}
    args = _args("--sampler", "interpolate", "--start-index", "3", "--end-index", "7")
    assert sampler_params(args) == {} and image_indices(args) == {"start": 3, "end": 7}
    args = _args("--sampler", "interpolate", "--method", "slerp", "--start-index", "3")
    assert sampler_params(args) == {"method": "slerp"}
    with pytest.raises(InvalidParameter, match="needs --start-index and --end-index"):
        image_indices(args)


def test_range_sets_both_grid_ranges_and_stray_flags_are_refused():
    assert sampler_params(_args("--sampler", "grid2d", "--range=-3:3", "--x-range=0:1")) == {
        "x_range": (0.0, 1.0),
        "y_range": (-3.0, 3.0),
    }
    for flags, named in (
        (["--sampler", "normal", "--limit", "2"], "--limit"),
        (["--sampler", "normal", "--range", "0:1"], "--range"),
        (["--sampler", "pca", "--axis2", "1"], "--axis2"),
        (["--sampler", "uniform", "--start-index", "1"], "--start-index"),
        (["--sampler", "fitted", "--covariance", "full", "--components", "2"], "--components"),
    ):
        sampler = flags[1]
        with pytest.raises(InvalidParameter, match=f"^{named} does not apply to the {sampler}"):
            sampler_params(_args(*flags))
    with pytest.raises(InvalidParameter, match="unknown sampler 'nope'; known: normal"):
        sampler_params(_args("--sampler", "nope"))


def test_every_declared_parameter_is_a_flag():
    for command in ("sample", "compare"):
        shown = run_cli_here(command, "--help").stdout
        for spec in SAMPLERS.values():
            assert all(f"{p.flag} " in shown for p in spec.params), command
        assert "--range RANGE" in shown and "--list-samplers" in shown
