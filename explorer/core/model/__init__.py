"""Models: configs, the AE/VAE networks, loaders for foreign model files and bundles on disk
(with their crash-safe checkpoints). Training them is :mod:`explorer.core.training`."""
