"""PySide6 user interface of Latent Explorer (the window arrives with the explorer-window issue).

Everything that imports PySide6 lives in this package; :mod:`explorer.core` never does.
"""
