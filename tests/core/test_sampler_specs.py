"""The samplers' declarations: consistent, each parameter read and checked by its kind (the
training options' kinds too: one declaration type), and a new declaration is all a new
sampler needs."""

from __future__ import annotations

import re

import numpy as np
import pytest

from explorer.core.errors import InvalidParameter
from explorer.core.latent.sampler_spec import SamplerSpec
from explorer.core.latent.samplers import SAMPLERS, get_sampler, listing
from explorer.core.latent.sampling import sample
from explorer.core.params import KINDS, Limits, Param


def test_declarations_are_consistent():
    widgets = [p.widget for s in SAMPLERS.values() for p in s.params]
    assert len(widgets) == len(set(widgets)) and all(widgets)  # one objectName per field
    assert len({s.label for s in SAMPLERS.values()}) == len(SAMPLERS)
    shared: dict[str, set] = {}
    for spec in SAMPLERS.values():
        assert spec.name and spec.label and callable(spec.draw)
        assert len(spec.keywords) == len(set(spec.keywords))
        for p in spec.params:
            assert p.kind in KINDS and p.label and p.help
            shared.setdefault(p.key, set()).add((p.form, p.choices))
            if p.image_index is None and p.default is not None:
                p.check(p.default, Limits(z_dim=2, points=100))  # defaults are valid
    # A key shared by several samplers is one flag: it must read the same way in each.
    assert all(len(forms) == 1 for forms in shared.values()), shared


def test_listing_has_one_line_per_sampler():
    lines = listing()
    assert [line.split()[0] for line in lines] == list(SAMPLERS)
    pca_grid = lines[list(SAMPLERS).index("pca_grid")]
    assert "PCA plane" in pca_grid and "needs data" in pca_grid
    assert "axis=0 (0..z_dim-1)" in pca_grid and "span=3.0 (>0)" in pca_grid
    assert "covariance=diag (diag|full)" in lines[list(SAMPLERS).index("gmm")]


# kind -> (declaration, readable good text, its value, bad text, what the message says)
LIMITS = Limits(z_dim=4, points=10, images=50)
KIND_CASES = {
    "float": (Param("mean", "float", 0.0), "-1.5", -1.5, "nan", "must be finite"),
    "positive": (Param("std", "positive", 1.0), "2", 2.0, "-1", "greater than 0"),
    "int": (Param("k", "int", 5, low=1, high="points"), "10", 10, "11", "between 1 and 10"),
    "axis": (Param("axis", "axis", 0), "3", 3, "4", "below 4"),
    "index": (Param("a", "vector", image_index=0), "49", 49, "50", "between 0 and 49"),
    "range": (Param("r", "range", (-2.0, 2.0)), "-1:3", (-1.0, 3.0), "3:-1", "low < high"),
    "choice": (Param("c", "choice", "x", choices=("x", "y")), "y", "y", "z", "one of x, y"),
    "vector": (Param("v", "vector"), "1,2,3,4", [1.0, 2.0, 3.0, 4.0], "1,2", "must have 4"),
    "dims": (Param("d", "dims"), "3, 0", (3, 0), "0,4", r"d must be below 4 \(z_dim\)"),
    "axes": (Param("a", "axes"), "1,2", (1, 2), "1,1", "must not repeat"),
    "indices": (Param("i", "indices"), "10,49", (10, 49), "50", "below 50"),
    "base": (Param("b", "base", "mean"), "index:49", "index:49", "index:50", "between 0 and 49"),
    "name": (Param("a", "name"), " Smiling ", "Smiling", "3,8", "one label or attribute name"),
    # the training options' kinds (any text reads as a data set or a folder: None, no bad text)
    "bool": (Param("b", "bool", False), " On ", True, "maybe", "b must be on or off"),
    "ints": (Param("f", "ints", low=1), "32, 64;128", [32, 64, 128], "8,0", "f must be at least 1"),
    "strs": (Param("p", "strs"), "same; valid", ["same", "valid"], " , ", "p must be a list"),
    "dataset": (Param("d", "dataset", "mnist", choices=("mnist",)), "faces/", "faces/", None, ""),
    "path": (Param("t", "path"), " runs/tb ", "runs/tb", None, ""),
}


