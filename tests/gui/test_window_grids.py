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


def test_reconstruction_view_data_set_images_and_dropped_files(window, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent
    from PySide6.QtWidgets import QTableWidget, QWidget

    from explorer.core.latent.reconstruct import tile_rows

    panel = window.findChild(QWidget, "reconstructionView")
    window.show_view("reconstructions")  # shown the first time: the split's first images
    assert window.wait_idle(60_000)
    assert panel.images is not None and len(panel.chosen["indices"]) == panel.count.value()
    panel.count.setValue(5)
    panel.step(1)
    assert window.wait_idle(60_000)
    assert panel.chosen["split"] == "validation" and len(panel.chosen["indices"]) == 5
    ds = window.slots["A"].dataset
    np.testing.assert_array_equal(
        panel.images[:, ..., 0], ds.images[panel.chosen["indices"]][..., 0]
    )
    recs = panel.recs()
    models = [window.slots[s].model for s in "AB"]  # whatever the settings loaded
    assert [r.model.name for r in recs] == [m.name for m in models]
    assert [r.reconstructed_from for r in recs] == [
        "mu" if m.kind == "vae" else "z" for m in models
    ]
    table = window.findChild(QTableWidget, "reconstructionTable")
    assert (table.rowCount(), table.columnCount()) == (4, 5)
    assert float(table.item(0, 0).text()) == round(float(recs[0].loss[0]), 1)
    grid = tile_rows(panel.images, recs)
    assert (
        panel.view.pixmap.width() == grid.shape[1] and panel.view.pixmap.height() == grid.shape[0]
    )
    written = panel.export(tmp_path / "rec.png")
    assert [p.name for p in written] == ["rec.png", "rec.json"]

    colour = tmp_path / "me.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (37, 50, 3), np.uint8)).save(colour)
    grey = tmp_path / "grey.jpg"
    Image.fromarray(np.full((60, 40), 200, np.uint8)).save(grey)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(colour)), QUrl.fromLocalFile(str(grey))])
    drop = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )  # fmt: skip
    panel.dropEvent(drop)
    assert window.wait_idle(60_000)
    assert panel.chosen == {"files": [str(colour), str(grey)]}
    assert panel.images.shape == (2, 28, 28, 1) and table.columnCount() == 2
    assert table.horizontalHeaderItem(0).text() == "me.png"


def test_bad_sharpening_is_one_line_and_keeps_the_grids(window):
    import pytest

    from explorer.core.errors import InvalidParameter

    before = window.sharpen_params()
    with pytest.raises(InvalidParameter, match="factor"):
        window.set_sharpening({"method": "enhance", "factor": -1.0})
    with pytest.raises(InvalidParameter, match="method"):
        window.set_sharpening({"method": "blur"})
    assert window.sharpen_params() == before
