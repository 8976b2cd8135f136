"""A training's configuration as the ``latent-explorer train`` command line that runs it
(the window's child process, the other machines of a cluster)."""

from __future__ import annotations

from typing import Any

from explorer.core.model.config import PRESETS
from explorer.core.training.train_options import OPTIONS, TrainConfig


def command_arguments(config: TrainConfig, without: tuple[str, ...] = ()) -> list[str]:
    """``config`` as ``latent-explorer train`` arguments: ``--out`` and every option that
    differs from its default, from the options' declarations (``--flag=value``, so that a
    negative range reads as one; booleans as ``--flag`` / ``--no-flag``). ``without``: option
    names left out (the window leaves out ``worker_index`` for the other machines' lines).
    Architecture values that are the preset's are left to the preset."""
    args = ["--out", str(config.out)]
    args += ["--resume"] if config.resume else []
    args += ["--overwrite"] if config.overwrite else []
    arch = PRESETS.get(config.preset)
    for o in OPTIONS:
        value = getattr(config, o.name)
        if o.name in without or value == o.default:
            continue
        if o.architecture and arch is not None and _same(value, getattr(arch, o.name)):
            continue  # the preset's own value (the window's form shows them all)
        if o.kind == "bool":
            args.append(o.flag if value else "--no-" + o.flag[2:])
        elif value is not None:
            args.append(f"{o.flag}={o.format(value)}")
    return args


def _same(value: Any, preset_value: Any) -> bool:
    """An architecture value is the preset's (one value for every layer counts as a list)."""
    if isinstance(preset_value, (list, tuple)) and isinstance(value, (list, tuple)):
        if len(value) == 1 and len(set(preset_value)) == 1:
            return value[0] == preset_value[0]
        return list(value) == list(preset_value)
    return value == preset_value or (not value and not preset_value)
