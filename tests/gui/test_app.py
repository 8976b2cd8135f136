"""Start-up: no display, no TensorFlow before the window, closing with work pending."""

from __future__ import annotations

import subprocess
import sys

import pytest

from explorer.gui.window import app


def test_no_display_is_one_clear_line(monkeypatch, capsys):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    assert app.main([]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [app.NO_DISPLAY]


def test_window_modules_do_not_import_tensorflow():
    code = (
        "import sys\nimport explorer.gui.window.app, explorer.gui.window.main_window\n"
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


def test_the_window_takes_the_commands_model_flags(tmp_path):
    """The window's command line is built from the commands' helpers: trust, custom code
    and value ranges reach the slots' sources (and trust and code are never saved)."""
    import argparse

    from explorer.commands.options import add_slot_arguments
    from explorer.gui.window.window_slots import untrusted_source

    args = app.build_parser().parse_args(
        ["mnist_vae", "--encoder-b", "e.h5", "--decoder-b", "d.h5", "--trust-model-code",
         "--model-code", "layers.py", "--input-range=-1:1", "--output-range", "0:255",
         "--data-range", "0:255"]
    )  # fmt: skip
    chosen = app.initial_models(args, None)
    flags = {"trust": True, "model_code": "layers.py", "input_range": [-1.0, 1.0],
             "output_range": [0.0, 255.0]}  # fmt: skip
    assert chosen["B"] == {"encoder": "e.h5", "decoder": "d.h5", **flags}
    assert chosen["A"]["spec"].endswith("mnist_vae") and chosen["A"]["trust"] is True
    assert args.data_range == (0.0, 255.0)
    assert untrusted_source(chosen["B"]) == {"encoder": "e.h5", "decoder": "d.h5",
        "input_range": [-1.0, 1.0], "output_range": [0.0, 255.0]}  # fmt: skip
    from explorer.gui.tasks.model_thread import load_options

    options = load_options(chosen["B"])
    assert (options.trust, options.code) == (True, "layers.py")
    assert (options.input_range, options.output_range) == ((-1.0, 1.0), (0.0, 255.0))
    # the same flags as the commands' (one declaration)
    compare = argparse.ArgumentParser()
    add_slot_arguments(compare)
    window_flags = {a.dest for a in app.build_parser()._actions}
    assert {a.dest for a in compare._actions} <= window_flags
    with pytest.raises(SystemExit):  # argparse's one line for an unreadable range
        app.build_parser().parse_args(["--input-range", "zero:one"])


def test_close_with_work_pending_leaves_no_thread(qtbot):
    from explorer.gui.tasks.workers import running_threads
    from explorer.gui.widgets.settings import open_settings

    _, window = app.create_window([])
    assert window.busy()
    qtbot.waitUntil(lambda: window.slots["A"].controller.busy(), timeout=5000)  # load started
    window.sampler.seed.setValue(7)
    window.close()
    assert running_threads() == []
    assert '"seed": 7' in open_settings().value("sampler")


STALL_BOUND_MS = 400  # the goal is 100 ms; generous for a shared machine (it was 0.5-1.1 s)


def test_the_window_started_from_the_command_line_never_stalls(tmp_path):
    """``latent-explorer --stall-log`` as a user starts it, fresh settings: the event loop's
    worst gap while TensorFlow imports and both shipped models load and encode."""
    import json
    import os

    log = tmp_path / "stalls.json"
    env = {**os.environ, "LATENT_EXPLORER_SETTINGS_DIR": str(tmp_path / "settings")}
    r = subprocess.run(
        [sys.executable, "-m", "explorer.cli", "--stall-log", str(log), "--quit-when-idle"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    report = json.loads(log.read_text())
    assert report["phases"][0]["ticks"] > 100  # it ran while the models loaded
    worst = report["worst_ms"]
    stacks = [s for s in report["samples"] if s["late_ms"] > STALL_BOUND_MS / 2]
    assert worst < STALL_BOUND_MS, f"a {worst} ms stall; stacks: {json.dumps(stacks)[:4000]}"
