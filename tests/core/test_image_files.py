"""The images users have, read the same way on every path (one decoder): CMYK JPEGs (TF's
decoder skipped them), palette and transparent PNGs, 16-bit PNGs (scaled, not clipped),
animated GIFs (their first frame; TF refused GIF for a grey model), EXIF orientation (TF
ignored it), BMP, TIFF and WebP; a file that cannot be read is counted with its reason."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from explorer.core.data.pipeline import UNREADABLE, uint8_batches, unreadable_summary
from explorer.core.data.sources import open_dataset
from explorer.core.errors import DatasetError
from explorer.core.util.image_files import read_image
from explorer.core.util.paths import shipped_model
from tests.helpers import run_cli_here

RGB = (200, 60, 20)


def _halves(size=(40, 40)) -> np.ndarray:
    """Left half white, right half black (grey)."""
    arr = np.zeros((size[1], size[0]), np.uint8)
    arr[:, : size[0] // 2] = 255
    return arr


def make_files(folder):
    folder.mkdir(exist_ok=True)
    files = {}
    Image.new("RGB", (40, 40), RGB).convert("CMYK").save(folder / "cmyk.jpg", quality=95)
    files["cmyk"] = folder / "cmyk.jpg"
    pal = Image.new("P", (40, 40), 1)
    pal.putpalette([0, 0, 0, *RGB] + [0] * 762)
    pal.save(folder / "palette.png")
    files["palette"] = folder / "palette.png"
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[..., :3], rgba[:, :20, 3] = 255, 255  # opaque white left, transparent white right
    Image.fromarray(rgba, "RGBA").save(folder / "alpha.png")
    files["alpha"] = folder / "alpha.png"
    Image.fromarray(np.full((40, 40), 32896, np.uint16)).save(folder / "sixteen.png")  # 0.502
    files["sixteen"] = folder / "sixteen.png"
    frames = [Image.fromarray(np.full((40, 40), v, np.uint8)) for v in (30, 220)]
    frames[0].save(folder / "anim.gif", save_all=True, append_images=frames[1:], duration=50)
    files["gif"] = folder / "anim.gif"
    # stored with its white half at the bottom; turned 90 degrees clockwise (EXIF 6), as
    # every viewer shows it, the white half is on the left
    sideways = Image.fromarray(np.rot90(_halves(), k=1).copy())
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    sideways.save(folder / "exif.jpg", exif=exif, quality=95)
    files["exif"] = folder / "exif.jpg"
    for suffix in ("bmp", "tiff", "webp"):
        Image.new("RGB", (40, 40), RGB).save(folder / f"plain.{suffix}")
        files[suffix] = folder / f"plain.{suffix}"
    return files


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return make_files(tmp_path_factory.mktemp("images") / "imgs")


def test_every_kind_reads(files):
    grey, colour = (8, 8, 1), (8, 8, 3)
    for name in ("cmyk", "bmp", "tiff", "webp", "palette"):
        pixel = read_image(files[name], colour)[4, 4]
        assert np.abs(pixel.astype(int) - RGB).max() <= 12, (name, pixel)
    alpha = read_image(files["alpha"], grey)[..., 0]
    assert alpha[4, 0] == 255 and alpha[4, 7] == 0  # transparent over black, not its white
    assert abs(int(read_image(files["sixteen"], grey)[4, 4, 0]) - 128) <= 1  # scaled, not 255
    assert abs(int(read_image(files["gif"], grey)[4, 4, 0]) - 30) <= 2  # the first frame
    upright = read_image(files["exif"], grey)[..., 0].astype(int)
    assert upright[4, 1] > 200 and upright[4, 6] < 50  # white left, black right, as viewed


def test_a_folder_reads_them_all_and_counts_what_it_cannot_with_its_reason(files, tmp_path):
    folder = files["cmyk"].parent
    (folder / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    try:
        ds = open_dataset(str(folder), (8, 8, 3))
        assert len(ds) == len(files) + 1
        batches = list(uint8_batches(ds, 4))
        read = np.concatenate([i for _, i in batches])
        pixels = dict(zip(read.tolist(), np.concatenate([x for x, _ in batches]), strict=True))
        names = sorted(ds.files[i].name for i in read)
        assert names == sorted(p.name for p in files.values())  # CMYK, GIF, EXIF ... all read
        (bad,) = ds.extra[UNREADABLE]
        assert ds.files[bad].name == "broken.jpg"
        assert unreadable_summary(ds).startswith(f"1 unreadable file skipped (first: {folder}")
        for i in read.tolist():  # a single read gives the pipeline's pixels: one decoder
            np.testing.assert_array_equal(ds.image(i), pixels[i])
    finally:
        (folder / "broken.jpg").unlink()
    with pytest.raises(DatasetError, match="unreadable image"):
        read_image(tmp_path / "nothing.png", (8, 8, 1))


def test_an_image_too_large_to_decode_is_one_line_not_a_crash(files, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # 40x40 is now a decompression bomb
    with pytest.raises(DatasetError, match="unreadable image"):
        read_image(files["bmp"], (8, 8, 3))


def test_reconstruct_takes_a_cmyk_jpeg_and_a_gif_for_a_grey_model(files, tmp_path):
    out = tmp_path / "rec.png"
    r = run_cli_here(
        "reconstruct", shipped_model("mnist_ae"), "--images", files["cmyk"], files["gif"],
        "--out", out,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert out.is_file()
