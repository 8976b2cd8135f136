"""The grids' context menu features: seed 000's sharpening and the column animation."""

import numpy as np
from PIL import Image, ImageEnhance


def test_enhance_sharpening_regrids_the_same_z_points(window):
    s = window.slots["A"]
    z_before = s.grid.samples.z
    window.set_sharpening({"method": "enhance", "factor": 7.0})
    assert window.wait_idle(60_000)
    assert s.spec.sharpen == {"method": "enhance", "factor": 7.0}
    assert s.grid.samples.z is z_before  # the same z-points, sharpened again
    tiles = np.asarray(s.grid.images)  # decoded, uint8 (n, h, w, 1)
    assert tiles.dtype == np.uint8 and tiles.shape[1:] == (28, 28, 1)
    cols, pad, (h, w) = s.spec.cols, s.spec.padding, tiles.shape[1:3]
    sharpened = np.asarray(s.grid.sharpened)
    sharpened = sharpened[..., 0] if sharpened.ndim == 3 else sharpened
    for i in (0, 9, 63):  # tile i of the sharpened grid is Pillow's enhance of decoded tile i
        r, c = divmod(i, cols)
        y, x = pad + r * (h + pad), pad + c * (w + pad)
        tile = sharpened[y : y + h, x : x + w]
        expected = ImageEnhance.Sharpness(Image.fromarray(tiles[i, ..., 0])).enhance(7.0)
        np.testing.assert_array_equal(tile, np.asarray(expected))
    window.set_sharpening({"method": "unsharp", "radius": 2.0, "percent": 150, "threshold": 3})
    assert window.wait_idle(60_000)
    assert s.spec.sharpen["method"] == "unsharp"


def test_export_grid_with_gif_and_the_gif_alone(window, tmp_path):
    written = window.export_grid("B", tmp_path / "b.png", gif=True)
    assert tmp_path / "b.gif" in written
    spec = window.slots["B"].spec
    path = window.export_gif("B", tmp_path / "alone.gif")
    with Image.open(path) as gif:
        assert gif.n_frames == spec.cols
        assert gif.size == (28 + 2 * spec.padding, spec.rows * (28 + spec.padding) + spec.padding)
