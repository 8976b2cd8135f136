"""The map's Qt-free geometry and colours: exact lasso and rectangle selections, latent
neighbours, the nearest point to a position, density contours, and the shared dot stamping."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.path import Path

from explorer.core.errors import InvalidParameter
from explorer.core.stats import map_geometry as geo


def ray_casting(xy: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Brute-force even-odd rule: every edge against every point."""
    x, y = xy[:, 0], xy[:, 1]
    inside = np.zeros(len(xy), dtype=bool)
    m = len(polygon)
    for j in range(m):
        (x1, y1), (x2, y2) = polygon[j], polygon[(j + 1) % m]
        if y1 == y2:
            continue
        crosses = (y1 > y) != (y2 > y)
        at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (x < at)
    return inside


CONCAVE = np.array([[0, 0], [10, 0], [10, 10], [5, 3], [0, 10]], dtype=float)  # a "V" notch
STAR = np.array(
    [[5 + r * np.cos(a), 5 + r * np.sin(a)]
     for a, r in zip(np.linspace(0, 2 * np.pi, 10, endpoint=False), [4, 1.5] * 5, strict=True)]
)  # fmt: skip


@pytest.mark.parametrize("n", [3000, 200_000], ids=["direct", "cells"])
@pytest.mark.parametrize("polygon", [CONCAVE, STAR], ids=["concave", "star"])
def test_lasso_selects_exactly_the_points_inside(polygon, n):
    xy = np.random.default_rng(0).uniform(-1, 11, (n, 2))
    xy[:50] = polygon[0] + (polygon[1] - polygon[0]) * np.linspace(0.01, 0.99, 50)[:, None]
    mask = geo.points_in_polygon(xy, polygon)  # from 20k points near it, by cells
    expected = ray_casting(xy[50:], polygon)
    assert n / 30 < mask.sum() < n * 0.9
    assert np.array_equal(mask[:50], Path(polygon).contains_points(xy[:50]))  # on an edge
    mask = mask[50:]
    assert np.array_equal(mask, expected)
    # the notch of the concave polygon is outside although inside its bounding box
    if polygon is CONCAVE:
        assert not geo.points_in_polygon(np.array([[5.0, 8.0]]), polygon)[0]


def test_lasso_degenerate_and_nan():
    xy = np.array([[0.5, 0.5], [np.nan, 0.5], [5, 5]])
    assert not geo.points_in_polygon(xy, np.array([[0, 0], [1, 1]])).any()  # a line
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=float)
    assert geo.points_in_polygon(xy, square).tolist() == [True, False, False]
    with pytest.raises(InvalidParameter):
        geo.points_in_polygon(np.zeros((3, 3)), square)


def test_rectangle_is_inclusive_in_either_order():
    xy = np.array([[0, 0], [1, 1], [2, 2], [1, 2.0001], [np.nan, 1]])
    assert geo.points_in_rect(xy, (1, 0), (2, 0)).tolist() == [True, True, False, False, False]
    assert geo.points_in_rect(xy, (0, 2), (0, 2)).tolist() == [True, True, True, False, False]


def test_nearest_neighbours_equal_a_brute_force_sort():
    z = np.random.default_rng(1).normal(size=(5000, 16)).astype(np.float32)
    for row in (0, 1234, 4999):
        got = geo.nearest_neighbours(z, row, 12, chunk=700)  # several chunks
        d = ((z.astype(np.float64) - z[row]) ** 2).sum(axis=1)
        d[row] = np.inf
        assert got.dtype == np.int64 and row not in got
        assert got.tolist() == np.argsort(d, kind="stable")[:12].tolist()
    # ties go to the lower rows; k is capped at n - 1
    z = np.array([[0.0], [1.0], [-1.0], [1.0], [5.0]])
    assert geo.nearest_neighbours(z, 0, 3).tolist() == [1, 2, 3]
    assert geo.nearest_neighbours(z, 0, 99).tolist() == [1, 2, 3, 4]
    with pytest.raises(InvalidParameter):
        geo.nearest_neighbours(z, 5, 1)


def test_point_index_finds_the_nearest_within_the_radius():
    rng = np.random.default_rng(2)
    xy = np.vstack([rng.normal(size=(20000, 2)), [[50.0, 50.0]], [[np.nan, 0.0]]])
    index = geo.PointIndex(xy)
    scale = (30.0, 10.0)  # pixels per data unit, not the same along x and y
    for p in rng.normal(size=(200, 2)):
        d = ((xy[:, 0] - p[0]) * scale[0]) ** 2 + ((xy[:, 1] - p[1]) * scale[1]) ** 2
        d[np.isnan(d)] = np.inf
        best = int(np.argmin(d))
        expected = best if d[best] <= 8**2 else -1
        assert index.nearest(p, 8, scale) == expected
    assert index.nearest((50.1, 50.0), 8, scale) == 20000  # a lone outlier
    assert index.nearest((30.0, 30.0), 8, scale) == -1
    assert geo.PointIndex(np.zeros((0, 2))).nearest((0, 0), 8) == -1


