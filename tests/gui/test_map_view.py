"""The Qt-painted scatter map: dots where the points are, pan and zoom, lasso and rectangle
selections, hover and click, live positions, contours, colorbar, export."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest

from explorer.core.output.map_colours import MapColours
from explorer.core.stats.map_geometry import points_in_polygon
from explorer.gui.map import map_frame


@pytest.fixture
def view(qtbot):
    from explorer.gui.map.map_view import MapView

    widget = MapView(name="mapView")
    qtbot.addWidget(widget)
    widget.resize(420, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _points(n=600, seed=0):
    return np.random.default_rng(seed).uniform(-5, 5, (n, 2))


def _at(view, xy) -> QPoint:
    x, y = view.pixel_of(np.asarray(xy, dtype=float))
    return QPoint(round(x), round(y))


def _rgb(image: QImage, p: QPoint) -> tuple[int, int, int]:
    c = QColor(image.pixel(p))
    return c.red(), c.green(), c.blue()


def test_dots_drawn_in_their_colours_at_their_pixels_and_cached(view, qtbot):
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.4, 0.6]])
    colours = MapColours.by_label(np.array([0, 1, 2, 3]), names=["a", "b", "c", "d"])
    renders = []
    view.rendered.connect(renders.append)
    view.set_points(xy, colours, "four points", ("x", "y"))
    image = view.grab().toImage()
    assert view.objectName() == "mapView" and len(renders) == 1
    for point, (_, rgba) in zip(xy, colours.legend, strict=True):
        assert _rgb(image, _at(view, point)) == tuple(rgba[:3])
    middle = _at(view, (0.6, 0.3))
    assert _rgb(image, middle) == (255, 255, 255)  # no dot there
    view.grab()
    assert len(renders) == 1  # nothing changed: the cached dots are reused
    (x0, x1), (y0, y1) = view.view_limits()
    assert x0 < 0 < 1 < x1 and y0 < 0 < 1 < y1  # fits all points
    legend, dots = map_frame.legend_box(view, view.plot_rect()), view.plot_rect()
    assert legend.width() > 0 and legend.left() > dots.right()  # beside the dots, not on them


def test_pan_zoom_keys_and_double_click(view, qtbot):
    view.set_points(_points(), None)
    (x0, x1), (y0, y1) = view.view_limits()
    sx, sy = view.viewport.scale()
    with qtbot.waitSignal(view.viewChanged):
        view.pan_pixels(40, -20)  # content right and up: the view moves left and down
    (a0, a1), (b0, b1) = view.view_limits()
    assert a0 == pytest.approx(x0 - 40 / sx) and a1 == pytest.approx(x1 - 40 / sx)
    assert b0 == pytest.approx(y0 - 20 / sy) and b1 == pytest.approx(y1 - 20 / sy)
    pos = QPointF(150.0, 120.0)
    before = view.data_at(pos)
    view.zoom_at(pos, 0.5)
    assert view.data_at(pos) == pytest.approx(before)  # the point under the cursor stays
    (c0, c1), _ = view.view_limits()
    assert c1 - c0 == pytest.approx((a1 - a0) * 0.5)
    QTest.keyClick(view, Qt.Key.Key_Plus)
    (d0, d1), _ = view.view_limits()
    assert d1 - d0 == pytest.approx((c1 - c0) / 1.25)
    QTest.mouseDClick(view, Qt.MouseButton.LeftButton, pos=QPoint(200, 200))
    assert view.view_limits() == ((x0, x1), (y0, y1))
    start = view.view_limits()
    QTest.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(200, 200))
    QTest.mouseMove(view, QPoint(230, 200))
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(230, 200))
    (e0, _), _ = view.view_limits()
    assert e0 == pytest.approx(start[0][0] - 30 / sx)  # a drag pans


def _drag(view, positions, modifier=Qt.KeyboardModifier.NoModifier):
    QTest.mousePress(view, Qt.MouseButton.LeftButton, modifier, positions[0])
    for p in positions[1:]:
        QTest.mouseMove(view, p)
    QTest.mouseRelease(view, Qt.MouseButton.LeftButton, modifier, positions[-1])


@pytest.mark.parametrize("how", ["mode", "shift", "thread"])
def test_lasso_selects_exactly_the_rows_inside(view, qtbot, how, monkeypatch):
    import threading

    import explorer.gui.map.map_input as map_input

    found_in: list[str] = []
    if how == "thread":  # a large map (300k points in real use) selects in a thread
        monkeypatch.setattr(map_input, "SELECT_IN_THREAD", 500)
        inside = map_input.map_geometry.points_in_polygon

        def spy(*args):
            found_in.append(threading.current_thread().name)
            return inside(*args)

        monkeypatch.setattr(map_input.map_geometry, "points_in_polygon", spy)
    xy = _points(800)
    view.set_points(xy, MapColours.by_label(np.arange(800) % 3))
    if how == "mode":
        view.set_mode("lasso")
    # a concave lasso: a "V" around the middle of the map
    corners = [(-4, -4), (4, -4), (4, 4), (0, -1), (-4, 4)]
    positions = []
    for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
        for t in np.linspace(0, 1, 6, endpoint=False):
            positions.append(_at(view, np.add(a, np.multiply(t, np.subtract(b, a)))))
    shift = how in ("shift", "thread")
    modifier = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier(0)
    with qtbot.waitSignal(view.selectionChanged) as blocker:
        _drag(view, positions, modifier)
    polygon = np.array([view.data_at(QPointF(p)) for p in positions + [positions[-1]]])
    expected = np.flatnonzero(points_in_polygon(xy, polygon))
    rows = blocker.args[0]
    assert [n.split("-")[:3] for n in found_in] == (
        [["job", "map", "select"]] if how == "thread" else []
    )
    assert not view.selecting()
    assert rows.dtype == np.int64 and np.array_equal(rows, expected)
    assert np.array_equal(view.selection(), expected) and 100 < len(rows) < 600
    assert not points_in_polygon(xy[rows], np.array([[-0.5, 1], [0.5, 1], [0, 3.5]])).any()  # notch
    image = view.grab().toImage()  # the others are faded, the selected ones are not
    outside = np.setdiff1d(np.arange(800), rows)
    faded = _rgb(image, _at(view, xy[outside[0]]))
    assert min(faded) > 150
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert len(view.selection()) == 0


def test_rectangle_with_ctrl_selects_inclusive(view, qtbot):
    xy = _points(500, seed=1)
    view.set_points(xy)
    a, b = QPoint(100, 90), QPoint(260, 230)
    with qtbot.waitSignal(view.selectionChanged) as blocker:
        _drag(view, [a, QPoint(180, 150), b], Qt.KeyboardModifier.ControlModifier)
    (ax, ay), (bx, by) = view.data_at(QPointF(a)), view.data_at(QPointF(b))
    inside = (
        (xy[:, 0] >= min(ax, bx)) & (xy[:, 0] <= max(ax, bx))
        & (xy[:, 1] >= min(ay, by)) & (xy[:, 1] <= max(ay, by))
    )  # fmt: skip
    assert np.array_equal(blocker.args[0], np.flatnonzero(inside)) and inside.sum() > 10
    view.select_rows([5, 3, 3, 9999])
    assert view.selection().tolist() == [3, 5]


def test_hover_emits_the_nearest_row_and_shows_its_thumbnail(view, qtbot):
    xy = _points(300, seed=2)
    view.set_points(xy)
    thumb = QImage(28, 28, QImage.Format.Format_Grayscale8)
    thumb.fill(128)
    view.set_thumbnail(lambda row: (thumb, f"#{row} label {row % 10}"))
    row = 17
    target = view.pixel_of(xy[row])
    pos = QPoint(round(target[0]) + 2, round(target[1]) + 1)
    d = np.hypot(*(view.pixel_of(xy) - (pos.x(), pos.y())).T)
    nearest = int(np.argmin(d))
    with qtbot.waitSignal(view.hovered) as blocker:
        QTest.mouseMove(view, pos)
    assert blocker.args == [nearest] and view.hovered_row == nearest
    assert view.thumbnail_text() == f"#{nearest} label {nearest % 10}"
    view.grab()  # the box is painted without errors
    empty = view.plot_rect().bottomRight().toPoint() + QPoint(30, 30)
    with qtbot.waitSignal(view.hovered) as blocker:
        QTest.mouseMove(view, empty)
    assert blocker.args == [-1] and view.thumbnail_text() == ""


def test_click_emits_the_nearest_row_or_minus_one(view, qtbot):
    xy = np.array([[0.0, 0.0], [3.0, 3.0], [3.0, 0.0]])
    view.set_points(xy)
    with qtbot.waitSignal(view.clicked) as blocker:
        QTest.mouseClick(view, Qt.MouseButton.LeftButton, pos=_at(view, xy[1]) + QPoint(2, -2))
    assert blocker.args == [1]
    with qtbot.waitSignal(view.clicked) as blocker:
        QTest.mouseClick(view, Qt.MouseButton.LeftButton, pos=_at(view, (1.5, 1.5)))
    assert blocker.args == [-1]
    view.set_marked([1, 2])
    assert view.marked().tolist() == [1, 2]
    view.grab()


def test_update_positions_keeps_selection_and_follows_until_the_user_zooms(view, qtbot):
    xy = _points(200)
    view.set_points(xy, MapColours.by_value(np.hypot(*xy.T), "radius"))
    view.select_rows([1, 2, 3])
    view.update_positions(xy * 2)
    assert view.selection().tolist() == [1, 2, 3]
    (x0, x1), _ = view.view_limits()
    assert x0 < 2 * xy[:, 0].min() and x1 > 2 * xy[:, 0].max()  # followed the data
    assert x1 - x0 < 2 * 10 * 1.2
    view.zoom_at(QPointF(200, 200), 0.5)
    zoomed = view.view_limits()
    view.update_positions(xy * 3)
    assert view.view_limits() == zoomed  # the user's view stays
    view.reset_view()
    view.update_positions(xy)
    (x0, x1), _ = view.view_limits()
    assert x1 - x0 < 10 * 1.2  # follows again after a reset
    with qtbot.waitSignal(view.selectionChanged) as blocker:
        view.set_points(xy[:50])  # new points: the selection is gone
    assert len(blocker.args[0]) == 0


def test_contours_toggle_and_colorbar(view, qtbot):
    rng = np.random.default_rng(5)
    xy = np.vstack([rng.normal(-3, 0.6, (3000, 2)), rng.normal(3, 0.6, (3000, 2))])
    view.set_points(xy, MapColours.by_label(np.repeat([0, 1], 3000)))
    wide = view.plot_rect().width()
    plain = view.grab().toImage()
    view.set_contours(True)
    assert view.contours_on and len(view.contour_paths()) >= 3
    lined = view.grab().toImage()
    assert lined != plain
    view.set_contours(False)
    assert view.grab().toImage() == plain
    view.set_colours(MapColours.by_value(xy[:, 0], "z[0]"))
    assert view.plot_rect().width() < wide  # room for the colorbar
    image = view.grab().toImage()
    rect = view.plot_rect()
    top = _rgb(image, QPoint(int(rect.right() + 16), int(rect.top() + 8)))
    bottom = _rgb(image, QPoint(int(rect.right() + 16), int(rect.bottom() - 8)))
    assert top[1] > 200 and top[2] < 100  # viridis: yellow at the top
    assert bottom[0] < 100 and bottom[2] > 60  # dark purple at the bottom


def test_export_writes_a_png_and_clear_shows_a_message(view, qtbot, tmp_path):
    from PIL import Image

    xy = _points(400)
    view.set_points(xy, MapColours.by_label(np.arange(400) % 4), "map", ("t-SNE 1", "t-SNE 2"))
    view.select_rows(np.arange(50))
    view.zoom_at(QPointF(200, 200), 0.5)
    view.export_figure(tmp_path / "map.png")
    with Image.open(tmp_path / "map.png") as png:
        assert png.size[0] > 500
    view.clear("t-SNE: press Run")
    assert view.message == "t-SNE: press Run" and view.points is None
    view.grab()
    with pytest.raises(Exception, match="no points"):
        view.export_figure(tmp_path / "none.png")
    with pytest.raises(ValueError):
        view.set_mode("circle")


def test_a_task_hands_intermediate_results_to_the_window_until_superseded(qtbot):
    """``state.publish`` in the work -> ``Task.partial`` on the GUI thread, in order; a
    cancelled task's later results never arrive (the live map's frames take this path)."""
    import threading

    from explorer.gui.tasks.workers import Runner

    runner = Runner()
    got, release = [], threading.Event()

    def work(state, n):
        for i in range(n):
            state.publish(i)
        release.wait(10)
        state.publish("late")
        return "done"

    task = runner.start("job", work, 3, on_partial=got.append)
    qtbot.waitUntil(lambda: len(got) == 3, timeout=5000)
    assert got == [0, 1, 2]
    task.cancel()
    release.set()
    qtbot.waitUntil(lambda: not runner.busy(), timeout=5000)
    assert got == [0, 1, 2]  # "late" was dropped
    runner.shutdown()


def test_large_maps_are_drawn_in_a_thread_newest_view_last(view, qtbot, monkeypatch):
    """Above RENDER_IN_THREAD points the dots are drawn in a thread: the paint returns at
    once with the older image, and the newest view and selection end up on screen."""
    import explorer.gui.map.map_paint as map_paint

    monkeypatch.setattr(map_paint, "RENDER_IN_THREAD", 10)
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.4, 0.6]] * 5)[:20]
    colours = MapColours.by_label(np.arange(20) % 4)
    view.set_points(xy, colours)
    view.repaint()
    assert view.rendering() or view.dots_image() is not None
    qtbot.waitUntil(lambda: not view.rendering() and view.dots_image() is not None, timeout=5000)
    rgba = dict(colours.legend)
    image = view.grab().toImage()
    assert _rgb(image, _at(view, (1.0, 0.0))) == tuple(rgba["1"][:3])
    view.pan_pixels(-10, 0)  # two changes while one drawing may run: the last one wins
    view.select_rows([1, 5, 9, 13, 17])  # the (1, 0) points
    view.repaint()
    qtbot.waitUntil(
        lambda: not view.rendering() and view.dots_image() is view.painter.image, timeout=5000
    )
    qtbot.waitUntil(lambda: view.painter.image_key[3] == view.viewport.box, timeout=5000)
    image = view.grab().toImage()
    assert _rgb(image, _at(view, (1.0, 0.0))) == tuple(rgba["1"][:3])  # selected: its colour
    faded = _rgb(image, _at(view, (0.0, 0.0)))
    assert faded != tuple(rgba["0"][:3]) and min(faded) > min(rgba["0"][:3])  # others faded


def test_points_prepared_in_a_worker_are_kept_and_arrays_are_copied(view):
    from explorer.core.errors import InvalidParameter
    from explorer.gui.map.map_points import MapPoints

    xy = _points(300).astype(np.float32)
    points = MapPoints.of(xy)
    assert points.xy.dtype == np.float64 and np.array_equal(points.xy, xy)
    assert np.array_equal(points.x, xy[:, 0]) and points.y.flags.c_contiguous
    assert MapPoints.of(points) is points
    view.set_points(points)
    assert view.map_points is points and view.points is points.xy  # no copy in the window
    moved = MapPoints.of(xy + 1)
    view.update_positions(moved)
    assert view.map_points is moved
    given = _points(300)
    view.set_points(given)  # an array is copied: the caller may change it afterwards
    given[:] = 0
    assert view.points.any()
    with pytest.raises(InvalidParameter, match=r"\(n, 2\)"):
        MapPoints.of(np.zeros((4, 3)))
    with pytest.raises(InvalidParameter, match="new positions"):
        view.update_positions(MapPoints.of(np.zeros((4, 2))))
