"""The PySide6 window of Latent Explorer: main window, panels, plot widgets, workers.

Everything that imports PySide6 lives in this package; :mod:`explorer.core` never does.
"""
