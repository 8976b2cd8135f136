"""GUI test fixtures: private settings, one shared window per module, no dangling threads."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["LATENT_EXPLORER_SETTINGS_DIR"] = tempfile.mkdtemp(prefix="latent-explorer-settings-")
os.environ["LATENT_EXPLORER_MPL_GUARD"] = "1"  # matplotlib off the renderer thread fails

import pytest  # noqa: E402
import pytestqt  # noqa: E402,F401 - a missing pytest-qt must fail the run, not skip the GUI tests

LOAD_TIMEOUT_MS = 240_000


def _running() -> list:
    from explorer.gui.tasks.workers import running_threads

    return running_threads()


@pytest.fixture(autouse=True)
def _dangling_qthreads(request):
    """Fail a test that leaves a QThread it started running (as napari's fixture does).

    Threads already running before the test (the model threads of a module's shared
    window) are checked when that window closes, in :func:`window`.
    """
    before = {id(t) for t in _running()}
    yield
    left = [t for t in _running() if id(t) not in before]
    for thread in left:  # a short grace period for threads that are just ending
        thread.wait(2000)
    left = [t for t in _running() if id(t) not in before]
    if left:
        names = ", ".join(t.objectName() or repr(t) for t in left)
        pytest.fail(f"test left QThread(s) running: {names}")


@pytest.fixture(scope="module")
def window(qapp):
    """The window with the shipped models, loaded once per test module."""
    from explorer.gui.window.app import create_window

    # settings of its own: a module's window never starts from the sampler, models or layout
    # an earlier module's window saved when it closed
    os.environ["LATENT_EXPLORER_SETTINGS_DIR"] = tempfile.mkdtemp(
        prefix="latent-explorer-settings-"
    )
    _, win = create_window([])
    assert win.wait_idle(LOAD_TIMEOUT_MS), "the shipped models did not load in time"
    yield win
    win.close()
    left = _running()
    assert not left, f"closing the window left threads running: {left}"


@pytest.fixture
def training_panel(qtbot):
    """A training panel of its own (controller and plot renderer), stopped afterwards."""
    from explorer.gui.plots.plot_renderer import PlotRenderer
    from explorer.gui.training.training_panel import TrainingPanel

    renderer = PlotRenderer()
    panel = TrainingPanel(renderer)
    qtbot.addWidget(panel)
    yield panel
    assert panel.controller.shutdown(30_000), "the training did not stop"
    renderer.shutdown()
