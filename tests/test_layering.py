"""The core stays Qt-free and the command line answers --help without TensorFlow."""

import subprocess
import sys

CORE_MODULES = [
    "explorer.core",
    "explorer.core.config",
    "explorer.core.nets",
    "explorer.core.datasets",
    "explorer.core.store",
    "explorer.core.training",
    "explorer.core.pipeline",
]


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_core_does_not_import_pyside6():
    imports = "; ".join(f"import {m}" for m in CORE_MODULES)
    r = _run(
        f"import sys; {imports}; assert 'tensorflow' in sys.modules; "
        "print('PySide6' in sys.modules)"
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"


def test_help_does_not_import_tensorflow():
    code = (
        "import sys\nfrom explorer.cli import main\n"
        "for argv in (['--help'], ['train', '--help'], ['info', '--help']):\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    r = _run(code)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "False False"
