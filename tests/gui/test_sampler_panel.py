"""The sampler panel alone (no models): its menu and fields come from the declarations, and
each field is checked by its parameter's declaration."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.latent.sampler_spec import SamplerSpec
from explorer.core.latent.samplers import SAMPLERS
from explorer.core.params import Param
from explorer.gui.side.sampler_panel import SamplerPanel
from explorer.gui.widgets.param_fields import INVALID_STYLE

# A bad text per kind of field, and what the reason says.
BAD = {
    "normalMean": ("inf", "mean must be finite"),
    "normalStd": ("0", "std must be greater than 0"),
    "gmmComponents": ("0", "components must be at least 1"),
    "pcaGridAxis2": ("16", "row axis must be below 16"),
    "interpEnd": ("100", "to image # must be between 0 and 99"),
    "gridYRange": ("1:-1", "y range must have low < high"),
    "uniformLimit": ("b", "limit b must be a number"),
    "traverseDims": ("3,16", "components must be below 16 (z_dim)"),
    "traversePcaAxes": ("0,0", "PCA axes must not repeat"),
    "traverseSteps": ("0", "steps must be between 1 and 100"),
    "traverseBase": ("index:100", "base point must be between 0 and 99"),
    "attributeName": ("3,8", "attribute must be one label or attribute name"),
    "attributeBases": ("10,100", "base images must be below 100"),
    "attributeAlpha": ("1:0", "alpha must have low < high"),
}


@pytest.fixture
def panel(qtbot):
    panel = SamplerPanel()
    qtbot.addWidget(panel)
    panel.set_limits(16, 100, True)
    return panel


def _show(panel: SamplerPanel, field: str):
    method = next(s.name for s in SAMPLERS.values() if field in (p.widget for p in s.params))
    panel.method.setCurrentIndex(panel.method.findData(method))
    return next(w for w in panel.fields[method].values() if w.objectName() == field)


@pytest.mark.parametrize("field", sorted(BAD))
def test_a_bad_value_is_refused_with_its_reason(panel, field):
    widget = _show(panel, field)
    good = widget.text()
    text, says = BAD[field]
    widget.setText(text)
    assert says in panel.error.text()
    assert widget.styleSheet() == INVALID_STYLE and not panel.is_valid()
    assert not panel.resample_button.isEnabled()
    widget.setText(good)
    assert panel.error.text() == "" and panel.is_valid() and panel.resample_button.isEnabled()


def test_params_keep_their_keys_and_types(panel):
    expected = {
        "normal": {"mean": 0.0, "std": 1.0},
        "pca_grid": {"axis": 0, "axis2": 1, "span": 3.0},
        "interpolate": {"start_index": 0, "end_index": 1, "method": "linear"},
        "grid2d": {"x_range": [-2.0, 2.0], "y_range": [-2.0, 2.0]},
        "traverse": {"dims": None, "pca_axes": None, "steps": 9, "span": 3.0, "base": "mean"},
        "attribute": {
            "attribute": None,
            "to": None,
            "bases": [0],
            "steps": 7,
            "alpha": [-1.5, 1.5],
        },
    }
    for name, params in expected.items():
        panel.method.setCurrentIndex(panel.method.findData(name))
        got = panel.params()
        assert got == params and [type(v) for v in got.values()] == [
            type(v) for v in params.values()
        ], name


def test_old_settings_restore(panel):
    saved = {  # as a window without the PCA plane saved them
        "method": "interpolate",
        "fields": {"interpolate": {"start_index": "3", "end_index": "9", "method": "slerp"}},
        "rows": 4,
        "cols": 6,
        "seed": 7,
        "same_z": False,
    }
    panel.restore(saved)
    assert panel.sampler() == "interpolate" and (panel.rows.value(), panel.cols.value()) == (4, 6)
    assert panel.params() == {"start_index": 3, "end_index": 9, "method": "slerp"}
    assert panel.values()["fields"]["pca_grid"] == {"axis": "0", "axis2": "1", "span": "3.0"}


def test_a_new_declaration_gets_its_menu_item_and_page(qtbot, monkeypatch):
    def draw(rng, n, z_dim, data, steps):
        return np.zeros((n, z_dim))

    steps = Param("steps", "int", 7, "points per dimension", "steps", low=2)
    monkeypatch.setitem(SAMPLERS, "walk", SamplerSpec("walk", "Walk", draw, (steps,)))
    panel = SamplerPanel()
    qtbot.addWidget(panel)
    index = panel.method.findData("walk")
    assert panel.method.itemText(index) == "Walk"
    panel.method.setCurrentIndex(index)
    assert panel.params() == {"steps": 7}
    field = panel.findChild(type(panel.fields["walk"]["steps"]), "walkSteps")
    field.setText("1")
    assert "steps must be at least 2" in panel.error.text()


def test_traverse_is_in_the_menu_with_its_page(panel):
    index = panel.method.findData("traverse")
    assert index >= 0 and panel.method.itemText(index) == "Traverse"
    panel.method.setCurrentIndex(index)
    names = ["traverseDims", "traversePcaAxes", "traverseSteps", "traverseSpan", "traverseBase"]
    assert [w.objectName() for w in panel.fields["traverse"].values()] == names
    fields = {w.objectName(): w for w in panel.fields["traverse"].values()}
    fields["traverseDims"].setText("2, 5")
    fields["traverseSteps"].setText("7")
    fields["traverseBase"].setText("index:12")
    assert panel.is_valid()
    assert panel.params() == {
        "dims": [2, 5],
        "pca_axes": None,
        "steps": 7,
        "span": 3.0,
        "base": "index:12",
    }


def test_attribute_is_in_the_menu_with_its_page(panel):
    index = panel.method.findData("attribute")
    assert index >= 0 and panel.method.itemText(index) == "Attribute vector"
    panel.method.setCurrentIndex(index)
    names = ["attributeName", "attributeTo", "attributeBases", "attributeSteps", "attributeAlpha"]
    assert [w.objectName() for w in panel.fields["attribute"].values()] == names
    fields = {w.objectName(): w for w in panel.fields["attribute"].values()}
    fields["attributeName"].setText(" Smiling")
    fields["attributeBases"].setText("10, 20")
    fields["attributeAlpha"].setText("0:2")
    assert panel.is_valid()
    assert panel.params() == {
        "attribute": "Smiling",
        "to": None,
        "bases": [10, 20],
        "steps": 7,
        "alpha": [0.0, 2.0],
    }


def test_fields_without_a_default_say_what_to_give(panel):
    """A required field (no default: the attribute, the traverse's components) is not a bare
    blank box: its placeholder says what goes there; fields with a value have none."""
    blank = 0
    for method, spec in SAMPLERS.items():
        for p in spec.params:
            widget = panel.fields[method][p.key]
            if p.form == "choice":
                continue
            if p.text_default:
                assert widget.placeholderText() == ""
            else:
                blank += 1
                assert widget.placeholderText() == (p.help or "required"), p.key
    assert blank >= 2  # the attribute and the traverse's components at least
