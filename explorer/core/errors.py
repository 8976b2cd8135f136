"""Exceptions whose message is meant for the user (one clear line, no traceback)."""

from __future__ import annotations


class ExplorerError(Exception):
    """Base class: ``str(error)`` is a complete, user-facing message."""


class InvalidParameter(ExplorerError, ValueError):
    """A parameter is out of range or inconsistent (e.g. ``b <= 0``, a 0x3 grid)."""


class BundleThere(InvalidParameter):
    """A training's output folder holds a model bundle (e.g. the one a training just wrote):
    the window's form shows it as a note (Resume continues it), the command line as its error
    line."""


class NeedsDataError(InvalidParameter):
    """A sampler or analysis needs encoded data and none was given."""


class ModelLoadError(ExplorerError):
    """A model file or bundle cannot be used; the message names the file and the problem."""


class DatasetError(ExplorerError):
    """A data set cannot be found, read or understood."""


class Cancelled(ExplorerError):
    """Long work was stopped at the user's request."""

    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class TrainingDiverged(ExplorerError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


class IncompleteWrite(ExplorerError):
    """A write did not produce a complete file or folder; the previous one, if any, is kept."""
