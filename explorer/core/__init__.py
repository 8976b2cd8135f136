"""Qt-free core of Latent Explorer.

Nothing in this package imports PySide6; TensorFlow is imported lazily by the modules that
need it (nets, training, latent), never by this ``__init__``.
"""
