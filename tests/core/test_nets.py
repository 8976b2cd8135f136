import numpy as np
import pytest

from explorer.core.errors import InvalidParameter
from explorer.core.model.config import Architecture, ModelConfig, preset
from explorer.core.model.nets import ClippedSampling, build_model, keras

SMALL = preset("mnist", filters=[8, 16, 16])


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_round_trip_gives_identical_outputs(kind, tmp_path):
    model = build_model(ModelConfig(kind=kind, architecture=SMALL, kl_weight=2.0))
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = np.random.default_rng(0).random((64, 28, 28, 1), dtype=np.float32)
    model.fit(x, epochs=1, batch_size=32, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    assert type(loaded) is type(model)
    assert loaded.model_config.kl_weight == 2.0
    a, b = model.encoder(x[:8]), loaded.encoder(x[:8])
    a, b = (list(t) if isinstance(t, (list, tuple)) else [t] for t in (a, b))
    assert len(a) == len(b) == (1 if kind == "ae" else 2)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(np.asarray(u), np.asarray(v))
    z = np.random.default_rng(1).standard_normal((8, 16)).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(model.decoder(z)), np.asarray(loaded.decoder(z)))
    # optimizer state comes back too (resume continues, not restarts, Adam)
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables)


@pytest.mark.parametrize(
    "name,shape", [("mnist", (28, 28, 1)), ("celeba64", (64, 64, 3)), ("celeba96", (96, 96, 3))]
)
def test_presets_mirror_input_shape(name, shape):
    arch = preset(name)
    model = build_model(ModelConfig(kind="vae", architecture=arch))
    assert tuple(model.decoder.output.shape[1:]) == shape
    assert len(model.encoder.outputs) == 2
    assert model.encoder.outputs[0].shape[-1] == arch.z_dim


def test_architecture_options_are_used():
    arch = preset(
        "mnist",
        filters=[8, 16],
        kernel_sizes=[5, 3],
        strides=[2, 2],
        activation="selu",
        batch_norm=True,
        dropout=0.1,
        dense_units=32,
        z_dim=4,
    )
    model = build_model(ModelConfig(kind="ae", architecture=arch))
    names = [layer.__class__.__name__ for layer in model.encoder.layers]
    assert names.count("Conv2D") == 2 and "BatchNormalization" in names and "Dropout" in names
    assert model.encoder.get_layer("conv_0").kernel_size == (5, 5)
    assert model.encoder.get_layer("dense").units == 32
    assert model.encoder.outputs[0].shape[-1] == 4


def test_eps_is_clipped():
    layer = ClippedSampling(eps_clip=0.5, seed=3)
    mu = np.zeros((20000, 8), np.float32)
    z = np.asarray(layer([mu, np.zeros_like(mu)]))
    assert np.abs(z).max() <= 0.5 + 1e-6
    assert (np.abs(z) > 0.499).mean() > 0.3  # N(0,1) beyond 0.5 is ~62%: clipped, not rescaled
    wide = np.asarray(ClippedSampling(eps_clip=5.0, seed=3)([mu, np.zeros_like(mu)]))
    assert 4.0 < np.abs(wide).max() <= 5.0


@pytest.mark.parametrize(
    "bad",
    [
        {"strides": [3, 3, 3]},
        {"filters": []},
        {"activation": "tanh"},
        {"dropout": 1.5},
        {"z_dim": 0},
        {"padding": ["valid"] * 3},
        {"kernel_sizes": [3, 3]},
    ],
)
def test_bad_architecture_is_refused(bad):
    with pytest.raises(InvalidParameter):
        arch = Architecture.from_dict({**Architecture().to_dict(), **bad})
        arch.validate()


def test_bad_model_config_is_refused():
    with pytest.raises(InvalidParameter):
        ModelConfig(kind="gan").validate()
    with pytest.raises(InvalidParameter):
        ModelConfig(kind="vae", reconstruction="l1").validate()
