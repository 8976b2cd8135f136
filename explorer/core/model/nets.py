"""Convolutional encoder/decoder builders and the Keras 3 ``Autoencoder`` and
``VariationalAutoencoder`` models (serialisable, no Lambda layers, ``safe_mode=True``-loadable).
"""

from __future__ import annotations

import math
from typing import Any

from explorer.core.model.config import Architecture, ModelConfig
from explorer.core.runtime import tf_setup

# Keras and TensorFlow carry no type information: their objects are ``Any`` here.
keras: Any = tf_setup.keras()
tf: Any = tf_setup.tensorflow()
ops: Any = keras.ops
layers: Any = keras.layers

_BCE_EPS = 1e-7


def _activation(name: str) -> Any:  # a keras.layers.Layer
    if name == "leaky_relu":
        return layers.LeakyReLU(negative_slope=0.3)
    return layers.Activation(name)


def build_encoder(arch: Architecture, kind: str) -> Any:  # a keras.Model
    """Conv2D stack -> Flatten -> [Dense] -> ``z`` (AE) or ``mu``, ``logvar`` (VAE).

    The latent heads are float32 under a mixed precision policy too (their outputs feed the
    KL and the explorer's encodings)."""
    inp = keras.Input(shape=arch.input_shape, name="image")
    x = inp
    for i, (f, k, s, p) in enumerate(
        zip(arch.filters, arch.kernel_sizes, arch.strides, arch.padding, strict=True)
    ):
        x = layers.Conv2D(f, k, strides=s, padding=p, name=f"conv_{i}")(x)
        if arch.batch_norm:
            x = layers.BatchNormalization(name=f"bn_{i}")(x)
        x = _activation(arch.activation)(x)
        if arch.dropout:
            x = layers.Dropout(arch.dropout)(x)
    x = layers.Flatten()(x)
    if arch.dense_units:
        x = layers.Dense(arch.dense_units, name="dense")(x)
        x = _activation(arch.activation)(x)
    if kind == "ae":
        outputs = layers.Dense(arch.z_dim, name="z", dtype="float32")(x)
    else:
        outputs = [
            layers.Dense(arch.z_dim, name="mu", dtype="float32")(x),
            layers.Dense(arch.z_dim, name="logvar", dtype="float32")(x),
        ]
    return keras.Model(inp, outputs, name="encoder")


def build_decoder(arch: Architecture) -> Any:  # a keras.Model
    """Mirror of the encoder: Dense -> Reshape -> Conv2DTranspose stack -> sigmoid (float32
    under a mixed precision policy too: the reconstruction loss and the explorer's images)."""
    h, w, c = arch.input_shape
    total = math.prod(arch.strides)
    shape = (h // total, w // total, arch.filters[-1])
    inp = keras.Input(shape=(arch.z_dim,), name="z")
    x = inp
    if arch.dense_units:
        x = layers.Dense(arch.dense_units, name="dense")(x)
        x = _activation(arch.activation)(x)
    x = layers.Dense(math.prod(shape), name="expand")(x)
    x = _activation(arch.activation)(x)
    x = layers.Reshape(shape)(x)
    n = len(arch.filters)
    for i in reversed(range(n)):
        last = i == 0
        f = c if last else arch.filters[i - 1]
        x = layers.Conv2DTranspose(
            f,
            arch.kernel_sizes[i],
            strides=arch.strides[i],
            padding=arch.padding[i],
            name=f"deconv_{i}",
        )(x)
        if last:
            break
        if arch.batch_norm:
            x = layers.BatchNormalization(name=f"dbn_{i}")(x)
        x = _activation(arch.activation)(x)
        if arch.dropout:
            x = layers.Dropout(arch.dropout)(x)
    out = layers.Activation("sigmoid", name="image", dtype="float32")(x)
    return keras.Model(inp, out, name="decoder")


@keras.saving.register_keras_serializable(package="latent_explorer")
class ClippedSampling(layers.Layer):
    """``z = mu + exp(logvar / 2) * eps`` with ``eps ~ N(0, 1)`` clipped to ``|eps| <= eps_clip``."""

    def __init__(self, eps_clip: float = 5.0, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.eps_clip = float(eps_clip)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs: Any) -> Any:  # noqa: D102
        mu, logvar = inputs
        eps = keras.random.normal(ops.shape(mu), seed=self.seed_generator)
        eps = ops.clip(eps, -self.eps_clip, self.eps_clip)
        return mu + ops.exp(0.5 * logvar) * eps

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "eps_clip": self.eps_clip, "seed": self.seed}


