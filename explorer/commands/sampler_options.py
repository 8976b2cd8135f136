"""Sampler flags shared by ``sample`` and ``compare``, and their translation to parameters."""

from __future__ import annotations

import argparse
from typing import Any

from explorer.commands.options import add_data_range_argument, value_range
from explorer.core.errors import InvalidParameter

SAMPLER_NAMES = ("normal", "uniform", "pca", "pca_grid", "fitted", "gmm", "interpolate", "grid2d")


def grid_shape(text: str) -> tuple[int, int]:
    """``"8x8"`` -> ``(8, 8)``."""
    try:
        rows, cols = (int(v) for v in text.lower().split("x"))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected ROWSxCOLS such as 8x8, got {text!r}") from exc
    return rows, cols


def add_sampler_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("sampling")
    # Any name is accepted here so that an unknown sampler gets the core's one-line message.
    g.add_argument(
        "--sampler", default="normal", help=f"one of {', '.join(SAMPLER_NAMES)} (default normal)"
    )
    g.add_argument("--grid", type=grid_shape, default=(8, 8), help="ROWSxCOLS (default 8x8)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--mean", type=float, help="normal: mean per component (default 0)")
    g.add_argument("--std", type=float, help="normal: standard deviation (default 1)")
    g.add_argument("--limit", type=float, help="uniform: the limit b of [-b, b] (default 2)")
    g.add_argument("--axis", type=int, help="pca/pca_grid: principal axis (0-based)")
    g.add_argument("--axis2", type=int, help="pca_grid: second principal axis (rows)")
    g.add_argument(
        "--span", type=float, help="pca/pca_grid: +-span standard deviations (default 3)"
    )
    g.add_argument("--range", type=value_range, help="grid2d: LO:HI for both axes (default -2:2)")
    g.add_argument("--x-range", type=value_range, help="grid2d: LO:HI of the x axis")
    g.add_argument("--y-range", type=value_range, help="grid2d: LO:HI of the y axis")
    g.add_argument("--components", type=int, help="gmm: number of mixture components (default 5)")
    g.add_argument("--covariance", choices=("diag", "full"), help="fitted/gmm covariance")
    g.add_argument("--method", choices=("linear", "slerp"), help="interpolate: linear or spherical")
    g.add_argument("--start-index", type=int, help="interpolate: data set index of the first image")
    g.add_argument("--end-index", type=int, help="interpolate: data set index of the last image")
    g.add_argument(
        "--dataset", help="data set to encode (needed by pca, pca_grid, fitted, gmm, interpolate)"
    )
    add_data_range_argument(g)
    g.add_argument(
        "--sharpen", action="store_true", help="also write a sharpened grid (unsharp mask)"
    )
    g.add_argument("--sharpen-radius", type=float, default=2.0)
    g.add_argument("--sharpen-percent", type=int, default=150)
    g.add_argument("--sharpen-threshold", type=int, default=3)


def sampler_params(args: argparse.Namespace) -> dict[str, Any]:
    """The sampler's own parameters from the flags that were given (the rest keep defaults)."""
    from explorer.core.latent.sampling import SAMPLER_PARAMS

    if args.sampler not in SAMPLER_PARAMS:
        raise InvalidParameter(
            f"unknown sampler {args.sampler!r}; known: {', '.join(SAMPLER_PARAMS)}"
        )
    given = {
        "mean": args.mean,
        "std": args.std,
        "limit": args.limit,
        "axis": args.axis,
        "axis2": args.axis2,
        "span": args.span,
        "components": args.components,
        "covariance": args.covariance,
        "method": args.method,
        "x_range": args.x_range,
        "y_range": args.y_range,
    }
    if args.range is not None:  # --range LO:HI is both axes of the 2-D grid
        given["x_range"] = given["x_range"] or args.range
        given["y_range"] = given["y_range"] or args.range
    allowed = SAMPLER_PARAMS[args.sampler]
    stray = sorted(
        {
            ("range" if args.range is not None and k in ("x_range", "y_range") else k)
            for k, v in given.items()
            if v is not None and k not in allowed
        }
    )
    if stray:
        flags = ", ".join("--" + k.replace("_", "-") for k in stray)
        raise InvalidParameter(f"{flags} does not apply to the {args.sampler} sampler")
    params = {k: v for k, v in given.items() if v is not None}
    return params


def sharpen_params(args: argparse.Namespace) -> dict[str, float] | None:
    if not args.sharpen:
        return None
    return {
        "radius": args.sharpen_radius,
        "percent": args.sharpen_percent,
        "threshold": args.sharpen_threshold,
    }
