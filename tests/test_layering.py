"""The command line answers --help without importing TensorFlow.

The layering itself (the core never imports Qt, layers point one way, no cycles) is checked on
every module by import-linter in ``make lint``; see the contracts in ``pyproject.toml``.
"""

import subprocess
import sys


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


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
