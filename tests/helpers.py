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


def run_python_json(code: str, *args, timeout: int = 300) -> dict:
    """Run ``code`` with ``args`` in a fresh interpreter (TensorFlow set up anew, e.g. with
    logical devices); it must succeed and print a JSON object as its last line."""
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
