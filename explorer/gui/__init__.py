"""The PySide6 window of Latent Explorer, in layers (import-linter checks them, see
``pyproject.toml``): ``window`` on the views (``views``, ``map``, ``training``, ``quality``,
``side``, which never import each other or the window), on ``plots``, ``widgets`` and
``tasks``.

Everything that imports PySide6 lives in this package; :mod:`explorer.core` never does.
"""
