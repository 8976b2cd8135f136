"""Every view of the real window fits and reads on 1366x768 and 1920x1080 (issue 25).

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
    from PySide6.QtWidgets import QAbstractScrollArea, QTabBar, QTableWidget
    from explorer.gui.app import create_window

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
    window.shutdown()
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
    assert report["views"] and all(not p for p in report["views"].values()), report["views"]
    assert report["resampled"]
    width, height = report["map"]
    if size == "1366x768":
        assert width >= 640 and height >= 480, report["map"]
        assert min(report["scales"]) >= 1
    else:
        assert width >= 900 and height >= 800, report["map"]  # fills the stage
        assert min(report["scales"]) >= 2, report["scales"]  # 28x28 tiles, both slots
