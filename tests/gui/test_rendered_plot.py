"""Plots drawn by the renderer thread: off the GUI thread, newest request wins, errors shown,
export of the figure on screen."""

from __future__ import annotations

import threading

import pytest

from explorer.core.errors import ExplorerError, InvalidParameter


@pytest.fixture
def plot(qtbot):
    from explorer.gui.plots.plot_renderer import PlotRenderer, RenderedPlot

    renderer = PlotRenderer()
    widget = RenderedPlot("testPlot", "test plot", renderer)
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    yield widget
    renderer.shutdown()
    assert not renderer.isRunning()


def _wait(qtbot, plot) -> None:
    qtbot.waitUntil(lambda: not plot.busy(), timeout=20_000)


def test_builds_and_draws_off_the_gui_thread(plot, qtbot, tmp_path):
    threads = []

    def build(fig):
        threads.append(threading.get_ident())
        ax = fig.subplots()
        ax.plot([0, 1, 2], [1, 0, 1])
        return ax

    plot.show_figure(build)
    assert plot.busy()
    _wait(qtbot, plot)
    assert threads and threads[0] != threading.get_ident()
    ratio = plot.devicePixelRatioF()
    assert plot._image.width() == int(400 * ratio) and plot._image.height() == int(300 * ratio)
    assert plot.info.get_lines()[0].get_ydata().tolist() == [1, 0, 1]
    plot.export(tmp_path / "plot.svg")
    assert (tmp_path / "plot.svg").read_text().startswith("<?xml")


def test_only_the_newest_waiting_request_is_drawn(plot, qtbot):
    started, release = threading.Event(), threading.Event()
    built = []

    def build_for(i):
        def build(fig):
            if i == 0:
                started.set()
                release.wait(10)  # hold the renderer while requests 1-4 queue up
            built.append(i)
            return i

        return build

    plot.show_figure(build_for(0))
    assert started.wait(10)
    for i in range(1, 5):
        plot.show_figure(build_for(i))
    release.set()
    _wait(qtbot, plot)
    assert built == [0, 4]  # 1-3 were replaced while waiting
    assert plot.info == 4  # request 0's image arrived late and was not shown


def test_a_failing_build_shows_its_error(plot, qtbot):
    def broken(fig):
        raise InvalidParameter("no data to draw")

    plot.show_figure(broken)
    _wait(qtbot, plot)
    assert plot.error == "no data to draw" and plot.figure is None
    with pytest.raises(InvalidParameter, match="not been drawn"):
        plot.export("never.png")
    plot.message("fine again")
    assert plot.error == "" and plot._message == "fine again" and not plot.busy()


def test_a_message_replaces_the_figure_and_a_late_image(plot, qtbot):
    release = threading.Event()

    def slow(fig):
        release.wait(10)
        return fig.subplots()

    plot.show_figure(lambda fig: fig.subplots())
    _wait(qtbot, plot)
    assert plot.figure is not None
    plot.show_figure(slow)
    plot.message("slot A: no encoded data")  # painted by Qt, no figure to export
    assert plot.figure is None and not plot.busy()
    release.set()
    qtbot.wait(300)  # the slow image arrives and is dropped
    assert plot.figure is None and plot._message.startswith("slot A")
    with pytest.raises(InvalidParameter, match="not been drawn"):
        plot.export("message.png")


def test_keep_layout_reuses_the_axes_boxes_of_the_same_size(plot, qtbot):
    def build_for(top):
        def build(fig):
            ax = fig.subplots()
            ax.plot([0, 1], [0, top])
            ax.set_ylabel("a long label that takes room")
            return ax

        return build

    plot.show_figure(build_for(1))
    _wait(qtbot, plot)
    first = plot.info.get_position().bounds
    assert plot.figure.get_layout_engine() is not None  # constrained layout the first time
    plot.show_figure(build_for(10_000_000), keep_layout=True)
    _wait(qtbot, plot)
    assert plot.figure.get_layout_engine() is None and plot.info.get_position().bounds == first
    plot.resize(500, 300)  # another size: a fresh layout even when asked to keep it
    plot.show_figure(build_for(1), keep_layout=True)
    _wait(qtbot, plot)
    assert plot.figure.get_layout_engine() is not None
    plot.show_figure(lambda fig: fig.subplots(1, 2)[0], keep_layout=True)  # other axes
    _wait(qtbot, plot)
    assert plot.figure.get_layout_engine() is not None


def test_export_dialog_reports_a_failure_instead_of_raising(plot, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    (tmp_path / "a_file").write_text("")
    target = tmp_path / "a_file" / "plot.png"  # its "folder" is a file: cannot be written
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(target), ""))
    plot.message("nothing drawn yet")
    plot.export_dialog()
    assert len(warnings) == 1 and "not been drawn" in warnings[0]
    plot.show_figure(lambda fig: fig.subplots())
    _wait(qtbot, plot)
    plot.export_dialog()
    assert len(warnings) == 2 and not target.exists()
    target = tmp_path / "plot.png"
    plot.export_dialog()
    assert len(warnings) == 2 and target.stat().st_size > 0


def test_matplotlib_off_the_renderer_thread_fails_loudly_while_a_renderer_runs(plot, qtbot):
    """The debug guard (on in the tests): a figure made on the GUI thread while the
    renderer runs raises; a renderer call does the same work on its thread."""
    from matplotlib.figure import Figure

    from explorer.gui.plots.mpl_guard import WrongThread

    plot.show_figure(lambda fig: fig.subplots())
    _wait(qtbot, plot)
    with pytest.raises(WrongThread, match="renderer"):
        Figure()
    made_on = plot.renderer.run_call(_figure_thread)
    assert made_on != threading.get_ident()
    with pytest.raises(ExplorerError, match="failing call"):  # an error keeps its line
        plot.renderer.run_call(_failing)


def _failing(_state):
    raise InvalidParameter("a failing call")


def test_export_runs_on_the_renderer_thread_and_the_event_loop_keeps_running(plot, qtbot, tmp_path):
    from PySide6.QtCore import QTimer

    from explorer.core.util import export

    plot.show_figure(lambda fig: fig.subplots().plot([0, 1], [1, 0]))
    _wait(qtbot, plot)
    saved_on, ticks = [], []
    original = export.save_figure

    def slow_save(fig, path, **kwargs):
        saved_on.append(threading.get_ident())
        threading.Event().wait(0.3)  # a slow disk
        return original(fig, path, **kwargs)

    timer = QTimer(interval=10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    export.save_figure, saved = slow_save, export.save_figure
    try:
        plot.export(tmp_path / "plot.png")
    finally:
        export.save_figure = saved
        timer.stop()
    assert saved_on and saved_on[0] != threading.get_ident()
    assert len(ticks) >= 10  # the GUI thread's timer ran while the figure was saved
    assert (tmp_path / "plot.png").stat().st_size > 0


def _figure_thread(_state):
    from matplotlib.figure import Figure

    Figure()
    return threading.get_ident()
