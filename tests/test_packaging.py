"""``pip install .`` gives a working app: the wheel carries resources/ and models/."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_ships_data_and_models(tmp_path):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            str(ROOT),
            "-w",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    wheel = next(tmp_path.glob("latent_explorer-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "explorer/resources/mnist_5k.npz" in names
    assert "explorer/resources/mnist_5k.LICENSE-BSD3.txt" in names
    for model in ("mnist_ae", "mnist_vae", "mnist_vae_tinykl", "mnist_ae_z2", "mnist_vae_z2"):
        assert (
            f"explorer/models/{model}/model.keras" in names
            and f"explorer/models/{model}/meta.json" in names
        )
    assert not any("/cache/" in n for n in names)
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "explorer").rglob("*.py")}
    assert not sources - names, "sub-packages missing from pyproject's package list"
    assert any(n.endswith("entry_points.txt") for n in names)
    # Installed elsewhere (no checkout around it), the paths resolve inside the package.
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = (
        "from explorer.core.util.paths import resources_dir, shipped_model; "
        "print(resources_dir()); print((resources_dir() / 'mnist_5k.npz').is_file(), "
        "(shipped_model('mnist_vae') / 'model.keras').is_file())"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    where, ok = r.stdout.strip().splitlines()
    assert where.startswith(str(target)) and ok == "True True"
