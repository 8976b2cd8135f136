"""Sampler flags shared by ``sample`` and ``compare``, generated from the samplers' declarations
(:data:`explorer.core.latent.samplers.SAMPLERS`), and their translation to parameters.

Every declared parameter is a flag ``--KEY`` (``--start-index`` for a vector given as a data
set image); parameters of the same key in several samplers share one flag. A flag reads its
value's form (a number, LO:HI, one of the choices); the bounds are checked by the core, for
the chosen sampler, before anything is loaded.
"""

from __future__ import annotations

import argparse
from typing import Any

from explorer.commands.options import add_data_range_argument, add_flag
from explorer.core.errors import InvalidParameter
from explorer.core.latent.sampler_spec import SamplerSpec
from explorer.core.latent.samplers import SAMPLERS, get_sampler, listing
from explorer.core.params import Param


def grid_shape(text: str) -> tuple[int, int]:
    """``"8x8"`` -> ``(8, 8)``."""
    try:
        rows, cols = (int(v) for v in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected ROWSxCOLS such as 8x8, got {text!r}") from exc
    return rows, cols


class ListSamplers(argparse.Action):
    """``--list-samplers``: one line per sampler with its parameters, then exit 0."""

    def __init__(self, option_strings, dest, **kwargs) -> None:
        super().__init__(option_strings, dest=argparse.SUPPRESS, nargs=0, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print("\n".join(listing()))
        parser.exit(0)


def shared_params() -> dict[str, list[tuple[SamplerSpec, Param]]]:
    """Flag key -> the samplers' parameters it sets, in the order of the declarations."""
    out: dict[str, list[tuple[SamplerSpec, Param]]] = {}
    for spec in SAMPLERS.values():
        for p in spec.params:
            out.setdefault(p.key, []).append((spec, p))
    return out


def aliases() -> dict[str, list[tuple[SamplerSpec, Param]]]:
    """Alias flag (``range``) -> the parameters it sets."""
    out: dict[str, list[tuple[SamplerSpec, Param]]] = {}
    for spec in SAMPLERS.values():
        for p in spec.params:
            if p.alias:
                out.setdefault(p.alias, []).append((spec, p))
    return out


def _shown(p: Param) -> str:
    """The default as a flag takes it: ``3``, ``-2:2``, ``diag``, ``0,1``."""
    return f"{p.default:g}" if isinstance(p.default, float) else p.text_default


def _help(uses: list[tuple[SamplerSpec, Param]], what: str | None = None) -> str:
    """``pca/pca_grid span (std): from -span to +span std (default 3)``."""
    names = "/".join(dict.fromkeys(spec.name for spec, _ in uses))
    first = uses[0][1]
    label = f" {first.label}" if first.label and first.label != first.key and not what else ""
    text = f"{names}{label}: {what or first.help or first.label}"
    defaults = {_shown(p) for _, p in uses if p.default is not None and p.image_index is None}
    return text + (f" (default {defaults.pop()})" if len(defaults) == 1 else "")


def _add_param_flag(g, key: str, uses: list[tuple[SamplerSpec, Param]]) -> None:
    p = uses[0][1]
    forms = {(q.form, q.choices) for _, q in uses}
    if len(forms) > 1:
        raise ValueError(f"--{key}: samplers declare it differently: {sorted(forms)}")
    add_flag(g, p, dest=key, default=None, help=_help(uses))


GRID_DEFAULT = (8, 8)
"""``--grid``'s default (a sampler that lays out its own grid says when another was given)."""


def add_sampling_parser(sub, name: str, add_models, out_help: str, **texts: str):
    """A sub-command that decodes sampled z-points: its models (``add_models(parser)``),
    the sampler flags and ``--out``; ``texts``: argparse's ``help`` and ``description``."""
    p = sub.add_parser(name, **texts)
    add_models(p)
    add_sampler_arguments(p)
    p.add_argument("--out", required=True, help=out_help)
    p.add_argument(
        "--gif",
        action="store_true",
        help="also write the grid as an animation (.gif): frame k shows column k of every row, "
        "so an interpolation, traversal or attribute sweep plays",
    )
    return p


def add_sampler_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("sampling")
    # Any name is accepted here so that an unknown sampler gets the core's one-line message.
    g.add_argument(
        "--sampler",
        default="normal",
        help=f"one of {', '.join(SAMPLERS)} (default normal; --list-samplers describes them)",
    )
    g.add_argument(
        "--list-samplers",
        action=ListSamplers,
        help="list the samplers with their parameters, defaults and allowed values, and exit",
    )
    g.add_argument("--grid", type=grid_shape, default=GRID_DEFAULT, help="ROWSxCOLS (default 8x8)")
    g.add_argument("--seed", type=int, default=0)
    for key, uses in shared_params().items():
        _add_param_flag(g, key, uses)
    for alias, uses in aliases().items():
        labels = " and ".join(q.label or q.name for _, q in uses)
        help = _help(uses, f"LO:HI for {labels}")
        add_flag(g, uses[0][1], flag=f"--{alias}", dest=alias, default=None, help=help)
    needing = ", ".join(name for name, spec in SAMPLERS.items() if spec.needs_dataset)
    g.add_argument("--dataset", help=f"data set to encode (needed by {needing})")
    add_data_range_argument(g)
    add_sharpen_arguments(p)


def add_sharpen_arguments(p: argparse.ArgumentParser) -> None:
    """``--sharpen`` and how: an unsharp mask (radius, percent, threshold) or, as seed 000
    does, Pillow's ``ImageEnhance.Sharpness`` (factor)."""
    g = p.add_argument_group("sharpening")
    g.add_argument("--sharpen", action="store_true", help="also write a sharpened grid")
    g.add_argument(
        "--sharpen-method",
        choices=("unsharp", "enhance"),
        default="unsharp",
        help="unsharp: an unsharp mask (default); enhance: ImageEnhance.Sharpness, as seed 000",
    )
    g.add_argument("--sharpen-radius", type=float, default=2.0, help="unsharp: blur radius")
    g.add_argument("--sharpen-percent", type=int, default=150, help="unsharp: strength in %%")
    g.add_argument("--sharpen-threshold", type=int, default=3, help="unsharp: 0..255")
    g.add_argument(
        "--sharpen-factor", type=float, default=7.0, help="enhance: factor (seed 000: 0-7, 7)"
    )


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """Flag key -> value of the parameter flags that were given."""
    return {k: getattr(args, k) for k in shared_params() if getattr(args, k, None) is not None}


def sampler_params(args: argparse.Namespace) -> dict[str, Any]:
    """The sampler's own parameters from the flags that were given (the rest keep defaults),
    checked against their declarations as far as possible without a model. Parameters given
    as image indices are left out (see :func:`image_indices`)."""
    spec = get_sampler(args.sampler)
    given = _given(args)
    keys = {p.key for p in spec.params}
    stray = sorted("--" + k.replace("_", "-") for k in given if k not in keys)
    for alias, uses in aliases().items():
        value = getattr(args, alias, None)
        mine = [p for s, p in uses if s is spec]
        if value is not None and not mine:
            stray.append(f"--{alias}")
        for p in mine if value is not None else ():
            given.setdefault(p.key, value)
    if stray:
        stray.sort()
        raise InvalidParameter(f"{', '.join(stray)} does not apply to the {args.sampler} sampler")
    return {
        p.name: p.check(given[p.key])
        for p in spec.params
        if p.key in given and p.image_index is None
    }


def image_indices(args: argparse.Namespace) -> dict[str, int]:
    """Parameter name -> data set image index, for the sampler's vectors given by index;
    :class:`InvalidParameter` naming the missing flags."""
    spec = get_sampler(args.sampler)
    wanted = {p.name: getattr(args, p.key, None) for p in spec.index_params}
    if any(v is None for v in wanted.values()):
        flags = " and ".join(p.flag for p in spec.index_params)
        raise InvalidParameter(f"the {spec.name} sampler needs {flags}")
    return {name: v for name, v in wanted.items() if v is not None}


def sharpen_params(args: argparse.Namespace) -> dict[str, Any] | None:
    """The sharpening of ``--sharpen`` (``None`` without it), as the sidecar records it."""
    if not args.sharpen:
        return None
    if args.sharpen_method == "enhance":
        return {"method": "enhance", "factor": args.sharpen_factor}
    return {
        "method": "unsharp",
        "radius": args.sharpen_radius,
        "percent": args.sharpen_percent,
        "threshold": args.sharpen_threshold,
    }
