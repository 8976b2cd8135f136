"""Tests for explorer.core.util.imaging."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from explorer.core.errors import DatasetError, InvalidParameter
from explorer.core.util.image_files import read_image
from explorer.core.util.imaging import save_png, sharpen, tile_grid, to_uint8


def test_to_uint8_clips_and_rounds() -> None:
    out = to_uint8(np.array([0.0, 0.5, 1.0, -0.3, 1.7, 0.2]))
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, [0, 128, 255, 0, 255, 51])


def test_tile_grid_gray_layout() -> None:
    images = np.stack([np.full((2, 3, 1), v, np.uint8) for v in (10, 20, 30)])
    grid = tile_grid(images, rows=2, cols=2, padding=1, background=200)
    assert grid.shape == (2 * 2 + 3, 2 * 3 + 3) and grid.dtype == np.uint8
    np.testing.assert_array_equal(grid[1:3, 1:4], 10)  # tile (0, 0)
    np.testing.assert_array_equal(grid[1:3, 5:8], 20)  # tile (0, 1)
    np.testing.assert_array_equal(grid[4:6, 1:4], 30)  # tile (1, 0)
    np.testing.assert_array_equal(grid[4:6, 5:8], 200)  # missing tile (1, 1)
    for line in (0, 3, 6):
        np.testing.assert_array_equal(grid[line], 200)  # padding rows
    for col in (0, 4, 8):
        np.testing.assert_array_equal(grid[:, col], 200)  # padding columns
    assert (grid != 200).sum() == 3 * 6


def test_tile_grid_rgb_float_and_no_padding() -> None:
    images = np.zeros((2, 2, 2, 3), np.float32)
    images[0, ..., 0] = 1.0  # red
    images[1, ..., 2] = 1.0  # blue
    grid = tile_grid(images, rows=1, cols=2, padding=0)
    assert grid.shape == (2, 4, 3) and grid.dtype == np.uint8
    np.testing.assert_array_equal(grid[:, :2], [[[255, 0, 0]] * 2] * 2)
    np.testing.assert_array_equal(grid[:, 2:], [[[0, 0, 255]] * 2] * 2)


def test_tile_grid_rgb_background_triple() -> None:
    grid = tile_grid(np.zeros((1, 1, 1, 3), np.uint8), 1, 2, padding=1, background=(1, 2, 3))
    np.testing.assert_array_equal(grid[0, 0], [1, 2, 3])
    np.testing.assert_array_equal(grid[1, 1], [0, 0, 0])


@pytest.mark.parametrize(
    ("shape", "rows", "cols", "kwargs", "message"),
    [
        ((1, 2, 2, 1), 0, 1, {}, "rows must be"),
        ((1, 2, 2, 1), 1, 0, {}, "cols must be"),
        ((5, 2, 2, 1), 2, 2, {}, "5 images do not fit a 2 x 2 grid"),
        ((1, 2, 2, 4), 1, 1, {}, "1 or 3 channels"),
        ((1, 2, 2, 1), 1, 1, {"padding": -1}, "padding"),
        ((1, 2, 2, 1), 1, 1, {"background": 300}, "background"),
    ],
)
def test_tile_grid_errors(shape, rows, cols, kwargs, message) -> None:
    with pytest.raises(InvalidParameter, match=message):
        tile_grid(np.zeros(shape, np.uint8), rows, cols, **kwargs)


def _edge(h: int = 16, w: int = 16) -> np.ndarray:
    image = np.full((h, w), 100, np.uint8)
    image[:, w // 2 :] = 160
    return image


def test_sharpen_changes_edge_keeps_shape_and_dtype() -> None:
    image = _edge()
    out = sharpen(image, radius=2.0, percent=150, threshold=3)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert not np.array_equal(out, image)
    # Unsharp masking overshoots on both sides of the edge.
    assert out[:, 7].max() < 100 and out[:, 8].min() > 160


def test_sharpen_flat_image_and_high_threshold_unchanged() -> None:
    flat = np.full((8, 8), 77, np.uint8)
    np.testing.assert_array_equal(sharpen(flat), flat)
    np.testing.assert_array_equal(sharpen(_edge(), threshold=255), _edge())


def test_sharpen_rgb_and_channel_axis() -> None:
    rgb = np.repeat(_edge()[..., None], 3, axis=2)
    out = sharpen(rgb)
    assert out.shape == rgb.shape
    single = sharpen(_edge()[..., None])
    assert single.shape == (16, 16, 1)
    np.testing.assert_array_equal(single[..., 0], sharpen(_edge()))
    np.testing.assert_array_equal(out[..., 1], single[..., 0])


def test_sharpen_batch_is_per_image_and_padding_untouched() -> None:
    batch = np.stack([_edge()[..., None], 255 - _edge()[..., None]])
    out = sharpen(batch)
    assert out.shape == batch.shape
    np.testing.assert_array_equal(out[1, ..., 0], sharpen(255 - _edge()))
    grid = tile_grid(out, 1, 2, padding=3, background=255)
    np.testing.assert_array_equal(grid[:, 16 + 3 : 16 + 6], 255)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"radius": -1}, "radius"), ({"percent": -5}, "percent"), ({"threshold": 300}, "threshold")],
)
def test_sharpen_errors(kwargs, message) -> None:
    with pytest.raises(InvalidParameter, match=message):
        sharpen(_edge(), **kwargs)


@pytest.mark.parametrize("shape", [(9, 7), (9, 7, 3)])
def test_save_png_deterministic_and_exact(tmp_path: Path, shape) -> None:
    array = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    first, second = tmp_path / "a.png", tmp_path / "sub" / "b.png"
    save_png(array, first)
    save_png(array, second)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(first) as img:
        np.testing.assert_array_equal(np.asarray(img), array)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.png", "b.png"]


def test_save_png_rejects_bad_shape(tmp_path: Path) -> None:
    with pytest.raises(InvalidParameter):
        save_png(np.zeros((4, 4, 2), np.uint8), tmp_path / "x.png")
    assert not list(tmp_path.iterdir())


def test_read_image_crops_the_centre_square_and_converts_channels(tmp_path: Path) -> None:
    rgb = np.zeros((10, 20, 3), np.uint8)
    rgb[:, :10] = (255, 0, 0)
    rgb[:, 10:] = (0, 0, 255)
    path = tmp_path / "img.png"
    Image.fromarray(rgb).save(path)

    out = read_image(path, (10, 10, 3))  # the centre square: columns 5..14
    assert out.shape == (10, 10, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out[:, :5], np.broadcast_to([255, 0, 0], (10, 5, 3)))
    np.testing.assert_array_equal(out[:, 5:], np.broadcast_to([0, 0, 255], (10, 5, 3)))

    gray = read_image(path, (4, 4, 1))
    assert gray.shape == (4, 4, 1)
    assert gray[:, 0].mean() > gray[:, -1].mean()  # red is brighter than blue in luma


def test_read_image_corrupt_and_missing(tmp_path: Path) -> None:
    good = tmp_path / "good.png"
    noise = np.random.default_rng(0).integers(0, 256, (32, 32), dtype=np.uint8)
    Image.fromarray(noise).save(good)  # incompressible, so the cut lands inside the pixels
    assert read_image(good, (32, 32, 1)).shape == (32, 32, 1)
    truncated = tmp_path / "truncated.png"
    truncated.write_bytes(good.read_bytes()[:500])
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"not an image at all")
    for bad in (truncated, garbage, tmp_path / "missing.png"):
        with pytest.raises(DatasetError, match=bad.name):
            read_image(bad, (8, 8, 1))


def test_enhance_sharpening_is_pillow_per_tile() -> None:
    from PIL import ImageEnhance

    tiles = np.random.default_rng(1).integers(0, 256, (5, 12, 12, 1), dtype=np.uint8)
    out = sharpen(tiles, method="enhance", factor=7.0)
    expected = [
        np.asarray(ImageEnhance.Sharpness(Image.fromarray(t[..., 0])).enhance(7.0)) for t in tiles
    ]
    np.testing.assert_array_equal(out[..., 0], np.stack(expected))
    assert not np.array_equal(out, sharpen(tiles))  # not the unsharp mask
    np.testing.assert_array_equal(sharpen(tiles, method="enhance", factor=1.0), tiles)
    with pytest.raises(InvalidParameter, match="factor"):
        sharpen(tiles, method="enhance", factor=-1.0)
    with pytest.raises(InvalidParameter, match="method"):
        sharpen(tiles, method="blur")


def test_column_frames_and_gif(tmp_path: Path) -> None:
    from explorer.core.util.imaging import column_frames, save_gif

    rows, cols = 3, 4
    images = np.stack([np.full((6, 5, 1), 10 * i, np.uint8) for i in range(rows * cols)])
    frames = column_frames(images, rows, cols, padding=2)
    assert len(frames) == cols
    for k, frame in enumerate(frames):
        assert frame.shape == (rows * (6 + 2) + 2, 5 + 4)  # grey: (h, w), as tile_grid
        for r in range(rows):  # the tile of row r in frame k is image r * cols + k
            tile = frame[2 + r * 8 : 2 + r * 8 + 6, 2 : 2 + 5]
            assert (tile == 10 * (r * cols + k)).all()
    path = tmp_path / "grid.gif"
    save_gif(frames, path, frame_ms=100)
    with Image.open(path) as gif:
        assert gif.n_frames == cols
        for k in range(cols):
            gif.seek(k)
            np.testing.assert_array_equal(np.asarray(gif.convert("L")), frames[k])
    with pytest.raises(InvalidParameter, match="fill"):
        column_frames(images[:5], rows, cols)
