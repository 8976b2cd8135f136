"""Models: configs, the AE/VAE networks, loaders for foreign model files, bundles on disk and
training."""
