"""Latent Explorer: explore, compare and train AE and VAE latent spaces."""

__version__ = "0.1.0"
