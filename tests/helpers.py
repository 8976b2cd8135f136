"""Helpers shared by the tests that run the command line and the benchmarks as a user would."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def run_cli(*args, timeout: int = 900) -> subprocess.CompletedProcess:
    """``latent-explorer ARGS`` in a fresh interpreter."""
    return subprocess.run(
        [sys.executable, "-m", "explorer.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
    )


def run_cli_here(*args) -> subprocess.CompletedProcess:
    """``latent-explorer ARGS`` inside the test process, where TensorFlow is imported already:
    about 5 s faster than :func:`run_cli` per call, for the many error cases. Only what the
    program prints through Python is captured (not TensorFlow's C++ logs), so every family of
    cases keeps one :func:`run_cli` run as a user would see it."""
    import contextlib
    import io

    from explorer.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def run_quick_bench(script: str, *extra: str, timeout: int = 300) -> str:
    """``bench/SCRIPT --quick``; asserts it succeeds and returns what it printed."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick", *extra],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def run_bench_here(script: str, *args: str) -> str:
    """``bench/SCRIPT ARGS`` inside the test process, through the benchmark's own
    ``main(argv)`` (no new Python and TensorFlow per benchmark); asserts it returns 0 and
    returns what it printed on stdout. The process-wide state a benchmark may change (see
    :func:`bench_state_kept`) is the caller's to restore."""
    import importlib
    import io
    import traceback

    bench = str(ROOT / "bench")
    if bench not in sys.path:  # the benchmarks import their siblings (make_faces, ...)
        sys.path.insert(0, bench)
    module = importlib.import_module(Path(script).stem)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = module.main(list(args))
        except SystemExit as exc:  # argparse, or a benchmark giving up with a message
            code = exc.code if isinstance(exc.code, int) else f"SystemExit: {exc.code}"
        except Exception:  # noqa: BLE001 - shown with what the benchmark printed
            code = traceback.format_exc()
    assert code == 0, f"{script} {' '.join(args)}: {code}\n{err.getvalue()[-3000:]}"
    return out.getvalue()


@contextlib.contextmanager
def bench_state_kept():
    """Restore what a benchmark run in this process may change for the whole process:
    environment variables (``XDG_CACHE_HOME``, ...), ``sys.path``, the GIL switch interval
    (``favour_event_loop``), NumPy's BLAS thread limits and a ``sys.modules`` entry set to
    None to block an import."""
    from threadpoolctl import threadpool_info, threadpool_limits

    environ, path, interval = dict(os.environ), list(sys.path), sys.getswitchinterval()
    modules = dict(sys.modules)
    threads = {pool["filepath"]: pool["num_threads"] for pool in threadpool_info()}
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(environ)
        sys.path[:] = path
        sys.setswitchinterval(interval)
        blocked = [n for n, m in sys.modules.items() if m is None and modules.get(n, n)]
        for name in blocked:  # an import blocked by the benchmark: as it was before
            if name in modules:
                sys.modules[name] = modules[name]
            else:
                del sys.modules[name]
        for pool in threadpool_info():
            if threads.get(pool["filepath"], pool["num_threads"]) != pool["num_threads"]:
                threadpool_limits(threads[pool["filepath"]], user_api=pool["user_api"])


def run_python_json(code: str, *args, timeout: int = 300):
    """Run ``code`` with ``args`` in a fresh interpreter (TensorFlow set up anew, e.g. with
    logical devices); it must succeed and print a JSON value as its last line."""
    import json

    proc = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=ROOT,
        env={**_env(), "KERAS_BACKEND": "tensorflow"},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def tiny_npz(path, n: int = 200, labels: bool = True):
    """``n`` images spread over mnist-5k (with their labels: mnist-5k is sorted by class, so
    every class is there) as ``path`` (.npz)."""
    import numpy as np

    from explorer.core.data.sources import open_dataset

    ds = open_dataset("mnist-5k")
    rows = np.linspace(0, len(ds) - 1, n).round().astype(int)
    arrays = {"images": ds.images[rows]}
    if labels:
        arrays["labels"] = ds.labels[rows]
    np.savez(path, **arrays)
    return path


@contextlib.contextmanager
def read_only(folder: Path):
    """Make ``folder`` read-only for the block, even for root (the tests run as root, who
    ignores permission bits): ``chattr +i`` makes it immutable, so no file can be created,
    renamed or removed in it, as on a read-only mount. Without ``chattr`` (or the capability
    it needs) a non-root user gets ``chmod a-w``; otherwise the test is skipped."""
    import pytest

    chattr = shutil.which("chattr")
    if chattr and subprocess.run([chattr, "+i", str(folder)], capture_output=True).returncode == 0:
        try:
            yield folder
        finally:
            subprocess.run([chattr, "-i", str(folder)], check=True)
        return
    if os.geteuid() == 0:
        pytest.skip("cannot make a folder read-only for root here (no chattr +i)")
    mode = folder.stat().st_mode
    folder.chmod(mode & ~0o222)
    try:
        yield folder
    finally:
        folder.chmod(mode)