def test_density_contours_of_a_blob_are_nested_closed_rings():
    xy = np.random.default_rng(3).normal(size=(20000, 2))
    contours = geo.density_contours(xy, levels=(0.1, 0.4, 0.7))
    assert [level for level, _ in contours] == [0.1, 0.4, 0.7]
    radii = []
    for _, lines in contours:
        assert len(lines) == 1  # one ring per level around one blob
        (line,) = lines
        assert np.allclose(line[0], line[-1])  # closed
        radii.append(np.hypot(line[:, 0], line[:, 1]).mean())
    assert radii[0] > radii[1] > radii[2] > 0  # higher levels lie inside lower ones
    assert geo.density_contours(np.zeros((2, 2))) == []
    two = np.vstack([xy * 0.3 - 4, xy * 0.3 + 4])
    assert len(dict(geo.density_contours(two, levels=(0.5,)))[0.5]) == 2


def test_smoothing_matches_a_gaussian_filter():
    from scipy.ndimage import gaussian_filter

    counts = np.random.default_rng(4).poisson(3.0, (40, 30)).astype(float)
    smooth = geo._smooth(counts, 1.5)
    assert np.allclose(smooth, gaussian_filter(counts, 1.5, mode="constant"))


def test_stamp_dots_places_colours_and_covers_in_order():
    from explorer.core.output.dot_layer import disc_offsets, stamp_dots

    assert disc_offsets(1) == [(0, 0)] and len(disc_offsets(2)) == 5
    assert len(disc_offsets(3)) == 9 and disc_offsets(5)[-1] == (0, 0)
    words = np.array([[255, 0, 0, 255], [0, 0, 255, 255]], dtype=np.uint8).view(np.uint32).ravel()
    pixels = np.array([[1.5, 1.5], [2.2, 1.9], [-0.1, 0], [np.nan, 1], [9.99, 4.5]])
    image = stamp_dots(10, 5, pixels, np.array([0, 1, 0, 0, 1]), words, disc_offsets(2))
    assert image.shape == (5, 10, 4) and image.dtype == np.uint8
    assert tuple(image[1, 1]) == (255, 0, 0, 255)  # row = floor(y), column = floor(x)
    assert tuple(image[1, 2]) == (0, 0, 255, 255)  # the later point covers the earlier
    assert tuple(image[4, 9]) == (0, 0, 255, 255)
    assert tuple(image[0, 0]) == (0, 0, 0, 0)  # (-0.1, 0) is outside
    white = stamp_dots(3, 3, np.zeros((0, 2)), None, words[:0], [(0, 0)], background=2**32 - 1)
    assert (white == 255).all()


def test_map_colours_by_label_and_value():
    from explorer.core.output.map_colours import MapColours, draw_order

    labels = np.array([3, 1, 3, 7])
    colours = MapColours.by_label(labels, names=[str(i) + "!" for i in range(10)])
    assert colours.codes.tolist() == [1, 0, 1, 2]
    assert [name for name, _ in colours.legend] == ["1!", "3!", "7!"]
    assert colours.colorbar is None and colours.palette.shape == (3, 4)
    assert len(MapColours.by_label(np.arange(15)).palette) == 15  # tab20
    many = MapColours.by_label(np.arange(30) * 2.0)
    assert many.colorbar is not None and many.colorbar.vmax == 58.0
    single = MapColours.by_label(None, n=4)
    assert single.codes.tolist() == [0, 0, 0, 0] and not single.legend
    values = MapColours.by_value([0.0, 5.0, 10.0, np.nan], "radius", "magma")
    assert values.codes.tolist() == [0, 128, 255, 256]
    assert values.colorbar.label == "radius" and values.colorbar.cmap == "magma"
    order, codes, palette = draw_order(colours, np.array([0]))
    assert order.tolist() == [1, 2, 3, 0]  # the selected row last, on top
    assert codes.tolist() == [3, 4, 5, 1] and len(palette) == 6
    assert (palette[3:, :3] >= palette[:3, :3]).all()  # the others faded toward white
    with pytest.raises(InvalidParameter):
        MapColours(np.array([0, 3]), np.zeros((2, 4), np.uint8))


def test_neighbours_of_a_nan_code_are_none_and_nan_codes_are_never_neighbours():
    from explorer.core.stats.map_geometry import nearest_neighbours

    z = np.arange(20, dtype=np.float32).reshape(10, 2)
    z[3] = np.nan
    assert len(nearest_neighbours(z, 3, 4)) == 0
    found = nearest_neighbours(z, 2, 9)
    assert 3 not in found and list(found) == [1, 0, 4, 5, 6, 7, 8, 9]  # 8: nine asked
