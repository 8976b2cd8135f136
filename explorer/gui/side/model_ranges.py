"""The value ranges a user chose for a model's files, remembered across sessions (QSettings).

Keyed by the files (a bundle folder, or the encoder and decoder paths), so choosing [-1, 1]
for one model never changes another. ``None`` means "auto" (detected from the file).
"""

from __future__ import annotations

from explorer.gui.widgets.settings import open_settings, read_json, write_json

KEY = "model_ranges"


def _key(source: dict) -> str:
    if source.get("spec"):
        return str(source["spec"])
    return f"{source.get('encoder')} + {source.get('decoder')}"


def recall(source: dict) -> dict:
    """``{"input_range": (lo, hi), "output_range": ...}`` chosen before for these files."""
    stored = read_json(open_settings(), KEY, {}) or {}
    entry = stored.get(_key(source)) or {}
    return {k: tuple(v) for k, v in entry.items() if v is not None}


def remember(source: dict, input_range, output_range) -> None:
    """Store the choice for these files (both ``None``: forget them)."""
    settings = open_settings()
    stored = read_json(settings, KEY, {}) or {}
    key = _key(source)
    if input_range is None and output_range is None:
        stored.pop(key, None)
    else:
        stored[key] = {
            "input_range": list(input_range) if input_range is not None else None,
            "output_range": list(output_range) if output_range is not None else None,
        }
    write_json(settings, KEY, stored)
    settings.sync()
