"""Draw functions: each one produces the expected artists on small synthetic data."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.patches import StepPatch

from explorer.core.errors import InvalidParameter
from explorer.core.output import plots


@pytest.fixture
def ax():
    return plots.new_figure(5, 4).add_subplot()


def legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def step_patches(ax) -> list[StepPatch]:
    return [p for p in ax.patches if isinstance(p, StepPatch)]


def test_new_figure_has_agg_canvas_and_size():
    fig = plots.new_figure(4, 3)
    assert isinstance(fig.canvas, FigureCanvasAgg)
    assert tuple(fig.get_size_inches()) == (4, 3)


def test_core_plots_import_no_gui_pyplot_or_tensorflow():
    code = (
        "import sys, explorer.core.output.plots, explorer.core.util.export; "
        "print([m for m in ('PySide6', 'matplotlib.pyplot', 'tensorflow') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_radius_histograms_density_and_expected(ax):
    edges = np.arange(0, 10.5, 0.5)
    counts_a = np.arange(20)
    counts_b = np.r_[np.zeros(10), np.full(10, 3)]
    plots.draw_radius_histograms(
        ax,
        [("A: encoded data", edges, counts_a), ("B: encoded data", edges, counts_b)],
        expected=[("N(0, I)", 4.0, 0.7)],
    )
    outlines = [p for p in step_patches(ax) if not p.get_fill()]
    assert len(outlines) == 2
    for patch in outlines:
        values, patch_edges, _ = patch.get_data()
        assert np.sum(values * np.diff(patch_edges)) == pytest.approx(1.0)
    texts = legend_texts(ax)
    assert texts[:2] == ["A: encoded data", "B: encoded data"]
    assert texts[2] == "N(0, I): 4.00 ± 0.70"
    vertical = [line for line in ax.lines if line.get_label().startswith("N(0, I)")]
    assert list(vertical[0].get_xdata()) == [4.0, 4.0]
    assert "radius" in ax.get_xlabel() and "density" in ax.get_ylabel()


def test_radius_histograms_counts_and_empty(ax):
    edges = np.arange(5.0)
    plots.draw_radius_histograms(
        ax, [("set", edges, [1, 2, 3, 4]), ("empty", edges, np.zeros(4))], density=False
    )
    values = [p.get_data()[0] for p in step_patches(ax) if not p.get_fill()]
    np.testing.assert_array_equal(values[0], [1, 2, 3, 4])
    np.testing.assert_array_equal(values[1], 0)
    assert "count" in ax.get_ylabel()
    with pytest.raises(InvalidParameter):
        plots.draw_radius_histograms(ax, [("bad", edges, [1, 2])])


def test_component_heatmap_image_norm_and_dominant(ax):
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 1000, (8, 30))
    counts[:, 0] = 0
    edges = np.linspace(-3, 3, 31)
    image = plots.draw_component_heatmap(ax, edges, counts, dominant=[1, 6])
    array = image.get_array()
    assert array.shape == counts.shape
    assert array.mask[:, 0].all() and not array.mask[:, 1:].any()
    assert isinstance(image.norm, LogNorm)
    assert image.get_extent() == [-3.0, 3.0, -0.5, 7.5]
    marks = [line for line in ax.lines if line.get_label() == "dominant components"]
    assert len(marks) == 1
    assert list(marks[0].get_ydata()) == [1, 6]
    ax.figure.colorbar(image, ax=ax)  # the returned mappable is usable for a colorbar


def test_component_heatmap_without_dominant_and_bad_shapes(ax):
    image = plots.draw_component_heatmap(ax, np.linspace(0, 1, 5), np.zeros((3, 4), int))
    assert image.get_array().shape == (3, 4)
    assert not [line for line in ax.lines if line.get_label() == "dominant components"]
    with pytest.raises(InvalidParameter):
        plots.draw_component_heatmap(ax, np.linspace(0, 1, 4), np.zeros((3, 4)))


def test_component_curve_marks_centre_and_fwhm(ax):
    edges = np.linspace(-5, 5, 41)
    centers = 0.5 * (edges[:-1] + edges[1:])
    counts = 100 * np.exp(-0.5 * (centers - 1) ** 2)
    plots.draw_component_curve(ax, edges, counts, mean=1.0, half_width=2.35, label="component 3")
    assert ax.get_title() == "component 3"
    texts = legend_texts(ax)
    assert texts[0] == "component 3"
    assert any(t.startswith("centre μ = 1") for t in texts)
    assert any(t.startswith("FWHM = 2.35") for t in texts)
    centre = [line for line in ax.lines if line.get_label().startswith("centre")]
    assert list(centre[0].get_xdata()) == [1.0, 1.0]
    arrow = ax.texts[0]
    assert arrow.xy == pytest.approx((1 - 2.35 / 2, counts.max() / 2))
    assert arrow.xyann == pytest.approx((1 + 2.35 / 2, counts.max() / 2))


def test_kmeans_inertia_line(ax):
    k = [2, 4, 6, 8]
    inertia = [100.0, 60.0, 45.0, 40.0]
    plots.draw_kmeans_inertia(ax, k, inertia)
    assert list(ax.lines[0].get_xdata()) == k
    assert list(ax.lines[0].get_ydata()) == inertia
    assert "k" in ax.get_xlabel() and "inertia" in ax.get_ylabel()


def test_pca_variance_bars_and_cumulative(ax):
    ratios = [0.5, 0.3, 0.15, 0.05]
    plots.draw_pca_variance(ax, ratios)
    bars = ax.containers[0]
    assert [bar.get_height() for bar in bars] == ratios
    cumulative = [line for line in ax.lines if line.get_label() == "cumulative"][0]
    np.testing.assert_allclose(cumulative.get_ydata(), np.cumsum(ratios))
    assert "90%: 3 components" in legend_texts(ax)


def test_correlation_scatter(ax):
    points = np.random.default_rng(1).normal(size=(50, 2))
    dots = plots.draw_correlation(ax, points, 0.4321, 2, 5)
    np.testing.assert_allclose(dots.get_offsets(), points)
    assert "r = 0.432" in ax.get_title()
    assert "z[2]" in ax.get_xlabel() and "z[5]" in ax.get_ylabel()
    assert legend_texts(ax) == ["50 z-points"]
    plots.draw_correlation(ax, points, float("nan"), 2, 5)
    assert "undefined" in ax.get_title()
    with pytest.raises(InvalidParameter):
        plots.draw_correlation(ax, np.zeros((4, 3)), 0.0, 0, 1)


def test_tsne_classes_legend_and_dots_where_the_points_are():
    fig = plots.new_figure(4, 4, dpi=100)
    ax = fig.add_subplot()
    embedding = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0]] * 30)
    labels = np.repeat([0, 1, 2], 30)
    (layer,) = plots.draw_tsne(ax, embedding, labels[np.arange(90) % 3 * 30], ["a", "b", "c"])
    assert layer.get_rasterized() and len(layer.xy) == 90
    assert legend_texts(ax) == ["a", "b", "c"]
    x0, x1 = ax.get_xlim()
    assert x0 < 0 < 1 < x1  # the axes were scaled to the points
    fig.canvas.draw()
    pixels = np.asarray(fig.canvas.buffer_rgba())
    for (x, y), index in (((0, 0), 0), ((1, 1), 1), ((0, 1), 2)):
        px, py = ax.transData.transform((x, y))
        expected = np.round(np.array(plots.color(index)) * 255)
        assert tuple(pixels[int(pixels.shape[0] - py), int(px), :3]) == tuple(expected)


def test_dot_layer_sizes_and_bounds():
    from explorer.core.output.dot_layer import DotLayer

    layer = DotLayer(np.zeros((3, 2)), np.array([0, 0, 0]), ["red"], size=2.5)
    assert layer.offsets(72)[-1] == (0, 0) and len(layer.offsets(72)) == 5  # 2.5 px: a plus
    assert layer.offsets(10) == [(0, 0)]  # one pixel
    assert len(layer.offsets(300)) > 9  # bigger dots at a higher resolution
    # (x, y) from the bottom left; off-canvas and NaN points are skipped; row 0 is the bottom
    layer = DotLayer(np.zeros((4, 2)), np.zeros(4, dtype=int), ["red"], size=2.5)
    image = layer.bitmap(6, 4, np.array([[0.5, 0.5], [-3, 1], [np.nan, 2], [5.9, 3.2]]), 10)
    red = image[..., 0] == 255
    assert red[0, 0] and red[3, 5] and red.sum() == 2
    with pytest.raises(InvalidParameter):
        DotLayer(np.zeros((3, 2)), np.array([0, 1, 0]), ["red"])
    with pytest.raises(InvalidParameter):
        DotLayer(np.zeros((3, 3)), np.zeros(3), ["red"])


def test_tsne_without_labels_and_many_classes():
    fig = plots.new_figure(5, 4)
    ax = fig.add_subplot()
    embedding = np.random.default_rng(3).normal(size=(40, 2))
    (dots,) = plots.draw_tsne(ax, embedding, None, None, s=5)
    assert len(dots.xy) == 40 and ax.get_legend() is None
    fig2 = plots.new_figure(5, 4)
    ax2 = fig2.add_subplot()
    plots.draw_tsne(ax2, embedding, np.arange(40) % 20)  # 20 classes: a tab20 legend
    assert len(legend_texts(ax2)) == 20 and len(fig2.axes) == 1
    fig3 = plots.new_figure(5, 4)
    collections = plots.draw_tsne(fig3.add_subplot(), embedding, np.arange(40) % 25)
    assert len(collections) == 1 and len(fig3.axes) == 2  # more: the dots and a colorbar
    with pytest.raises(InvalidParameter, match="one label column"):
        plots.draw_tsne(ax, embedding, np.zeros((40, 3)))
    with pytest.raises(InvalidParameter):
        plots.draw_tsne(ax, np.zeros((40, 3)))


def test_tsne_text_labels_use_their_text(ax):
    embedding = np.zeros((4, 2))
    plots.draw_tsne(ax, embedding, np.array(["smile", "no", "smile", "no"]), ["ignored"])
    assert legend_texts(ax) == ["no", "smile"]


@pytest.mark.parametrize("shape", [(12, 20), (12, 20, 1), (12, 20, 3)])
def test_grid_image(ax, shape):
    image = np.random.default_rng(4).integers(0, 256, shape, dtype=np.uint8)
    shown = plots.draw_grid_image(ax, image, "decoded")
    assert shown.get_array().shape[:2] == (12, 20)
    assert shown.get_interpolation() == "nearest"
    assert ax.get_title() == "decoded" and not ax.axison
    if len(shape) == 2 or shape[2] == 1:
        assert shown.get_cmap().name == "gray"
        assert shown.norm.vmin == 0 and shown.norm.vmax == 255


def test_grid_image_bad_shape(ax):
    with pytest.raises(InvalidParameter):
        plots.draw_grid_image(ax, np.zeros((4, 4, 2), np.uint8), "bad")


def test_tsne_dots_shrink_as_points_grow():
    assert plots.tsne_dot_area(200) == 16.0
    assert plots.tsne_dot_area(2000) == 12.0
    assert plots.tsne_dot_area(20000) == 3.0
    sizes = []
    for n in (300, 3000, 30000):
        fig = plots.new_figure(5, 4)
        embedding = np.random.default_rng(n).normal(size=(n, 2))
        (layer,) = plots.draw_tsne(fig.add_subplot(), embedding, np.arange(n) % 3)
        sizes.append(layer.size)
    assert sizes[0] > sizes[1] > sizes[2] == pytest.approx(np.sqrt(3.0))
