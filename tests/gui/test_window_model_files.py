"""The window on other people's model files: a trust question naming the file, the value ranges
in the slot (remembered per file), ONNX/h5 pairs, and a bad file that keeps the old model."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox

from explorer.gui.widgets.settings import open_settings, read_json
from tests.core.model_builders import keras_decoder, lambda_vae_encoder

MNIST = (28, 28, 1)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("window_byo")
    lambda_vae_encoder(shape=MNIST).save(root / "lambda_enc.h5")
    keras_decoder("tanh", shape=MNIST).save(root / "tanh_dec.h5")
    keras_decoder("sigmoid", shape=MNIST).save(root / "sig_dec.keras")
    (root / "broken.onnx").write_bytes(b"\x08not an onnx file")
    return root


def _box(window, name):
    return window.findChild(QMessageBox, name)


def test_trust_is_asked_naming_the_file_refused_then_given(window, files):
    pair = {"encoder": files / "lambda_enc.h5", "decoder": files / "tanh_dec.h5"}
    before = window.slots["B"].model.name  # the shipped model, or the last session's
    window.load_model("B", **pair)
    assert window.wait_idle(120_000)
    box = _box(window, "trustModelBox")
    assert box is not None and box.isVisible()
    assert str(files / "lambda_enc.h5") in box.text() and "runs Python code" in box.text()
    assert window.slots["B"].model.name == before  # nothing loaded without an answer
    box.button(QMessageBox.StandardButton.No).click()
    error = window.findChild(QLabel, "modelErrorB")
    assert error.isVisible() and "--trust-model-code" in error.text()
    assert window.slots["B"].model.name == before
    box.deleteLater()

    window.load_model("B", **pair)
    assert window.wait_idle(120_000)
    box = _box(window, "trustModelBox")
    box.button(QMessageBox.StandardButton.Yes).click()
    assert window.wait_idle(240_000)
    model = window.slots["B"].model
    assert model.name == "lambda_enc+tanh_dec" and model.trusted
    assert model.output_range == (-1.0, 1.0)
    assert not window.findChild(QLabel, "modelErrorB").isVisible()
    out = window.findChild(QComboBox, "outputRangeB")
    assert out.isEnabled() and out.currentText() == "auto [-1, 1]"
    assert window.slots["B"].grid is not None
    window.save_settings()  # trust is never carried into the next session
    saved = read_json(open_settings(), "models")["B"]
    assert saved["encoder"] == str(files / "lambda_enc.h5") and "trust" not in saved
    box.deleteLater()


def test_ranges_are_changed_in_the_slot_and_remembered(window, files):
    pair = {"encoder": files / "lambda_enc.h5", "decoder": files / "sig_dec.keras"}
    window.load_model("A", trust=True, **pair)
    assert window.wait_idle(240_000)
    assert window.slots["A"].model.output_range == (0.0, 1.0)
    before = window.slots["A"].grid.images.copy()
    box = window.findChild(QComboBox, "outputRangeA")
    box.setCurrentIndex(box.findText("[-1, 1]"))
    box.activated.emit(box.currentIndex())
    assert window.wait_idle(240_000)
    model = window.slots["A"].model
    assert model.output_range == (-1.0, 1.0) and model.range_notes["output"] == "given"
    after = window.slots["A"].grid.images
    # sigmoid outputs y in (0, 1) now read as [-1, 1]: pixels (y + 1) / 2, all >= 127
    assert after.min() >= 127 and not np.array_equal(before, after)
    window.load_model("A", trust=True, **pair)  # loaded again: the choice is remembered
    assert window.wait_idle(240_000)
    assert window.slots["A"].model.output_range == (-1.0, 1.0)
    assert box.currentText() == "[-1, 1]"
    box.setCurrentIndex(0)
    box.activated.emit(0)
    assert window.wait_idle(240_000)
    assert window.slots["A"].model.output_range == (0.0, 1.0)


def test_bad_file_keeps_the_model_with_the_message_in_the_slot(window, files):
    name = window.slots["A"].model.name
    window.load_model("A", encoder=files / "broken.onnx", decoder=files / "tanh_dec.h5")
    assert window.wait_idle(120_000)
    assert window.slots["A"].model.name == name
    error = window.findChild(QLabel, "modelErrorA")
    assert error.isVisible() and "broken.onnx: onnxruntime could not load it" in error.text()
    box = _box(window, "loadErrorBox")
    if box is not None:
        box.close()


def test_float_data_sets_with_detected_refused_and_given_ranges(window, tmp_path):
    from explorer.core.data.sources import open_dataset

    digits = open_dataset("mnist-5k").images[:64].astype(np.float32)
    np.savez(tmp_path / "signed.npz", images=digits / 127.5 - 1.0)
    np.savez(tmp_path / "bytes.npz", images=digits)  # floats in 0..255
    window.set_dataset(str(tmp_path / "signed.npz"))
    assert window.wait_idle(240_000)
    assert len(window.slots["A"].encodings) == 64
    info = window.findChild(QLabel, "modelInfoA").text()
    assert "64 images of" in info and "float values in [-1, 1] (detected)" in info
    window.set_dataset(str(tmp_path / "bytes.npz"))
    assert window.wait_idle(240_000)
    assert len(window.slots["A"].encodings) == 64  # the previous data stay
    error = window.findChild(QLabel, "modelErrorA")
    assert "values outside [0, 1]" in error.text() and "--data-range" in error.text()
    box = _box(window, "loadErrorBox")
    if box is not None:
        box.close()
    window.set_dataset(str(tmp_path / "bytes.npz"), (0.0, 255.0))
    assert window.wait_idle(240_000)
    first = window.slots["A"].dataset.images[:64]
    np.testing.assert_array_equal(first, open_dataset("mnist-5k").images[:64])
    window.set_dataset("mnist-5k")
    assert window.wait_idle(240_000)


def test_a_savedmodel_is_picked_by_its_saved_model_pb():
    from explorer.gui.window.menus import MODEL_FILTER, model_path

    assert model_path("/m/dec_export/saved_model.pb") == "/m/dec_export"
    assert model_path("/m/enc.onnx") == "/m/enc.onnx"
    for pattern in ("*.keras", "*.h5", "*.onnx", "saved_model.pb"):
        assert pattern in MODEL_FILTER.split(";;")[0]


@pytest.fixture(scope="module", autouse=True)
def _shipped_models_again(window):
    """Leave the shipped models in the slots: the next module's window restores them."""
    yield
    from explorer.core.util.paths import shipped_model

    window.set_dataset("mnist-5k")
    window.load_model("A", shipped_model("mnist_ae"))
    window.load_model("B", shipped_model("mnist_vae"))
    assert window.wait_idle(240_000)