def reconstruction_loss(x: Any, x_hat: Any, kind: str = "bce") -> Any:
    """Per-image reconstruction loss summed over all pixels (BCE as in the seeds, or MSE)."""
    if kind == "mse":
        per_pixel = ops.square(x - x_hat)
    else:
        p = ops.clip(x_hat, _BCE_EPS, 1.0 - _BCE_EPS)
        per_pixel = -(x * ops.log(p) + (1.0 - x) * ops.log(1.0 - p))
    return ops.sum(ops.reshape(per_pixel, (ops.shape(x)[0], -1)), axis=-1)


def kl_divergence(mu: Any, logvar: Any) -> Any:
    """Per-image KL(N(mu, exp(logvar)) || N(0, 1)) summed over latent dimensions."""
    return -0.5 * ops.sum(1.0 + logvar - ops.square(mu) - ops.exp(logvar), axis=-1)


class _LatentModel(keras.Model):
    """Shared training machinery: loss trackers, train/test steps, config handling."""

    def __init__(self, config: dict[str, Any] | ModelConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.model_config = _model_config(config)
        self.architecture = self.model_config.architecture
        kind = "vae" if isinstance(self, VariationalAutoencoder) else "ae"
        self.model_config.kind = kind
        self.model_config.validate()
        self.encoder = build_encoder(self.architecture, kind)
        self.decoder = build_decoder(self.architecture)
        self.total_tracker = keras.metrics.Mean(name="total_loss")
        self.reco_tracker = keras.metrics.Mean(name="reco_loss")
        self.kl_tracker = keras.metrics.Mean(name="kl_loss")
        # The sub-models are built here, so the model is built too: saving then stores the
        # weights and loading restores the optimizer state (resume continues where it was).
        self.built = True
        self.device_images: Any = None  # a DeviceImages: batches are positions into it

    def use_device_images(self, images: Any) -> None:
        """Train on ``images`` (a :class:`~explorer.core.data.pipeline.DeviceImages` held on
        the device): the training data set then yields int64 positions, gathered and
        converted to float on the device inside the step. ``None``: image batches again."""
        self.__dict__["device_images"] = images  # a plain attribute: never saved or tracked

    def _images(self, data: Any) -> Any:
        x = data[0] if isinstance(data, tuple) else data
        if x.dtype.is_integer and self.device_images is not None:
            x = self.device_images.gather(x)
        return x

    @property
    def kind(self) -> str:
        return self.model_config.kind

    @property
    def z_dim(self) -> int:
        return self.architecture.z_dim

    @property
    def metrics(self) -> list[Any]:
        return [self.total_tracker, self.reco_tracker, self.kl_tracker]

    def get_config(self) -> dict[str, Any]:
        cfg = self.model_config
        return {
            "name": self.name,
            "config": {
                "architecture": cfg.architecture.to_dict(),
                "kl_weight": cfg.kl_weight,
                "eps_clip": cfg.eps_clip,
                "reconstruction": cfg.reconstruction,
            },
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> _LatentModel:
        return cls(**config)

    def losses_for(self, x: Any, training: bool = False) -> tuple[Any, Any, Any]:
        """Return ``(total, reco, kl)`` batch means for images ``x``."""
        raise NotImplementedError  # each subclass defines its own loss

    def _track(self, x: Any, total: Any, reco: Any, kl: Any) -> None:
        # Each batch mean is weighted by its number of images. The weight must depend on the
        # batch: with a constant count, the extra step that finds the end of a data set of
        # unknown length (``ignore_errors``) still added 1 to the counts, and ``evaluate``
        # reported n/(n+1) of the true loss (half of it for a one-batch validation set).
        n = ops.cast(ops.shape(x)[0], total.dtype)
        self.total_tracker.update_state(total, sample_weight=n)
        self.reco_tracker.update_state(reco, sample_weight=n)
        self.kl_tracker.update_state(kl, sample_weight=n)

    def _step_logs(self, x: Any, total: Any, reco: Any, kl: Any) -> dict[str, Any]:
        self._track(x, total, reco, kl)
        logs = {m.name: m.result() for m in self.metrics}
        logs.update({"batch_total_loss": total, "batch_reco_loss": reco, "batch_kl_loss": kl})
        return logs

    def train_step(self, data: Any) -> dict[str, Any]:
        x = self._images(data)
        with tf.GradientTape() as tape:
            total, reco, kl = self.losses_for(x, training=True)
            # Under a tf.distribute strategy the optimizer sums the replicas' gradients, and
            # each replica's loss is the mean over its own share of the batch: divide by the
            # replica count (as Keras does for its own losses) to get the global batch mean.
            scaled = total / tf.distribute.get_strategy().num_replicas_in_sync
            # mixed_float16: a LossScaleOptimizer scales the loss up (and the gradients back
            # down in apply_gradients); any other optimizer returns the loss as it is
            scaled = self.optimizer.scale_loss(scaled)
        grads = tape.gradient(scaled, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights, strict=True))
        return self._step_logs(x, total, reco, kl)

    def test_step(self, data: Any) -> dict[str, Any]:
        x = self._images(data)
        total, reco, kl = self.losses_for(x, training=False)
        self._track(x, total, reco, kl)
        return {m.name: m.result() for m in self.metrics}


@keras.saving.register_keras_serializable(package="latent_explorer")
class Autoencoder(_LatentModel):
    """Encoder -> z -> decoder, trained on the reconstruction loss alone."""

    def call(self, x: Any, training: bool = False) -> Any:
        return self.decoder(self.encoder(x, training=training), training=training)

    def losses_for(self, x: Any, training: bool = False) -> tuple[Any, Any, Any]:
        z = self.encoder(x, training=training)
        x_hat = ops.cast(self.decoder(z, training=training), "float32")
        reco = ops.mean(reconstruction_loss(x, x_hat, self.model_config.reconstruction))
        return reco, reco, ops.zeros_like(reco)


@keras.saving.register_keras_serializable(package="latent_explorer")
class VariationalAutoencoder(_LatentModel):
    """Encoder -> (mu, logvar) -> clipped reparameterisation -> decoder; loss reco + w * KL."""

    def __init__(self, config: dict[str, Any] | ModelConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.sampling = ClippedSampling(
            self.model_config.eps_clip, name="sampling", dtype="float32"
        )

    def call(self, x: Any, training: bool = False) -> Any:
        mu, logvar = self.encoder(x, training=training)
        return self.decoder(self.sampling([mu, logvar]), training=training)

    def losses_for(self, x: Any, training: bool = False) -> tuple[Any, Any, Any]:
        mu, logvar = self.encoder(x, training=training)
        z = self.sampling([mu, logvar])
        x_hat = ops.cast(self.decoder(z, training=training), "float32")
        reco = ops.mean(reconstruction_loss(x, x_hat, self.model_config.reconstruction))
        kl = ops.mean(kl_divergence(ops.cast(mu, "float32"), ops.cast(logvar, "float32")))
        return reco + self.model_config.kl_weight * kl, reco, kl


def _model_config(config: dict[str, Any] | ModelConfig) -> ModelConfig:
    if isinstance(config, ModelConfig):
        return ModelConfig(**{**config.__dict__})
    arch = config.get("architecture", {})
    if not isinstance(arch, Architecture):
        arch = Architecture.from_dict(arch)
    return ModelConfig(
        architecture=arch,
        kl_weight=float(config.get("kl_weight", 1.0)),
        eps_clip=float(config.get("eps_clip", 5.0)),
        reconstruction=str(config.get("reconstruction", "bce")),
    )


def build_model(config: ModelConfig) -> _LatentModel:
    """Build an :class:`Autoencoder` or :class:`VariationalAutoencoder` from ``config``."""
    config.validate()
    cls = VariationalAutoencoder if config.kind == "vae" else Autoencoder
    return cls(config)
