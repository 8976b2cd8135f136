"""Every view of the real window fits and reads on 1366x768 and 1920x1080 (issue 25), and
the window fits the screen, also when the settings saved a geometry of a larger one.

The window runs in a fresh interpreter whose offscreen screen has the size under test (Qt's
offscreen platform takes its screens from a JSON file), on the shipped models. The script
puts each view on the stage after its work ran and reports, per view: sideways scroll bars
that show, tab and view titles that do not fit, table columns narrower than their content;
and the map's size, the grids' scale, whether Resample changed the grid.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from docs.screenshots.grab_views import screen_env

SCRIPT = textwrap.dedent(
    """
    import json
    from PySide6.QtWidgets import QAbstractScrollArea, QTabBar, QTableWidget, QWidget
    from explorer.gui.window.app import create_window

    app, window = create_window([])
    window.show()
    assert window.wait_idle(300_000)

    def problems():
        out = []
        page = window.stage.currentWidget()
        for area in [page, *page.findChildren(QAbstractScrollArea)]:
            if isinstance(area, QAbstractScrollArea) and area.isVisible():
                if area.horizontalScrollBar().isVisible():
                    out.append(f"sideways scroll bar: {area.objectName() or type(area).__name__}")
        for bar in [window.stage.tabBar(), *page.findChildren(QTabBar)]:
            if not bar.isVisible():
                continue
            for i in range(bar.count()):
                need = bar.fontMetrics().horizontalAdvance(bar.tabText(i))
                rect = bar.tabRect(i)
                if rect.width() < need or rect.right() >= bar.width():
                    out.append(f"elided or cut tab: {bar.tabText(i)!r}")
        for table in page.findChildren(QTableWidget):
            if not table.isVisible():
                continue
            for c in range(table.columnCount()):
                if table.isColumnHidden(c):
                    continue
                need = max(table.sizeHintForColumn(c), 0)
                header = table.horizontalHeader().sectionSizeHint(c)
                if table.columnWidth(c) < min(need, 10_000) or table.columnWidth(c) < header:
                    out.append(
                        f"column {c} of {table.objectName()}: {table.columnWidth(c)} px "
                        f"< {max(need, header)} px"
                    )
        return out

    report = {"views": {}}
    before = window.slots["A"].grid.samples.z.copy()
    window.show_view("samples")
    window.resample()
    assert window.wait_idle(120_000)
    report["resampled"] = not (window.slots["A"].grid.samples.z == before).all()
    report["scales"] = [v.property("scale") for v in window.grids.views.values()]
    for name in window.stage.views():
        window.show_view(name)
        if name == "map":
            window.projection.points.setValue(1000)
            window.projection.run()
        if name == "clusters":
            window.clusters.run()
        assert window.wait_idle(300_000)
        app.processEvents()
        report["views"][name] = problems()
        if name == "map":
            m = window.projection.map
            report["map"] = [m.width(), m.height()]
    # the side docks: no sideways scroll bar, both slots and their buttons wholly on screen
    report["side"] = []
    for dock in window.docks.values():
        for area in dock.findChildren(QAbstractScrollArea):
            if area.isVisible() and area.horizontalScrollBar().isVisible():
                report["side"].append(f"sideways scroll bar in {dock.objectName()}")
    for name in ("modelInfoA", "loadButtonA", "modelInfoB", "loadButtonB", "resampleButton"):
        widget = window.findChild(QWidget, name)
        shown = widget.visibleRegion().boundingRect().size() if widget else None
        if widget is None or shown != widget.size():
            report["side"].append(f"{name} not wholly on screen")
    screen = window.screen().availableGeometry()
    frame = window.frameGeometry()
    report["screen"] = [screen.x(), screen.y(), screen.width(), screen.height()]
    report["frame"] = [frame.x(), frame.y(), frame.width(), frame.height()]
    # a geometry saved on a larger screen is clamped to this one
    window.resize(2400, 1500)
    window.move(300, 200)
    window.save_settings()
    window.shutdown()
    window.close()
    _, again = create_window([])
    frame = again.frameGeometry()
    report["restored"] = [frame.x(), frame.y(), frame.width(), frame.height()]
    report["restored_view"] = again.stage.current_view()
    again.shutdown()
    print(json.dumps(report))
    """
)


@pytest.mark.parametrize("size", ["1366x768", "1920x1080"])
def test_every_view_fits_and_reads(size, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=screen_env(size, tmp_path),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    sx, sy, sw, sh = report["screen"]
    assert f"{sw}x{sh}" == size
    for x, y, w, h in (report["frame"], report["restored"]):  # the window fits the screen
        assert sx <= x and sy <= y and x + w <= sx + sw and y + h <= sy + sh, (x, y, w, h)
    assert report["restored_view"] == "training"  # the view on the stage comes back
    assert report["views"] and all(not p for p in report["views"].values()), report["views"]
    assert report["resampled"]
    assert not report["side"], report["side"]
    width, height = report["map"]
    if size == "1366x768":
        assert width >= 640 and height >= 480, report["map"]
        assert min(report["scales"]) >= 1
    else:
        assert width >= 900 and height >= 800, report["map"]  # fills the stage
        assert min(report["scales"]) >= 2, report["scales"]  # 28x28 tiles, both slots
