"""The window on a 1366x768 screen: it fits, and the decoded grids get 1x and the most room.

Runs the real window in a fresh interpreter whose offscreen screen is 1366x768 (Qt's
offscreen platform takes its screens from a JSON file), on the shipped models.
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap

from tests.helpers import ROOT

SCRIPT = textwrap.dedent(
    """
    import json
    from explorer.gui.app import create_window

    app, window = create_window([])
    window.show()
    assert window.wait_idle(180_000)
    screen = window.screen().availableGeometry()
    frame = window.frameGeometry()
    views = window.grids.views
    docks = {t: d.width() * d.height() for t, d in window.docks.items() if d.isVisible()}
    out = {
        "screen": [screen.x(), screen.y(), screen.width(), screen.height()],
        "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
        "grids": [[r.width(), r.height()] for v in views.values() for r in v._rects],
        "scales": [v.property("scale") for v in views.values()],
        "grids_area": window.grids.width() * window.grids.height(),
        "largest_dock": max(docks.values()),
    }
    # a geometry saved on a larger screen is clamped to this one
    window.resize(2400, 1500)
    window.move(300, 200)
    window.save_settings()
    window.shutdown()
    window.close()
    _, again = create_window([])
    frame = again.frameGeometry()
    out["restored"] = [frame.x(), frame.y(), frame.width(), frame.height()]
    again.shutdown()
    print(json.dumps(out))
    """
)


def test_window_fits_1366x768_and_grids_show_at_1x(tmp_path):
    screens = tmp_path / "screens.json"
    screen = {"name": "small", "x": 0, "y": 0, "width": 1366, "height": 768}
    screens.write_text(json.dumps({"screens": [{**screen, "logicalDpi": 96, "dpr": 1}]}))
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = f"offscreen:configfile={screens}"
    env["LATENT_EXPLORER_SETTINGS_DIR"] = tempfile.mkdtemp(dir=tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=400
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    sx, sy, sw, sh = out["screen"]
    assert (sw, sh) == (1366, 768)
    for x, y, w, h in (out["frame"], out["restored"]):
        assert sx <= x and sy <= y and x + w <= sx + sw and y + h <= sy + sh, (x, y, w, h)
    # both slots' grids (decoded and sharpened) at 1x or larger: 8x8 tiles of 28, 2 px apart
    assert len(out["grids"]) == 4 and all(s >= 1 for s in out["scales"]), out
    assert all(w >= 238 and h >= 238 for w, h in out["grids"]), out["grids"]
    assert out["grids_area"] > out["largest_dock"]
