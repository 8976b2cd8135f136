"""The map in the window: t-SNE forming live, UMAP and PCA, hover, click, lasso and the
selection's actions (decode the mean z, interpolation endpoints, export)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt


def _run(window, panel, method: str, points: int, **fields) -> None:
    window.show_view("map")
    panel.method.setCurrentIndex(panel.method.findData(method))
    panel.points.setValue(points)
    for key, text in fields.items():
        panel.fields[method][key].setText(str(text))
    panel.run()


def test_tsne_forms_live_then_a_cancel_keeps_the_map(window, qtbot):
    panel = window.projection
    window.show_view("map")
    _run(window, panel, "tsne", 400, iterations=250)
    assert window.wait_idle(120_000)
    assert panel.controls.status.text().startswith("done"), panel.controls.status.text()
    # 250 early + 250 normal iterations, a frame every 50 and the initialisation: several
    assert panel._frames >= 5
    xy = panel.map.points
    assert xy.shape == (400, 2) and len(panel.rows) == 400
    assert np.allclose(xy, panel.result.xy)
    assert "t-SNE" in panel.map.title and "forming" not in panel.map.title
    # the rows are a stratified sample of slot A's encoded data, sorted
    assert np.all(np.diff(panel.rows) > 0) and panel.rows[-1] < len(window.slots["A"].encodings)
    first = panel.result
    _run(window, panel, "tsne", 400, iterations=5000)
    qtbot.waitUntil(lambda: panel._frames >= 2, timeout=60_000)  # it is forming on screen
    assert "forming" in panel.map.title
    qtbot.mouseClick(panel.controls.cancel_button, Qt.MouseButton.LeftButton)
    assert window.wait_idle(30_000)
    assert panel.controls.status.text() == "cancelled" and panel.result is first
    # the half-formed map gives way to the one before it, and no frame comes after
    assert np.allclose(panel.map.points, first.xy) and "forming" not in panel.map.title
    qtbot.wait(300)
    assert np.allclose(panel.map.points, first.xy)


def test_large_maps_form_in_a_child_process(window, qtbot, monkeypatch):
    import explorer.core.stats.maps as maps

    monkeypatch.setattr(maps, "CHILD_POINTS", 300)  # 5000 in real use
    panel = window.projection
    _run(window, panel, "tsne", 350, iterations=100)
    assert window.wait_idle(120_000)
    assert panel.controls.status.text().startswith("done"), panel.controls.status.text()
    assert panel._frames >= 2 and panel.map.points.shape == (350, 2)
    assert panel.result.params["child_process"] is True


def test_pca_and_umap_maps(window, qtbot, monkeypatch):
    import explorer.core.stats.maps as maps

    monkeypatch.setattr(maps, "CHILD_POINTS", 200)  # UMAP in a child (see test_maps.py)
    panel = window.projection
    enc = window.slots["B"].encodings  # the VAE: mapped by its means
    panel.slot.setCurrentText("B")
    _run(window, panel, "pca", 600)
    assert window.wait_idle(60_000)
    mu = enc.mu[panel.rows].astype(np.float64)
    centred = mu - mu.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ vt[:2].T
    xy = panel.map.points
    for k in range(2):  # each axis up to its sign
        assert (
            min(np.abs(xy[:, k] - expected[:, k]).max(), np.abs(xy[:, k] + expected[:, k]).max())
            < 1e-3
        )
    assert panel.map.axis_names == ("PC 1", "PC 2")
    _run(window, panel, "umap", 300, neighbors=10)
    assert window.wait_idle(180_000)
    assert panel.controls.status.text().startswith("done"), panel.controls.status.text()
    assert panel.map.points.shape == (300, 2) and "UMAP" in panel.map.title
    assert panel.result.params["child_process"] is True
    panel.fields["umap"]["neighbors"].setText("1")  # below the declared minimum
    assert not panel.controls.run_button.isEnabled()
    panel.fields["umap"]["neighbors"].setText("15")
    assert panel.controls.run_button.isEnabled()
    _run(window, panel, "tsne", 30, perplexity=20)  # too large a perplexity for 30 points
    assert "perplexity" in panel.controls.status.text().lower()
    panel.slot.setCurrentText("A")


def _point_pos(view, xy) -> QPoint:
    px = view.pixel_of(np.asarray(xy, dtype=np.float64)[None])[0]
    return QPoint(round(px[0]), round(px[1]))


def _scroll_to(window, widget, pos: QPoint) -> None:
    """The map view on the stage, so that ``pos`` of ``widget`` is on screen (mouse events
    reach only what is): the view fills its page, nothing to scroll."""
    from PySide6.QtWidgets import QApplication

    window.show_view("map")
    QApplication.processEvents()
    assert widget.visibleRegion().contains(pos)


def test_hover_click_neighbours_and_colours(window, qtbot):
    panel = window.projection
    _run(window, panel, "pca", 800)
    assert window.wait_idle(60_000)
    view = panel.map
    assert view.isVisible()
    xy = view.points
    k = int(np.argmin(np.abs(xy - np.median(xy, axis=0)).sum(axis=1)))  # a point in the crowd
    pos = _point_pos(view, xy[k])
    _scroll_to(window, view, pos)
    qtbot.mouseMove(view, pos)
    hovered = view.hovered_row
    assert (
        hovered >= 0 and np.hypot(*(view.pixel_of(xy[hovered][None])[0] - (pos.x(), pos.y()))) <= 9
    )
    index = panel.picks.index_of(int(panel.rows[hovered]))
    assert view.thumbnail_text().startswith(f"#{index} label ")
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pos)
    assert window.wait_idle(30_000)
    clicked = panel.picks.clicked[1]
    assert f"image #{panel.picks.index_of(clicked)}" in panel.details.point_info.text()
    assert not panel.details.rebuilt.pixmap().isNull()
    # the neighbours are the k nearest codes of all of slot A's data, in order
    z = window.slots["A"].encodings.z
    d = ((z - z[clicked]) ** 2).sum(axis=1)
    d[clicked] = np.inf
    k_nn = panel.details.k.value()
    assert panel.details.neighbours.layout_info is not None
    nearest = np.argsort(d)[:k_nn]
    marked = view.marked()
    assert panel.rows[marked[0]] == clicked
    assert set(panel.rows[marked[1:]]) <= set(nearest)
    panel.colour.setCurrentText("radius")
    assert view.colours.continuous
    expected = np.linalg.norm(z[panel.rows], axis=1)
    bar = view.colours.colorbar
    assert bar.vmin == pytest.approx(expected.min(), rel=1e-5)
    assert bar.vmax == pytest.approx(expected.max(), rel=1e-5)
    panel.colour.setCurrentText("component")
    panel.component.setValue(3)
    assert view.colours.colorbar.vmax == pytest.approx(z[panel.rows, 3].max(), rel=1e-5)
    panel.colour.setCurrentText("label")
    assert not view.colours.continuous and len(view.colours.legend) == 10
    panel.contours.setChecked(True)
    assert view.contours_on and view.contour_paths()
    panel.contours.setChecked(False)


def test_lasso_selection_and_its_actions(window, qtbot, tmp_path):
    panel = window.projection
    _run(window, panel, "pca", 800)
    assert window.wait_idle(60_000)
    view = panel.map
    rect = view.plot_rect()
    c = rect.center()
    _scroll_to(window, view, c.toPoint())
    corners = [QPointF(c.x() - 60, c.y() - 50), QPointF(c.x() + 60, c.y() - 50),
               QPointF(c.x() + 60, c.y() + 50), QPointF(c.x() - 60, c.y() + 50)]  # fmt: skip
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     corners[0].toPoint())  # fmt: skip
    for corner in corners[1:] + corners[:1]:
        qtbot.mouseMove(view, corner.toPoint())
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                       corners[0].toPoint())  # fmt: skip
    assert window.wait_idle(30_000)  # the selection's images are read in a worker
    # exactly the points inside the drawn square (its corners in data coordinates)
    square = np.array([view.data_at(QPointF(p.toPoint())) for p in corners])  # as moved to
    xy = view.points
    inside = np.flatnonzero(
        (xy[:, 0] > square[:, 0].min()) & (xy[:, 0] < square[:, 0].max())
        & (xy[:, 1] > square[:, 1].min()) & (xy[:, 1] < square[:, 1].max())
    )  # fmt: skip
    assert len(inside) > 2
    assert np.array_equal(view.selection(), inside)
    assert np.array_equal(panel.picks.selected, panel.rows[inside])
    assert panel.details.selection_info.text().startswith(f"{len(inside)} points selected")
    assert panel.details.selection.layout_info is not None
    # decode the mean z
    qtbot.mouseClick(panel.details.decode_button, Qt.MouseButton.LeftButton)
    assert window.wait_idle(30_000)
    assert not panel.details.decoded.pixmap().isNull()
    # export: indices, images and z of the selection
    written = panel.picks.export_selection(tmp_path / "sel")
    enc, ds = window.slots["A"].encodings, window.slots["A"].dataset
    with np.load(written) as saved:
        assert written.name == "sel.npz"
        assert np.array_equal(saved["indices"], enc.indices[panel.picks.selected])
        assert np.array_equal(saved["z"], enc.z[panel.picks.selected])
        assert np.array_equal(saved["images"][0], ds.image(int(saved["indices"][0])))
    # the first and last selected images become the interpolation's endpoints
    qtbot.mouseClick(panel.details.endpoints_button, Qt.MouseButton.LeftButton)
    assert window.wait_idle(60_000)
    assert window.sampler.sampler() == "interpolate"
    fields = window.sampler.fields["interpolate"]
    first, last = enc.indices[panel.picks.selected[[0, -1]]]
    assert (fields["start_index"].text(), fields["end_index"].text()) == (str(first), str(last))
    view.clear_selection()
    assert not len(panel.picks.selected) and not panel.details.export_button.isEnabled()
    window.sampler.method.setCurrentIndex(window.sampler.method.findData("normal"))


def test_a_new_model_in_the_slot_drops_its_map(window, qtbot):
    panel = window.projection
    _run(window, panel, "pca", 300)
    assert window.wait_idle(60_000)
    assert panel.map.points is not None
    window.swap_slots()
    assert panel.map.points is None and not len(panel.rows)
    window.swap_slots()


def test_colours_of_large_maps_are_made_off_the_window_thread(window, qtbot, monkeypatch):
    """From RENDER_IN_THREAD points on (a million in real use, 300 here) the run's worker
    makes the points' colours with the map, a new colouring is made by a worker, and a
    colouring changed while a run goes on is applied when it ends."""
    import threading

    import explorer.gui.map.map_run as map_run
    import explorer.gui.map.projection_panel as projection_panel

    monkeypatch.setattr(projection_panel, "RENDER_IN_THREAD", 300)
    made_in: list[str] = []
    point_colours = map_run.point_colours

    def spy(*args, **kwargs):
        made_in.append(threading.current_thread().name)
        return point_colours(*args, **kwargs)

    monkeypatch.setattr(map_run, "point_colours", spy)
    panel, view = window.projection, window.projection.map
    z = window.slots["A"].encodings.z
    panel.colour.setCurrentText("label")
    _run(window, panel, "pca", 500)
    panel.colour.setCurrentText("radius")  # while the run goes on (or just after)
    assert window.wait_idle(60_000)
    assert made_in and threading.main_thread().name not in made_in, made_in
    assert view.colours.continuous
    assert view.colours.colorbar.vmax == pytest.approx(
        np.linalg.norm(z[panel.rows], axis=1).max(), rel=1e-5
    )
    points = view.map_points
    made_in.clear()
    panel.colour.setCurrentText("component")
    panel.component.setValue(2)
    assert window.wait_idle(30_000)
    assert made_in and threading.main_thread().name not in made_in, made_in
    assert view.map_points is points  # recoloured, not replaced
    assert view.colours.colorbar.label == "component z[2]"
    assert view.colours.colorbar.vmax == pytest.approx(z[panel.rows, 2].max(), rel=1e-5)
    panel.colour.setCurrentText("label")
    assert window.wait_idle(30_000)
    assert not view.colours.continuous and len(view.colours.legend) == 10


def test_a_selection_on_a_map_of_no_slot_is_no_error(window, qtbot):
    """Found by bench/stress_window.py: a lasso on points whose slot link was dropped (a run
    cancelled as the slot's data changed) asked the window for the data of slot ''."""
    panel = window.projection
    _run(window, panel, "pca", 300)
    assert window.wait_idle(60_000)
    assert (
        window.slot_manager.data_for("") is None and window.slot_manager.data_for("dataset") is None
    )
    panel.slot_name = ""  # as the stress run left it
    panel.map.select_rows(np.arange(10))
    assert not panel.details.export_button.isEnabled()
    panel.map.clear_selection()
