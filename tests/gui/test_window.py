"""The window on the shipped models: start, sampling, shared z-points, export, errors, t-SNE."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

METHODS = [
    "Normal",
    "Uniform",
    "PCA axis",
    "PCA plane",
    "Fitted Gaussian",
    "Gaussian mixture",
    "Interpolate",
    "2-D grid",
    "Traverse",
    "Attribute vector",
]
NAMES = [
    "modelSlotA",
    "modelSlotB",
    "samplerMethod",
    "uniformLimit",
    "normalStd",
    "pcaAxis",
    "gridRows",
    "gridCols",
    "samplerSeed",
    "resampleButton",
    "gridViewA",
    "gridViewB",
    "radiusHistogram",
    "componentHistogram",
    "mapView",
    "selectionView",
]


def child(window, cls, name):
    found = window.findChild(cls, name)
    assert found is not None, name
    return found


def test_opens_with_shipped_models(window):
    assert window.objectName() == "MainWindow"
    assert window.slots["A"].model.name == "mnist_ae"
    assert window.slots["B"].model.name == "mnist_vae"
    for name in NAMES:
        child(window, QWidget, name)
    combo = child(window, QComboBox, "samplerMethod")
    assert [combo.itemText(i) for i in range(combo.count())] == METHODS
    assert child(window, QAction, "actionOpenModel").isEnabled()
    assert child(window, QAction, "actionExportGrid").isEnabled()
    assert child(window, QAction, "actionTrain").isEnabled()
    for slot in "AB":
        assert window.slots[slot].grid is not None
        assert window.grids.views[slot].images
        assert window.slots[slot].summary is not None
    assert "mnist_ae" in child(window, QLabel, "modelInfoA").text()
    assert window.sampler_result is not None


def test_window_hands_the_gil_over_every_millisecond(window):
    import sys

    from explorer.gui.tasks.workers import GIL_SWITCH_INTERVAL_S

    assert GIL_SWITCH_INTERVAL_S == 0.001
    assert sys.getswitchinterval() == pytest.approx(GIL_SWITCH_INTERVAL_S)


def _select(window, qtbot, method, field=None, text=None):
    combo = child(window, QComboBox, "samplerMethod")
    combo.setCurrentIndex(METHODS.index(method))
    if field is not None:
        edit = child(window, QLineEdit, field)
        edit.selectAll()
        qtbot.keyClicks(edit, text)


def test_uniform_resample_changes_both_grids(window, qtbot):
    before = {s: window.slots[s].grid.image.copy() for s in "AB"}
    _select(window, qtbot, "Uniform", "uniformLimit", "2")
    qtbot.mouseClick(child(window, QPushButton, "resampleButton"), Qt.MouseButton.LeftButton)
    assert window.wait_idle(60_000)
    for s in "AB":
        grid = window.slots[s].grid
        assert window.slots[s].spec.sampler == "uniform"
        assert grid.samples.description["limit"] == 2.0
        assert not np.array_equal(grid.image, before[s])
        assert np.abs(grid.samples.z).max() <= 2.0


def test_resample_draws_new_points_and_the_seed_box_reproduces_them(window, qtbot):
    _select(window, qtbot, "Normal")
    assert window.wait_idle(60_000)
    seed = window.sampler.seed.value()
    first = window.slots["A"].grid.samples.z.copy()
    window.show_tile("A", 3)  # as a click on tile 3 (test_click_tile_shows_z_...)
    assert window.grids.shown_tile == ("A", 3)
    qtbot.mouseClick(child(window, QPushButton, "resampleButton"), Qt.MouseButton.LeftButton)
    assert window.wait_idle(60_000)
    assert window.sampler.seed.value() == seed + 1  # shown in the seed box
    z = window.slots["A"].grid.samples.z
    assert not np.array_equal(z, first)
    # the enlarged tile's description follows the new grid
    assert f"{z[3][0]:.2f}" in window.grids.tile_text.text()
    window.sampler.seed.setValue(seed)  # typing the old seed draws the old grid again
    assert window.wait_idle(60_000)
    np.testing.assert_array_equal(window.slots["A"].grid.samples.z, first)
    window.resample()  # the script API, as R
    assert window.wait_idle(60_000) and window.sampler.seed.value() == seed + 1


@pytest.mark.parametrize("method", ["PCA axis", "Fitted Gaussian"])
def test_data_derived_samplers_draw_each_slots_points_from_its_own_encodings(window, qtbot, method):
    from explorer.core.latent.grids import sample_z
    from explorer.core.latent.sampling import LatentData

    _select(window, qtbot, method)
    assert window.wait_idle(60_000)
    assert not window.sampler.same_z.isEnabled() and not window.sampler.same_points()
    za, zb = (window.slots[s].grid.samples.z for s in "AB")
    assert not np.allclose(za, zb)  # the AE's and the VAE's codes differ
    for name in "AB":
        s = window.slots[name]
        own = sample_z(s.spec, s.model.z_dim, LatentData.of(s.encodings)).z
        np.testing.assert_allclose(s.grid.samples.z, own, rtol=1e-5, atol=1e-5)
        assert window.sampler_result[name]["shared"] is False
    _select(window, qtbot, "Normal")
    assert window.wait_idle(60_000)


def test_same_z_points_reach_a_and_b(window):
    assert window.sampler.same_points()
    za, zb = (window.slots[s].grid.samples.z for s in "AB")
    assert za.shape == (64, 16)
    np.testing.assert_array_equal(za, zb)


def test_live_histogram_update(window, qtbot):
    _select(window, qtbot, "Normal", "normalStd", "3")
    assert "summary" in window.pending  # the live summary waits for the typing to stop
    assert window.wait_idle(60_000)
    radii = window.sampler_result["A"]["radii"]
    assert 8 < radii.mean() < 16  # about 3 * sqrt(16)
    assert window.sampler_result["A"]["expected"]["mean"] == pytest.approx(3 * 3.94, rel=0.02)


def test_component_change_redraws_only_its_curve(window):
    panel = window.histograms
    assert window.wait_idle(60_000)
    heatmap, curve = panel.component_plot.figure, panel.curve_plot.figure
    assert heatmap.axes[0].get_images()  # the heatmap of all components is on screen
    panel.component.setValue(5)
    assert window.wait_idle(30_000)
    assert panel.component_plot.figure is heatmap  # untouched
    assert panel.curve_plot.figure is not curve
    assert "component 5" in panel.curve_plot.figure.axes[0].get_title()
    window.sampling.refresh_sampler_summary()  # new sampler draws: the curve's overlay, not the heatmap
    assert window.wait_idle(30_000)
    assert panel.component_plot.figure is heatmap
    panel.source.setCurrentText("B")
    assert window.wait_idle(30_000)
    assert panel.component_plot.figure is not heatmap
    assert "B (mnist_vae)" in panel.component_plot.figure.axes[0].get_title()
    panel.source.setCurrentText("A")
    assert window.wait_idle(30_000)


def test_export_grid_png_and_sidecar(window, tmp_path):
    spec = window.slots["A"].spec
    written = window.export_grid("A", tmp_path / "a.png")
    names = sorted(p.name for p in written)
    assert names == ["a.json", "a.npy", "a.png"]
    size = (
        spec.cols * 28 + (spec.cols + 1) * spec.padding,
        spec.rows * 28 + (spec.rows + 1) * spec.padding,
    )
    assert Image.open(tmp_path / "a.png").size == size
    info = json.loads((tmp_path / "a.json").read_text())
    assert info["sampler"] == spec.sampler and info["model"]["name"] == "mnist_ae"
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), window.slots["A"].grid.samples.z)
    assert (info["slot"], info["z_points"]) == ("A", "own")
    sharp = window.export_grid("B", tmp_path / "b.png", sharpened=True)
    shared = window.sampler.same_points() and window.slots["B"].spec.sampler in (
        "normal",
        "uniform",
    )
    b_info = json.loads((tmp_path / "b.json").read_text())
    assert b_info["z_points"] == ("A's" if shared else "own")  # the sidecar records which
    assert (tmp_path / "b.sharp.png") in sharp
    assert Image.open(tmp_path / "b.sharp.png").size == Image.open(tmp_path / "b.png").size


def test_invalid_parameter_shows_message_and_changes_nothing(window, qtbot):
    _select(window, qtbot, "Uniform", "uniformLimit", "2")
    assert window.wait_idle(60_000)
    grids = {s: window.slots[s].grid for s in "AB"}
    _select(window, qtbot, "Uniform", "uniformLimit", "-1")
    error = child(window, QLabel, "samplerError")
    assert "greater than 0" in error.text()
    assert not child(window, QPushButton, "resampleButton").isEnabled()
    assert "ffd6d6" in child(window, QLineEdit, "uniformLimit").styleSheet()
    assert window.resample() is False
    assert window.wait_idle(10_000)
    assert all(window.slots[s].grid is grids[s] for s in "AB")
    _select(window, qtbot, "Uniform", "uniformLimit", "2")
    assert error.text() == ""
    assert child(window, QPushButton, "resampleButton").isEnabled()


def test_sampler_menu_and_pages_follow_the_declarations(window):
    from explorer.core.latent.samplers import SAMPLERS
    from tests.helpers import run_cli_here

    listed = run_cli_here("sample", "--list-samplers").stdout.splitlines()
    combo = child(window, QComboBox, "samplerMethod")
    names = [combo.itemData(i) for i in range(combo.count())]
    assert names == [line.split()[0] for line in listed] == list(SAMPLERS)
    assert [combo.itemText(i) for i in range(combo.count())] == [s.label for s in SAMPLERS.values()]
    stack = window.sampler.stack
    for i, spec in enumerate(SAMPLERS.values()):
        for p in spec.params:
            field = child(window, QWidget, p.widget)
            assert stack.widget(i).isAncestorOf(field), (spec.name, p.widget)
            assert field.toolTip() == p.help


def test_pca_plane_resamples(window, qtbot):
    _select(window, qtbot, "PCA plane", "pcaGridSpan", "2")
    assert window.sampler.params() == {"axis": 0, "axis2": 1, "span": 2.0}
    qtbot.mouseClick(child(window, QPushButton, "resampleButton"), Qt.MouseButton.LeftButton)
    assert window.wait_idle(60_000)
    for s in "AB":
        grid = window.slots[s].grid
        assert window.slots[s].spec.sampler == "pca_grid"
        assert grid.samples.z.shape == (64, 16)
        d = grid.samples.description
        assert (d["axis"], d["axis2"], d["span"], d["cols"]) == (0, 1, 2.0, 8)
    assert window.sampler_result["A"]["n"] == 64  # the summary draws the same grid
    _select(window, qtbot, "Uniform")
    assert window.wait_idle(60_000)


def test_traverse_lays_out_components_by_steps(window, qtbot):
    _select(window, qtbot, "Traverse", "traverseDims", "0,3,5")
    _select(window, qtbot, "Traverse", "traverseSteps", "7")
    qtbot.mouseClick(child(window, QPushButton, "resampleButton"), Qt.MouseButton.LeftButton)
    assert window.wait_idle(60_000)
    for s in "AB":
        spec, d = window.slots[s].spec, window.slots[s].grid.samples.description
        assert (spec.sampler, spec.rows, spec.cols) == ("traverse", 3, 7)
        assert (d["dims"], d["steps"], d["cols"]) == ([0, 3, 5], 7, 7)
    assert window.sampler_result["A"]["n"] == 21
    _select(window, qtbot, "Uniform")
    assert window.wait_idle(60_000)


def test_attribute_sweep_in_the_window_uses_labels_and_mu(window, qtbot):
    import numpy as np

    _select(window, qtbot, "Attribute vector", "attributeName", "3")
    _select(window, qtbot, "Attribute vector", "attributeTo", "8")
    _select(window, qtbot, "Attribute vector", "attributeBases", "1500,1501")
    assert not child(window, QSpinBox, "gridRows").isEnabled()  # the sampler lays out its grid
    assert not window.sampler.same_z.isEnabled()  # each slot from its own encodings
    qtbot.mouseClick(child(window, QPushButton, "resampleButton"), Qt.MouseButton.LeftButton)
    assert window.wait_idle(60_000)
    for name in "AB":
        s = window.slots[name]
        assert window.grids.views[name].message == ""
        d = s.grid.samples.description
        vae = s.model.kind == "vae"
        assert (s.spec.rows, d["data_from"]) == (2, "mu" if vae else "z")
        enc = s.encodings
        codes, labels = (enc.mu if vae else enc.z), np.asarray(enc.labels)
        vector = codes[labels == 8].mean(axis=0) - codes[labels == 3].mean(axis=0)
        base = codes[list(enc.indices).index(1500)]
        z = s.grid.samples.z.reshape(2, s.spec.cols, -1)
        alphas = np.linspace(*d["alpha"], s.spec.cols)
        np.testing.assert_allclose(z[0], base + alphas[:, None] * vector, rtol=1e-4, atol=1e-4)
    _select(window, qtbot, "Uniform")
    assert window.sampler.same_z.isEnabled() and window.sampler.same_points()
    assert child(window, QSpinBox, "gridRows").isEnabled()
    assert window.wait_idle(60_000)


def test_click_tile_shows_z_and_nearest_image(window, qtbot):
    view = window.grids.views["B"]
    target = view._rects[0]
    pos = target.topLeft().toPoint() + (target.bottomRight() - target.topLeft()).toPoint() / 16
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pos)
    text = child(window, QLabel, "tileInfo").text()
    assert "B, tile 0" in text and "radius" in text and "nearest encoded image" in text
    assert not child(window, QLabel, "tileNearest").pixmap().isNull()


def test_load_failure_keeps_the_model(window, tmp_path):
    window.load_model("A", tmp_path / "missing_bundle")
    assert window.wait_idle(60_000)
    assert window.slots["A"].model.name == "mnist_ae"
    assert "could not load" in window.statusBar().currentMessage()
    box = window.findChild(QMessageBox, "loadErrorBox")
    assert box is not None and box.isVisible()
    box.close()


def test_export_plots_and_z_points(window, tmp_path):
    from explorer.gui.window.menus import export_plots

    written = export_plots(window, str(tmp_path))
    names = {p.name for p in written}
    # plots showing only a message (losses before a training) are skipped; the map is
    # exported when it has points
    drawn = {stem for stem, plot in window.plots().items() if plot.figure is not None}
    has_map = window.projection.map.points is not None
    assert has_map == ({"map.png", "map.svg", "map.pdf"} <= names)
    assert {"radius_histogram", "component_histograms", "component_curve"} <= drawn
    for stem in window.plots():
        expected = {f"{stem}.png", f"{stem}.svg", f"{stem}.pdf"}
        assert expected <= names if stem in drawn else not expected & names
    assert all(p.stat().st_size > 0 for p in written)


def test_swap_clear_and_reload(window, qtbot):
    window.swap_slots()
    assert window.slots["A"].model.name == "mnist_vae"
    assert "mnist_vae" in window.grids.views["A"].title
    window.swap_slots()
    window.clear_slot("B")
    assert window.wait_idle(30_000)
    assert window.slots["B"].model is None and not window.grids.views["B"].images
    from explorer.core.util.paths import shipped_model

    with qtbot.waitSignal(window.idle, timeout=120_000):
        window.load_model("B", shipped_model("mnist_vae_tinykl"))
    assert window.wait_idle(60_000)
    assert window.slots["B"].model.name == "mnist_vae_tinykl"
    assert window.slots["B"].grid is not None
    assert window.slots["B"].summary["diagnostics"]["logvar_mean"] < -5
