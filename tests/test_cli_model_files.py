"""The command line on other people's model files: mixed formats, trust, ranges, compare pairs.
``info`` runs once as a user runs it; the other runs are in this process."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.core.model_builders import keras_decoder, lambda_vae_encoder, onnx_pair
from tests.helpers import run_cli as cli
from tests.helpers import run_cli_here


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("byo")
    onnx_enc, onnx_dec, _, _ = onnx_pair(root, channels_first=True)
    # an MNIST-shaped Lambda VAE (28x28x1, z 4) and a tanh decoder, as Keras 2 users saved them
    lambda_vae_encoder(shape=(28, 28, 1)).save(root / "lambda_enc.h5")
    keras_decoder("tanh", shape=(28, 28, 1)).save(root / "tanh_dec.h5")
    return {"onnx_enc": onnx_enc, "onnx_dec": onnx_dec, "root": root}


def test_info_says_formats_layout_and_ranges(files):
    r = cli("info", "--encoder", files["onnx_enc"], "--decoder", files["onnx_dec"], "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["layout"] == "channels_first" and info["input_shape"] == [8, 8, 1]
    assert info["files"]["encoder"]["format"] == "onnx"
    assert info["output_range"] == [-1.0, 1.0] and info["decoder_activation"] == "tanh"
    r = run_cli_here("info", "--encoder", files["onnx_enc"], "--decoder", files["onnx_dec"])
    assert "channels-first (c, h, w): images are transposed" in r.stdout
    assert "output range:    [-1, 1] (detected: the decoder ends in tanh)" in r.stdout
    r = run_cli_here(
        "info",
        "--encoder",
        files["onnx_enc"],
        "--decoder",
        files["onnx_dec"],
        "--output-range",
        "0:255",
        "--input-range",
        "-1:1",
    )
    assert "output range:    [0, 255] (given)" in r.stdout
    assert "input range:     [-1, 1] (given)" in r.stdout


def test_lambda_vae_needs_trust_on_every_command(files, tmp_path):
    root = files["root"]
    pair = ["--encoder", root / "lambda_enc.h5", "--decoder", root / "tanh_dec.h5"]
    for args in (
        ["info", *pair],
        ["encode", *pair, "--out", tmp_path / "z.npz"],
        ["sample", *pair, "--out", tmp_path / "g.png"],
    ):
        r = run_cli_here(*args)
        assert r.returncode == 2, r.stderr
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and "runs Python code when loaded" in lines[0], r.stderr
        assert "--trust-model-code" in lines[0]
    assert not any(tmp_path.iterdir())  # nothing written
    r = run_cli_here("encode", *pair, "--trust-model-code", "--out", tmp_path / "z.npz")
    assert r.returncode == 0, r.stderr
    with np.load(tmp_path / "z.npz") as f:
        assert f["z"].shape == (5000, 4) and f["mu"].shape == (5000, 4)
    r = run_cli_here(
        "sample", *pair, "--trust-model-code", "--grid", "2x3", "--out", tmp_path / "g.png"
    )
    assert r.returncode == 0, r.stderr
    side = json.loads((tmp_path / "g.json").read_text())
    assert side["grid"] == {"rows": 2, "cols": 3, "padding": 2}


def test_compare_takes_encoder_decoder_pairs(files, tmp_path):
    root = files["root"]
    r = run_cli_here(
        "compare",
        "models/mnist_vae_z2",
        "--encoder-b",
        root / "lambda_enc.h5",
        "--decoder-b",
        root / "tanh_dec.h5",
        "--trust-model-code",
        "--grid",
        "2x2",
        "--out",
        tmp_path / "cmp",
    )
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "cmp" / "summary.json").read_text())
    assert summary["models"]["B"]["name"] == "lambda_enc+tanh_dec"
    assert summary["models"]["A"]["z_dim"] == 2 and summary["models"]["B"]["z_dim"] == 4
    r = run_cli_here(
        "compare", "models/mnist_vae", "--encoder-b", root / "lambda_enc.h5", "--out", tmp_path
    )
    assert r.returncode == 2 and "needs both --encoder-b and --decoder-b" in r.stderr
    r = run_cli_here("compare", "models/mnist_vae", "--out", tmp_path / "c2")
    assert r.returncode == 2 and "no model B" in r.stderr
