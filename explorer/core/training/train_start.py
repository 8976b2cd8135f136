"""Whether a training can start, checked before any thread or TensorFlow is involved.

Light on purpose (the window imports it at start-up): the options are read only when a
training is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from explorer.core.errors import InvalidParameter


class OutputInUse(InvalidParameter):
    """The output folder belongs to a training that is running or queued (not a mistake in
    the settings: the form shows it as a note, not as an error)."""


def check_start(options: dict[str, Any], pending_outs: set[str] | None = None) -> None:
    """Raise :class:`InvalidParameter` (one sentence) if ``options`` cannot start a training.

    ``pending_outs``: output folders of trainings already running or queued; a second
    training into one of them is refused, a resume of one is accepted (it will exist).
    """
    from explorer.core.training.train_options import OPTIONS, TrainConfig

    config = TrainConfig.from_options(**options)
    key = output_key(config.out) if config.out else ""
    if pending_outs and key in pending_outs:
        if not config.resume:
            raise OutputInUse(
                f"{config.out}: a training into this folder is already running or queued; "
                "choose another output, or resume it when it has finished"
            )
        epochs = next(o for o in OPTIONS if o.name == "epochs")
        epochs.check(config.epochs, what=epochs.label)
        return
    config.validate()


def output_key(out: str) -> str:
    """The folder ``out`` as one string per folder (resolved), to compare outputs."""
    return str(Path(out).expanduser().resolve())
