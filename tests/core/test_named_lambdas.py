"""A ``Lambda`` saved by name only (Keras 3 keeps a named function's name, not its code):
the classic VAE sampling layer is left out and the encoder loads as mu and logvar, with a
note and without running code; any other such Lambda is one line naming the function and
``--model-code``, which then provides it."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from keras import layers, ops

from explorer.core.errors import ModelLoadError
from explorer.core.model.model_files import load_net
from explorer.core.model.pair import LoadOptions, load_pair
from tests.helpers import run_cli_here


def sampling(args):
    mu, logvar = args
    return mu + ops.exp(0.5 * logvar) * keras.random.normal(ops.shape(mu))


def scale(x):
    return x * 2.0


def add_branches(args):
    return args[0] + args[1]


def _encoder(path, outputs: str):
    inp = keras.Input((28, 28, 1))
    x = layers.Dense(16, activation="relu")(layers.Flatten()(inp))
    mu, logvar = layers.Dense(2, name="mu")(x), layers.Dense(2, name="logvar")(x)
    z = layers.Lambda(sampling, name="z")([mu, logvar])
    keras.Model(inp, [mu, logvar, z] if outputs == "all" else z).save(path)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("lambdas")
    zin = keras.Input((2,))
    out = layers.Reshape((28, 28, 1))(layers.Dense(784, activation="sigmoid")(zin))
    keras.Model(zin, out).save(root / "dec.keras")
    inp = keras.Input((28, 28, 1))
    x = layers.Flatten()(layers.Lambda(scale, name="scaled")(inp))
    keras.Model(inp, layers.Dense(2)(x)).save(root / "mid.keras")
    (root / "code.py").write_text("def scale(x):\n    return x * 2.0\n")
    x = layers.Flatten()(inp)
    left, right = layers.Dense(2, name="left")(x), layers.Dense(2, name="right")(x)
    keras.Model(inp, layers.Lambda(add_branches, name="joined")([left, right])).save(
        root / "sum.keras"
    )
    return {
        "all": _encoder(root / "all.keras", "all"),
        "z only": _encoder(root / "z.keras", "z"),
        "dec": root / "dec.keras",
        "mid": root / "mid.keras",
        "sum": root / "sum.keras",
        "code": root / "code.py",
    }


@pytest.mark.parametrize("outputs", ["all", "z only"])
def test_a_sampling_lambda_saved_by_name_is_left_out(files, outputs):
    net = load_net(files[outputs])  # no --trust-model-code: no code runs
    assert net.output_names == ["mu", "logvar"] and net.output_shapes == [(2,), (2,)]
    assert "Lambda layer 'z' (function 'sampling'" in net.note and "samples z itself" in net.note
    model = load_pair(files[outputs], files["dec"])
    assert model.kind == "vae" and model.z_dim == 2 and model.load_notes == [net.note]
    x = np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)
    mu, logvar = net(x)
    reference = keras.models.load_model(files["all"], safe_mode=False, custom_objects={
        "sampling": sampling})  # fmt: skip
    if outputs == "all":  # the same weights give the same mu and logvar as the whole model
        want = reference(x)
        np.testing.assert_allclose(mu, want[0], atol=1e-6)
        np.testing.assert_allclose(logvar, want[1], atol=1e-6)


def test_another_lambda_saved_by_name_is_one_line_and_model_code_provides_it(files):
    with pytest.raises(ModelLoadError) as err:
        load_net(files["mid"], trust=True)
    assert str(err.value) == (
        f"{files['mid']}: its Lambda layer 'scaled' calls the function 'scale', which Keras "
        "saves by name, not as code, so the file does not hold it; give the Python file that "
        "defines it with --model-code FILE.py --trust-model-code"
    )
    net = load_net(files["mid"], trust=True, code=files["code"])
    assert net.note == "" and net.output_shapes == [(2,)]
    # two same-shaped inputs, but not named for sampling: never reread as mu and logvar
    with pytest.raises(
        ModelLoadError, match="Lambda layer 'joined' calls the function 'add_branches'"
    ):
        load_net(files["sum"])


def test_info_says_it_in_one_line(files):
    r = run_cli_here("info", "--encoder", files["all"], "--decoder", files["dec"])
    assert r.returncode == 0, r.stderr
    assert [line for line in r.stderr.splitlines() if "Lambda" in line] == [
        load_net(files["all"]).note
    ]
    assert "VAE" in r.stdout
    options = LoadOptions(trust=True)
    assert load_pair(files["z only"], files["dec"], options).kind == "vae"
