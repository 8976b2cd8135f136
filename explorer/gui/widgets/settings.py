"""Persistent settings (QSettings): window geometry and state, last models, sampler values.

Settings live in the platform's usual place under organisation ``LatentExplorer`` and
application ``latent-explorer``. Set ``LATENT_EXPLORER_SETTINGS_DIR`` to keep them in
``<dir>/latent-explorer.ini`` instead (the tests do, so they never touch the user's settings).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

ORGANISATION = "LatentExplorer"
APPLICATION = "latent-explorer"
ENV_DIR = "LATENT_EXPLORER_SETTINGS_DIR"


def open_settings() -> QSettings:
    """The application's settings store (an INI file under ``$LATENT_EXPLORER_SETTINGS_DIR``
    when that is set)."""
    folder = os.environ.get(ENV_DIR)
    if folder:
        return QSettings(str(Path(folder) / f"{APPLICATION}.ini"), QSettings.Format.IniFormat)
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION
    )


def read_json(settings: QSettings, key: str, default: Any = None) -> Any:
    """A JSON value stored as text (types survive every QSettings backend)."""
    text = settings.value(key)
    if not isinstance(text, str):
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def write_json(settings: QSettings, key: str, value: Any) -> None:
    settings.setValue(key, json.dumps(value))