def test_every_kind_has_a_case():
    assert set(KIND_CASES) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(KIND_CASES))
def test_each_kind_reads_and_checks(kind):
    p, good, value, bad, says = KIND_CASES[kind]
    assert p.form == kind
    np.testing.assert_equal(p.parse(good, LIMITS), value)
    if bad is not None:
        with pytest.raises(InvalidParameter, match=says):
            p.parse(bad, LIMITS)


@pytest.mark.parametrize(
    "spec, bad, says",
    [
        (
            dict(kind="float", low=0, high=1, high_open=True),
            "1",
            "s must be at least 0 and below 1, got 1",
        ),
        (dict(kind="float", low=0, low_open=True), "0", "s must be greater than 0, got 0"),
        (dict(kind="float", low=-1, high=1), "2.5", "s must be between -1 and 1, got 2.5"),
        (dict(kind="int", low=2), "1", "s must be at least 2, got 1"),
        (dict(kind="int", high=9), "10", "s must be at most 9, got 10"),
        (dict(kind="choice", choices=("a", "b")), "c", "s must be one of a, b"),
    ],
)
def test_bounds_of_numbers_and_choices(spec, bad, says):
    p = Param("s", **spec)
    with pytest.raises(InvalidParameter, match=f"^{re.escape(says)}"):
        p.parse(bad)


def test_a_choice_the_parser_leaves_open_is_left_to_the_core():
    preset = Param("preset", "choice", "mnist", choices=("mnist",), strict=False)
    assert preset.parse("celeba-like") == "celeba-like"  # the preset's own check names them


@pytest.mark.parametrize(
    "kind", ["float", "positive", "int", "axis", "index", "range", "dims", "axes", "indices"]
)
def test_unreadable_text_names_the_field(kind):
    p = KIND_CASES[kind][0]
    with pytest.raises(InvalidParameter, match="^my field must be"):
        p.parse("what?", LIMITS, what="my field")


def test_lists_and_bases():
    dims, base = KIND_CASES["dims"][0], KIND_CASES["base"][0]
    assert dims.parse("", LIMITS) is None and dims.check([]) is None  # not given
    assert dims.check([7, 9]) == (7, 9)  # z_dim not known yet
    assert [base.parse(t, LIMITS) for t in ("mean", " origin ")] == ["mean", "origin"]
    with pytest.raises(InvalidParameter, match="b must be mean, origin or index:N"):
        base.parse("index:x", LIMITS)
    assert Param("d", "dims", (0, 2), "h", "l").text_default == "0,2"


def test_bounds_not_known_yet_are_left_for_later():
    axis, k = KIND_CASES["axis"][0], KIND_CASES["int"][0]
    assert axis.check(99) == 99 and k.check(99) == 99  # no z_dim, no data yet
    with pytest.raises(InvalidParameter, match="at least 1"):
        k.check(0)


def test_unknown_sampler_is_one_line():
    with pytest.raises(InvalidParameter, match="unknown sampler 'x'; known: normal, uniform"):
        get_sampler("x")


def _draw_shift(rng, n, z_dim, data, offset, cols):
    return np.full((n, z_dim), offset) + np.arange(n)[:, None] // cols


def test_a_new_declaration_is_a_new_sampler(monkeypatch):
    spec = SamplerSpec(
        "shift",
        "Shifted rows",
        _draw_shift,
        (Param("offset", "float", 1.0, "added to every component", "offset", "shiftOffset"),),
        grid=True,
    )
    monkeypatch.setitem(SAMPLERS, "shift", spec)
    s = sample("shift", 6, 2, offset=0.5, cols=3)
    assert s.description == {
        "sampler": "shift",
        "n": 6,
        "z_dim": 2,
        "seed": 0,
        "offset": 0.5,
        "cols": 3,
    }
    np.testing.assert_array_equal(s.z[:, 0], [0.5, 0.5, 0.5, 1.5, 1.5, 1.5])
    np.testing.assert_array_equal(sample(**s.description).z, s.z)
    with pytest.raises(InvalidParameter, match="offset must be finite"):
        sample("shift", 6, 2, offset=float("inf"))
    assert listing()[-1].startswith("shift        Shifted rows")
