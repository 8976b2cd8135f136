"""Shared fixtures (tiny trained bundles, made once per run; the shipped models, loaded once per
session), headless Qt, and the pytest-xdist groups and order of ``make test``."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# OpenMP's idle threads sleep instead of spinning (openTSNE, scikit-learn; read when their
# libgomp loads, here and in every child process). With pytest-xdist a worker shares the cores
# with the others: spinning threads waited for descheduled ones, and a t-SNE of 300 points
# took 10 s instead of 1.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

GUI_TESTS = Path(__file__).resolve().parent / "gui"
# Where the xdist workers tell the controller each test's xdist_group (see below).
GROUPS_FILE = "LATENT_EXPLORER_XDIST_GROUPS"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """xdist groups for ``-n auto --dist loadgroup`` (a group's tests run in one worker, one
    after the other; the other tests spread over the workers one by one):

    - "gui": every test under tests/gui (one QApplication, the windows and their threads);
    - a module's tests that use a module-scoped fixture are a group of their own: that
      fixture's work (a training, a set of files) is then done once, not once per worker.

    Under xdist the modules with tests marked ``slow`` go first (a stable sort: a module's
    tests stay together, in their order), so that no worker is left with a long test at the
    end while the others are idle.
    """
    if not config.pluginmanager.hasplugin("xdist"):
        return
    if os.environ.get("PYTEST_XDIST_WORKER"):
        slow = {item.path for item in items if item.get_closest_marker("slow")}
        items.sort(key=lambda item: item.path not in slow)
    gui = pytest.mark.xdist_group("gui")
    for item in items:
        if GUI_TESTS in Path(str(item.path)).parents:
            item.add_marker(gui)
            continue
        info = getattr(item, "_fixtureinfo", None)
        defs = info.name2fixturedefs.values() if info is not None else ()
        if any(d[-1].scope == "module" for d in defs if d):
            item.add_marker(pytest.mark.xdist_group(Path(str(item.path)).stem))
    if os.environ.get("PYTEST_XDIST_WORKER") and os.environ.get(GROUPS_FILE):
        _write_groups(Path(os.environ[GROUPS_FILE]), items)


# pytest-xdist 3.8 passes a test's group to the controller by appending "@group" to its node
# id, which pytest 9.2's structured node ids ignore: every test is then scheduled alone
# (pytest-dev/pytest-xdist#1386). Until that is fixed, the workers write the groups of their
# collection into a file the controller names, and its scheduler reads them from there.


def _write_groups(path: Path, items) -> None:
    import json

    groups = {}
    for item in items:
        names = {m.args[0] if m.args else m.kwargs.get("name", "default")
                 for m in item.iter_markers("xdist_group")}  # fmt: skip
        if names:
            groups[item.nodeid] = "_".join(sorted(map(str, names)))
    temporary = path.with_name(f"{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(groups))
    os.replace(temporary, path)  # every worker writes the same; none sees half a file


def _uses_groups(config) -> bool:
    return (
        not os.environ.get("PYTEST_XDIST_WORKER")
        and config.pluginmanager.hasplugin("xdist")
        and config.getoption("dist", "no") == "loadgroup"
    )


@pytest.hookimpl(trylast=True)  # after pytest's tmp_path set-up
def pytest_configure(config):
    if _uses_groups(config):  # the controller, before it starts the workers
        path = config._tmp_path_factory.getbasetemp() / "xdist-groups.json"  # as xdist does
        os.environ[GROUPS_FILE] = config._xdist_groups_file = str(path)


def pytest_unconfigure(config):
    if getattr(config, "_xdist_groups_file", None):
        os.environ.pop(GROUPS_FILE, None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadgroup`` with the groups the workers wrote (None: xdist's own)."""
    name = getattr(config, "_xdist_groups_file", None)
    if name is None:
        return None
    import json

    from xdist.scheduler import LoadGroupScheduling

    class Scheduling(LoadGroupScheduling):
        groups: dict | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.groups is None:  # read once every worker has sent its collection
                try:
                    self.groups = json.loads(Path(name).read_text() or "{}")
                except (OSError, ValueError):
                    self.groups = {}
            return self.groups.get(nodeid) or super()._split_scope(nodeid)

    return Scheduling(config, log)


TINY = {
    "preset": "mnist",
    "filters": [8, 16, 16],
    "max_images": 256,
    "batch_size": 32,
    "dataset": "mnist-5k",
    "seed": 0,
}


def train_tiny(out, kind: str, epochs: int = 1, **overrides):
    """Train a small model on 256 mnist-5k images into ``out`` and return the result."""
    from explorer.core.training.training import TrainConfig, train

    options = {**TINY, "kind": kind, "epochs": epochs, "out": str(out), **overrides}
    return train(TrainConfig.from_options(**options))


def made_once(tmp_path_factory, name: str, make) -> Path:
    """``TMP/name``, filled by ``make(folder)`` once per test run: with pytest-xdist the first
    worker makes it in the run's shared temporary folder, under a lock, and the other workers
    wait for it and reuse it (session fixtures run once per worker)."""
    import fcntl
    import shutil

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run only
    folder = root / name
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if not (folder / ".complete").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            (folder / ".complete").touch()
    return folder


_HOLD_LOCK = (
    "import sys, time\n"
    "from explorer.core.util.writer_lock import writer_lock\n"
    "lock = writer_lock(sys.argv[1])\n"
    "lock.__enter__()\n"
    "print('locked', flush=True)\n"
    "time.sleep(300)\n"
)


@pytest.fixture
def lock_holder():
    """``lock_holder(folder)``: another process that holds ``folder``'s writer lock (as a
    running training does) until the test ends, then is killed with SIGKILL, as a crashed
    training would end."""
    import subprocess

    procs: list[subprocess.Popen] = []

    def hold(folder) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-c", _HOLD_LOCK, str(folder)], stdout=subprocess.PIPE, text=True
        )
        procs.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        return proc

    yield hold
    for proc in procs:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def tiny_bundles(tmp_path_factory):
    """``{"ae": path, "vae": path}``: one-epoch bundles shared by read-only tests (trained
    once for all the xdist workers)."""

    def make(root: Path) -> None:
        for kind in ("ae", "vae"):
            train_tiny(root / kind, kind)

    root = made_once(tmp_path_factory, "bundles", make)
    return {kind: root / kind for kind in ("ae", "vae")}


@pytest.fixture(scope="session")
def shipped_models():
    """The shipped models by name (``shipped_models["mnist_vae"]``), each loaded once per
    session on first use; read-only."""
    from explorer.core.model.store import load_model
    from explorer.core.util.paths import shipped_model

    class Models(dict):
        def __missing__(self, name: str):
            self[name] = load_model(shipped_model(name))
            return self[name]

    return Models()
