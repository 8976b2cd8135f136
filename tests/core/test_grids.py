import json

import numpy as np
import pytest

from explorer.core.errors import InvalidParameter
from explorer.core.latent.grids import GridSpec, export_grid, regenerate, render, sample_z
from explorer.core.model.store import load_model


@pytest.fixture(scope="module")
def ae(tiny_bundles):
    return load_model(tiny_bundles["ae"])


def test_export_writes_png_sidecar_npy_and_regenerates_identically(ae, tmp_path):
    spec = GridSpec(
        "uniform",
        {"limit": 2.0},
        rows=3,
        cols=5,
        seed=4,
        sharpen={"radius": 2, "percent": 150, "threshold": 3},
    )
    grid = render(ae, sample_z(spec, ae.z_dim), spec)
    written = export_grid(grid, spec, tmp_path / "g.png")
    assert sorted(p.name for p in written) == ["g.json", "g.npy", "g.png", "g.sharp.png"]
    info = json.loads((tmp_path / "g.json").read_text())
    assert info["sampler_description"] == {
        "sampler": "uniform",
        "n": 15,
        "z_dim": 16,
        "seed": 4,
        "limit": 2.0,
    }
    assert info["grid"] == {"rows": 3, "cols": 5, "padding": 2} and "app_version" in info
    z = np.load(tmp_path / "g.npy")
    assert z.shape == (15, 16) and np.abs(z).max() <= 2.0
    again = regenerate(tmp_path / "g.json")
    export_grid(again, spec, tmp_path / "h.png")
    assert (tmp_path / "g.png").read_bytes() == (tmp_path / "h.png").read_bytes()
    assert (tmp_path / "g.sharp.png").read_bytes() == (tmp_path / "h.sharp.png").read_bytes()
    assert grid.image.shape == (2 + 3 * 30, 2 + 5 * 30)


def test_grid_validation(ae):
    with pytest.raises(InvalidParameter, match="at least 1x1"):
        sample_z(GridSpec(rows=0, cols=3), 16)
    spec = GridSpec()
    with pytest.raises(InvalidParameter, match="z_dim"):
        render(ae, sample_z(spec, 3), spec)
