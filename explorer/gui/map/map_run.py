"""The work of a map run, done in workers: the projection of the codes (t-SNE frames
published as they form) and the colours of the points (at a million points they would
take the window's thread 100 ms)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.core.output.map_colours import MapColours
from explorer.core.stats.maps import MapResult
from explorer.gui.map.map_points import MapPoints

COLOURINGS = ("label", "radius", "component")


def point_colours(colouring: tuple[str, int], z, labels, label_names) -> MapColours:
    """The colours of points with codes ``z`` (read only for "radius" and "component") and
    ``labels`` (or None) by ``colouring`` (one of :data:`COLOURINGS`, component index)."""
    how, component = colouring
    if how == "label":
        return MapColours.by_label(labels, label_names, n=len(z))
    z = np.asarray(z)
    if how == "radius":
        return MapColours.by_value(np.linalg.norm(z, axis=1), "radius ||z||")
    j = min(component, z.shape[1] - 1)
    return MapColours.by_value(z[:, j], f"component z[{j}]")


@dataclass(frozen=True)
class MapRun:
    """A finished run: the core's result, its points ready for the map and their colours
    (made in the worker: at a million points they take the window's thread 100 ms)."""

    result: MapResult
    points: MapPoints
    colours: MapColours


def run_map(
    state, z: np.ndarray, labels, method: str, options: dict, seed: int,
    colouring: tuple[str, int], label_names,
) -> MapRun:  # fmt: skip
    """Worker: the map of the codes ``z`` (the rows chosen already) with its points'
    colours; t-SNE frames go to ``state.publish`` as ``(MapPoints, iteration, colours)``."""
    from explorer.core.stats.maps import project

    colours = point_colours(colouring, z, labels, label_names)

    def frame(xy: np.ndarray, iteration: int) -> None:
        state.publish((MapPoints.of(xy), iteration, colours))

    result = project(z, method, seed=seed, labels=labels, state=state, on_frame=frame, **options)
    if not np.array_equal(result.rows, np.arange(len(z))):
        used = None if labels is None else labels[result.rows]
        colours = point_colours(colouring, z[result.rows], used, label_names)
    return MapRun(result, MapPoints.of(result.xy), colours)


def rows_colours(colouring: tuple[str, int], z, rows, labels, label_names) -> MapColours:
    """:func:`point_colours` of the rows ``rows`` of the codes ``z`` and ``labels``."""
    z_rows = z[rows] if colouring[0] != "label" else np.empty((len(rows), 0))
    return point_colours(colouring, z_rows, None if labels is None else labels[rows], label_names)


def colour_map(state, *args) -> MapColours:
    """Worker: :func:`rows_colours`."""
    return rows_colours(*args)
