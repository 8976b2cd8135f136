"""``sample``/``compare`` with seed 000's sharpening and the column animation (--gif)."""

import json

import numpy as np
from PIL import Image, ImageEnhance

from tests.helpers import ROOT, run_cli_here


def test_sample_enhance_sharpening_and_gif(tmp_path):
    out = tmp_path / "interp.png"
    r = run_cli_here(
        "sample", ROOT / "models" / "mnist_vae", "--sampler", "interpolate",
        "--start-index", "0", "--end-index", "1", "--dataset", "mnist-5k", "--grid", "2x6",
        "--sharpen", "--sharpen-method", "enhance", "--sharpen-factor", "7", "--gif",
        "--out", out,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    info = json.loads(out.with_suffix(".json").read_text())
    assert info["sharpen"] == {"method": "enhance", "factor": 7.0}
    plain = np.asarray(Image.open(out))
    sharp = np.asarray(Image.open(out.with_name("interp.sharp.png")))
    tile = plain[2:30, 2:30]  # the first tile; sharpened with Pillow's enhance, per tile
    expected = np.asarray(ImageEnhance.Sharpness(Image.fromarray(tile)).enhance(7.0))
    np.testing.assert_array_equal(sharp[2:30, 2:30], expected)
    with Image.open(out.with_suffix(".gif")) as gif:
        assert gif.n_frames == 6 and gif.size == (32, 2 * 30 + 2)
        gif.seek(5)  # the last frame: the last column of both rows
        np.testing.assert_array_equal(
            np.asarray(gif.convert("L"))[2:30, 2:30], plain[2:30, 152:180]
        )


def test_compare_writes_a_gif_per_model(tmp_path):
    r = run_cli_here(
        "compare", ROOT / "models" / "mnist_ae", ROOT / "models" / "mnist_vae",
        "--grid", "2x3", "--gif", "--out", tmp_path / "c",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    for slot in "AB":
        with Image.open(tmp_path / "c" / f"{slot}.gif") as gif:
            assert gif.n_frames == 3
