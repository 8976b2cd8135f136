"""2-D maps of latent codes: t-SNE, UMAP and PCA behind one interface (:func:`project`).

Every method is declared once in :data:`MAP_METHODS` (a :class:`MapMethod`: name, label, its
options as :class:`~explorer.core.params.Param`, whether it shows a live preview, a
note, and its ``run``); the command line's flags and the window's form are made from the
declarations, and :func:`check_map_options` checks what either gives before any work.

Options shared by every method (:data:`SHARED_PARAMS`): ``points`` (a stratified subsample
when the codes have one label per point), ``seed`` and ``pca_dims`` (codes of more dimensions
are reduced to this many principal components first; 0 = never).

Large t-SNE and UMAP maps (from :data:`CHILD_POINTS` points) run in a child process
(:mod:`explorer.core.stats.projection_process`), so they never hold the caller's GIL and a
stop kills them at once.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.core.errors import InvalidParameter
from explorer.core.param_checks import check_int
from explorer.core.params import Param
from explorer.core.progress import TaskState, ensure_state
from explorer.core.stats.map_runners import (
    Embedding,
    FrameCallback,
    MapJob,
    run_pca,
    run_tsne,
    run_umap,
)
from explorer.core.stats.points import as_points, stratified_subsample
from explorer.core.stats.projection import FRAME_EVERY, MIN_TSNE_POINTS, pca_reduce

CHILD_POINTS = 5000  # from this size t-SNE and UMAP run in a child process (child=None)
__all__ = [
    "CHILD_POINTS",
    "FRAME_EVERY",
    "MAP_METHODS",
    "SHARED_PARAMS",
    "MapMethod",
    "MapResult",
    "check_map_options",
    "project",
    "stratified_subsample",
]


@dataclass(frozen=True)
class MapMethod:
    """One way to map codes to 2-D.

    ``run(job) -> (xy (n, 2), extra parameters)`` gets a :class:`MapJob`: checked codes
    (already reduced by PCA), checked options (``seed`` among them), the task's state, the
    callback of live frames and the threads it may use; ``live``: it calls ``on_frame`` with
    intermediate maps. ``axis`` names the map's axes (``t-SNE`` ->
    "t-SNE 1", "t-SNE 2"); ``min_points`` is the fewest points it maps.
    """

    name: str
    label: str
    params: tuple[Param, ...]
    live: bool
    note: str
    run: Callable[[MapJob], Embedding]
    axis: str = ""
    min_points: int = 2
    heavy: bool = True  # runs in a child process from CHILD_POINTS points (child=None)


@dataclass
class MapResult:
    """A 2-D map: ``xy`` of the rows ``rows`` of the codes given, their ``labels`` (or None),
    the method, every parameter used (JSON-able) and the seconds it took."""

    xy: np.ndarray
    rows: np.ndarray
    labels: np.ndarray | None
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0


SHARED_PARAMS: tuple[Param, ...] = (
    Param("points", "int", 5000, "points on the map (a stratified subsample)", "points",
          "mapPoints", low=2),
    Param("seed", "int", 0, "random seed (subsample, initialisation, neighbours)", "seed",
          "mapSeed", low=0),
    Param("pca_dims", "int", 50, "reduce to this many principal components first when the "
          "codes have more (0 = never)", "PCA dims", "mapPcaDims", low=0),
)  # fmt: skip


# --------------------------------------------------------------------- the methods


MAP_METHODS: dict[str, MapMethod] = {
    "tsne": MapMethod(
        "tsne",
        "t-SNE",
        (
            Param(
                "perplexity",
                "positive",
                30.0,
                "effective number of neighbours (below a third of the points)",
                "perplexity",
                "mapPerplexity",
            ),
            Param(
                "iterations",
                "int",
                500,
                "iterations after the 250 early-exaggeration ones",
                "iterations",
                "mapIterations",
                low=1,
            ),
        ),  # fmt: skip
        live=True,
        note="openTSNE; the map is shown every 50 iterations while it converges",
        run=run_tsne,
        axis="t-SNE",
        min_points=MIN_TSNE_POINTS,
    ),
    "umap": MapMethod(
        "umap",
        "UMAP",
        (
            Param(
                "neighbors",
                "int",
                15,
                "neighbours of each point (2 .. points-1)",
                "neighbors",
                "mapNeighbors",
                low=2,
            ),
            Param(
                "min_dist",
                "float",
                0.1,
                "how tightly points pack (0 or more)",
                "min. distance",
                "mapMinDist",
            ),
            Param(
                "metric",
                "choice",
                "euclidean",
                "distance between codes",
                "metric",
                "mapMetric",
                choices=("euclidean", "cosine", "manhattan"),
            ),
        ),  # fmt: skip
        live=False,
        note="umap-learn; no live preview (it reports no epochs); a seed makes it single-threaded",
        run=run_umap,
        axis="UMAP",
        min_points=3,
    ),
    "pca": MapMethod(
        "pca",
        "PCA",
        (),
        live=False,
        note="the first two principal components; instant",
        run=run_pca,
        axis="PC",
        heavy=False,
    ),
}


# --------------------------------------------------------------------- checks


def get_method(name: str) -> MapMethod:
    try:
        return MAP_METHODS[name]
    except (KeyError, TypeError):
        known = ", ".join(MAP_METHODS)
        raise InvalidParameter(f"unknown map method {name!r}; use one of {known}") from None


def check_map_options(method: str, n_points: int, options: dict[str, Any]) -> dict[str, Any]:
    """Every check of a map of ``n_points`` points made by ``method`` with ``options`` (the
    method's own and any of :data:`SHARED_PARAMS`), before any work.

    Returns the method's options with defaults for those not given, plus the shared ones
    given. :class:`InvalidParameter` (one line) for an unknown method or option, too few
    points, or a value out of its bounds (perplexity below a third of the points, neighbours
    from 2 to points-1, min_dist >= 0, a known metric).
    """
    spec = get_method(method)
    own = {p.name: p for p in spec.params}
    shared = {p.name: p for p in SHARED_PARAMS}
    stray = sorted(k for k in options if k not in own and k not in shared)
    if stray:
        flags = ", ".join(stray)
        allowed = ", ".join([*own, *shared])
        raise InvalidParameter(
            f"{flags} does not apply to {spec.label} maps (their options: {allowed})"
        )
    checked: dict[str, Any] = {}
    for name, value in options.items():
        if name in shared and value is not None:
            checked[name] = shared[name].check(value)
    n = int(n_points)
    if n < spec.min_points:
        raise InvalidParameter(
            f"a {spec.label} map needs at least {spec.min_points} points (got {n})"
        )
    for p in spec.params:
        value = options.get(p.name)
        checked[p.name] = p.check(p.default if value is None else value)
    if method == "tsne" and not checked["perplexity"] < n / 3:
        raise InvalidParameter(
            f"perplexity too large for {n} points: it must be below {n / 3:.4g} (a third of "
            f"the points); got {checked['perplexity']:g}"
        )
    if method == "umap":
        k = checked["neighbors"]
        if not 2 <= k < n:
            raise InvalidParameter(
                f"neighbors must be from 2 to {n - 1} (below the {n} points); got {k}"
            )
        if checked["min_dist"] < 0:
            raise InvalidParameter(f"min_dist must be 0 or more; got {checked['min_dist']:g}")
    return checked


# --------------------------------------------------------------------- subsampling


def map_codes(enc: Any) -> np.ndarray:
    """What a model's encodings are mapped by: a VAE's means (mu), an AE's codes (z)."""
    return enc.mu if getattr(enc, "mu", None) is not None else enc.z


def fitted_options(method: str, n_points: int, options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with a t-SNE perplexity or UMAP neighbours too large for ``n_points``
    brought within bounds (the analysis makes a small map rather than none)."""
    fitted = dict(options)
    if method == "tsne" and n_points >= MIN_TSNE_POINTS:
        fitted["perplexity"] = min(fitted.get("perplexity", 30.0), (n_points - 1) / 3.0 - 1e-6)
    if method == "umap" and n_points >= 3:
        fitted["neighbors"] = min(fitted.get("neighbors", 15), n_points - 1)
    return fitted


# --------------------------------------------------------------------- the map


def project(
    z: np.ndarray,
    method: str = "tsne",
    *,
    points: int | None = None,
    seed: int | None = 0,
    labels: Any = None,
    pca_dims: int = 50,
    state: TaskState | None = None,
    on_frame: FrameCallback | None = None,
    child: bool | None = None,
    n_jobs: int = -1,
    **options: Any,
) -> MapResult:
    """A 2-D map of ``points`` of the codes ``z`` by ``method`` (``"tsne"``, ``"umap"``,
    ``"pca"``; see :data:`MAP_METHODS` for their ``options``).

    A VAE is mapped by its means: pass ``enc.mu if enc.mu is not None else enc.z``.

    Parameters
    ----------
    z : codes ``(n, dim)``, finite.
    points : how many (None: all); a stratified subsample by ``labels`` when they give one
        class per point, else a plain one; ``MapResult.rows`` says which.
    seed : subsample, initialisation, neighbours; None: unseeded (UMAP then uses every core).
    labels : one per row of ``z`` (or several columns, then only carried along).
    pca_dims : codes of more dimensions are first reduced to this many principal
        components (t-SNE, UMAP); 0 = never.
    state : progress and stop; :class:`~explorer.core.errors.Cancelled` when stopped.
    on_frame : live maps (t-SNE): ``on_frame(xy_copy, iteration)``, first with the
        initialisation (iteration 0) then every ``FRAME_EVERY`` iterations, always a new
        float32 array; a stop requested from it ends the map.
    child : run in a child process (True), here (False) or from ``CHILD_POINTS`` points on
        (None; never for PCA).
    n_jobs : threads (-1: every core).
    """
    started = time.perf_counter()
    state = ensure_state(state)
    spec = get_method(method)
    z = np.asarray(z)
    n_total = int(z.shape[0]) if z.ndim >= 1 else 0
    if points is not None:
        points = check_int("points", points, 2)
    n = n_total if points is None else min(points, n_total)
    shared = {"seed": seed, "pca_dims": pca_dims}
    checked = check_map_options(method, n, {**options, **shared})
    rows = stratified_subsample(n_total, n, labels, 0 if seed is None else seed)
    codes = as_points(z[rows], min_points=spec.min_points, dtype=np.float32)
    state.check()
    reduced = None
    if spec.name != "pca" and pca_dims and codes.shape[1] > pca_dims:
        state.set_progress(0.0, f"{spec.label}: PCA to {pca_dims} dimensions")
        codes = pca_reduce(codes, int(pca_dims), seed).astype(np.float32)
        reduced = int(codes.shape[1])
        state.check()
    in_child = child if child is not None else spec.heavy and n >= CHILD_POINTS
    run_options = {k: v for k, v in checked.items() if k not in ("pca_dims", "points")}
    run_options["seed"] = seed
    if in_child:
        from explorer.core.stats.projection_process import run_child

        job = {"method": spec.name, "options": run_options, "n_jobs": n_jobs}
        done, xy = run_child(__name__, codes, job, state, on_frame, spec.label)
        extra = done["extra"]
    else:
        xy, extra = spec.run(MapJob(codes, run_options, state, on_frame, n_jobs))
    params = {
        "method": spec.name,
        "points": int(n),
        "of_points": n_total,
        **{p.name: _plain(checked[p.name]) for p in spec.params},
        "seed": seed,
        "pca_dims": reduced,
        "child_process": bool(in_child),
        **{k: _plain(v) for k, v in extra.items()},
    }
    kept = None
    if labels is not None:
        kept = np.asarray(labels)[rows]
    return MapResult(
        xy=np.asarray(xy, dtype=np.float32),
        rows=rows,
        labels=kept,
        method=spec.name,
        params=params,
        seconds=time.perf_counter() - started,
    )


def _plain(value: Any) -> Any:
    """A JSON-able form of a parameter value."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _child_work(
    z: np.ndarray, job: dict, state: TaskState, frame: FrameCallback | None
) -> tuple[np.ndarray, dict]:
    """A map in the child process (``python -m explorer.core.stats.maps``)."""
    run = MAP_METHODS[job["method"]].run
    xy, extra = run(MapJob(z, job["options"], state, frame, job["n_jobs"]))
    return xy, {"extra": extra}


if __name__ == "__main__":
    from explorer.core.stats.projection_process import child_main

    sys.exit(child_main(sys.argv[1:], _child_work))
