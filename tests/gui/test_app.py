"""Start-up: no display, no TensorFlow before the window, closing with work pending."""

from __future__ import annotations

import subprocess
import sys

from explorer.gui import app


def test_no_display_is_one_clear_line(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert app.main([]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [app.NO_DISPLAY]


def test_window_modules_do_not_import_tensorflow():
    code = (
        "import sys\nimport explorer.gui.app, explorer.gui.main_window\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False False"


def test_arguments_pick_the_models(tmp_path):
    args = app.build_parser().parse_args(["mnist_vae_tinykl", str(tmp_path)])
    chosen = app.initial_models(args, None)
    assert chosen["A"]["spec"].endswith("models/mnist_vae_tinykl")
    assert chosen["B"]["spec"] == str(tmp_path)
    args = app.build_parser().parse_args(["--encoder-b", "e.keras", "--decoder-b", "d.keras"])
    assert app.initial_models(args, None) == {"B": {"encoder": "e.keras", "decoder": "d.keras"}}
    defaults = app.initial_models(app.build_parser().parse_args([]), None)
    assert defaults["A"]["spec"].endswith("mnist_ae")
    assert defaults["B"]["spec"].endswith("mnist_vae")


def test_close_with_work_pending_leaves_no_thread(qtbot):
    from explorer.gui.settings import open_settings
    from explorer.gui.workers import running_threads

    _, window = app.create_window([])
    assert window.busy()
    qtbot.waitUntil(lambda: window.slots["A"].controller.busy(), timeout=5000)  # load started
    window.sampler.seed.setValue(7)
    window.close()
    assert running_threads() == []
    assert '"seed": 7' in open_settings().value("sampler")
