"""2-D maps (explorer.core.stats.maps): PCA, UMAP and t-SNE behind ``project``, their checks,
the stratified subsample, live t-SNE frames (here and in a child process), cancel, and the
map's files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.manifold import trustworthiness

from explorer.core.errors import Cancelled, InvalidParameter
from explorer.core.progress import TaskState
from explorer.core.stats.maps import (
    MAP_METHODS,
    MapResult,
    check_map_options,
    project,
    stratified_subsample,
)

FAST_TSNE = {"iterations": 150}


def clustered(n: int = 1200, dim: int = 16, k: int = 6, seed: int = 0):
    """Codes in ``k`` well separated clusters and their labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=6.0, size=(k, dim))
    labels = rng.integers(0, k, size=n)
    return (centres[labels] + rng.normal(size=(n, dim))).astype(np.float32), labels


# --- PCA -------------------------------------------------------------------------------------


def test_pca_map_is_the_first_two_principal_components():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(400, 6)) * np.array([5.0, 3.0, 2.0, 1.0, 0.5, 0.1])
    result = project(z, "pca")
    centred = z - z.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    expected = u[:, :2] * s[:2]
    assert result.xy.shape == (400, 2) and result.xy.dtype == np.float32
    for j in range(2):  # up to sign
        sign = np.sign(expected[:, j] @ result.xy[:, j])
        np.testing.assert_allclose(result.xy[:, j] * sign, expected[:, j], rtol=1e-3, atol=1e-3)
    assert result.method == "pca" and np.array_equal(result.rows, np.arange(400))
    json.dumps(result.params)  # JSON-able


# --- UMAP and t-SNE keep neighbourhoods -----------------------------------------------------


@pytest.mark.slow
def test_umap_map_preserves_neighbourhoods():
    """In a child process, as the window maps 5000 points or more: numba compiles umap-learn
    there in 8-10 s, while in this test process it took 44 s in the full suite."""
    z, labels = clustered(1200)
    messages: list[str] = []
    result = project(
        z, "umap", labels=labels, child=True, state=TaskState(lambda f, m: messages.append(m))
    )
    assert result.xy.shape == (1200, 2) and np.isfinite(result.xy).all()
    assert trustworthiness(z, result.xy, n_neighbors=10) >= 0.9
    assert result.params["knn"] == "exact" and result.params["neighbors"] == 15
    assert any("no live preview" in m for m in messages)
    np.testing.assert_array_equal(result.labels, labels)


def test_tsne_map_preserves_neighbourhoods_and_shows_live_frames():
    z, labels = clustered(800)
    frames: list[tuple[int, np.ndarray]] = []
    result = project(
        z, "tsne", labels=labels, on_frame=lambda xy, i: frames.append((i, xy)), **FAST_TSNE
    )
    assert trustworthiness(z, result.xy, n_neighbors=10) >= 0.9
    iterations = [i for i, _ in frames]
    assert iterations[0] == 0 and iterations[1] == 10  # the initialisation, the first callback
    assert iterations[2:] == list(range(50, 250 + 150 + 1, 50))
    assert all(xy.shape == (800, 2) and xy.dtype == np.float32 for _, xy in frames)
    assert len({id(xy) for _, xy in frames}) == len(frames)  # copies, not one live array
    assert not np.allclose(frames[0][1], frames[-1][1])
    assert result.params["iterations"] == 150 and not result.params["child_process"]


@pytest.mark.slow
def test_tsne_frames_come_from_the_child_process():
    z, labels = clustered(600)
    frames: list[int] = []
    here = project(z, "tsne", labels=labels, child=False, **FAST_TSNE)
    result = project(
        z, "tsne", labels=labels, child=True, on_frame=lambda xy, i: frames.append(i), **FAST_TSNE
    )
    assert result.params["child_process"] is True
    assert frames[0] == 0 and len(frames) >= 4 and frames == sorted(frames)
    np.testing.assert_allclose(result.xy, here.xy, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("child", [False, True], ids=["here", "child"])
def test_cancel_from_a_frame_stops_the_map(child: bool):
    z, _ = clustered(600)
    state = TaskState()
    frames: list[int] = []

    def on_frame(xy: np.ndarray, iteration: int) -> None:
        frames.append(iteration)
        if iteration >= 10:
            state.request_stop()

    with pytest.raises(Cancelled):
        project(z, "tsne", iterations=5000, state=state, on_frame=on_frame, child=child)
    assert frames[-1] < 200 and len(frames) <= 3


def test_a_half_written_frame_is_skipped(tmp_path):
    from explorer.core.stats.projection_process import _load_frame

    np.save(tmp_path / "frame.npy", np.ones((50, 2), dtype=np.float32))
    data = (tmp_path / "frame.npy").read_bytes()
    (tmp_path / "frame.npy").write_bytes(data[: len(data) // 2])
    assert _load_frame(tmp_path / "frame.npy") is None
    assert _load_frame(tmp_path / "missing.npy") is None


def test_pca_dims_reduce_codes_with_more_dimensions():
    z, _ = clustered(300, dim=40)
    assert project(z, "tsne", pca_dims=10, iterations=10).params["pca_dims"] == 10
    assert project(z, "tsne", pca_dims=50, iterations=10).params["pca_dims"] is None
    assert project(z, "tsne", pca_dims=0, iterations=10).params["pca_dims"] is None


# --- the subsample ---------------------------------------------------------------------------


def test_stratified_subsample_keeps_class_shares_and_is_seeded():
    labels = np.repeat(np.arange(4), [5000, 3000, 1500, 500])
    np.random.default_rng(0).shuffle(labels)
    rows = stratified_subsample(len(labels), 1000, labels, seed=1)
    assert rows.dtype == np.int64 and np.all(np.diff(rows) > 0) and len(rows) == 1000
    np.testing.assert_array_equal(np.bincount(labels[rows]), [500, 300, 150, 50])
    np.testing.assert_array_equal(rows, stratified_subsample(len(labels), 1000, labels, seed=1))
    assert not np.array_equal(rows, stratified_subsample(len(labels), 1000, labels, seed=2))
    # a rare class is kept when there is room for every class
    rare = np.array([0] * 995 + [1] * 5)
    assert set(rare[stratified_subsample(1000, 20, rare, seed=0)]) == {0, 1}
    assert len(stratified_subsample(1000, 20, rare, seed=0)) == 20


def test_stratified_subsample_without_class_labels_is_plain():
    from explorer.core.stats.points import subsample

    attributes = np.random.default_rng(0).integers(0, 2, size=(500, 40))
    for labels in (None, attributes):
        np.testing.assert_array_equal(
            stratified_subsample(500, 50, labels, seed=3), subsample(500, 50, 3)
        )
    np.testing.assert_array_equal(stratified_subsample(10, 50, np.arange(10)), np.arange(10))


def test_project_subsamples_by_labels():
    z, labels = clustered(1000)
    result = project(z, "pca", points=200, labels=labels, seed=4)
    np.testing.assert_array_equal(result.rows, stratified_subsample(1000, 200, labels, 4))
    np.testing.assert_array_equal(result.labels, labels[result.rows])
    assert result.params["points"] == 200 and result.params["of_points"] == 1000


# --- checks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "n", "options", "message"),
    [
        ("isomap", 100, {}, "unknown map method 'isomap'; use one of tsne, umap, pca"),
        ("pca", 1, {}, "at least 2 points"),
        ("tsne", 4, {}, "at least 5 points"),
        ("tsne", 60, {"perplexity": 20.0}, "perplexity too large for 60 points.*below 20"),
        ("umap", 100, {"neighbors": 1}, "neighbors must be"),
        ("umap", 10, {"neighbors": 10}, "neighbors must be from 2 to 9"),
        ("umap", 100, {"min_dist": -0.5}, "min_dist must be 0 or more"),
        ("umap", 100, {"metric": "hamming"}, "metric must be one of euclidean, cosine, manh"),
        ("tsne", 100, {"neighbors": 5}, "neighbors does not apply to t-SNE maps"),
        ("pca", 100, {"perplexity": 5.0}, "perplexity does not apply to PCA maps"),
        ("tsne", 100, {"points": 1}, "points must be at least 2"),
        ("tsne", 100, {"iterations": 0}, "iterations must be at least 1"),
    ],
)
def test_bad_options_give_one_clear_line(method, n, options, message):
    with pytest.raises(InvalidParameter, match=message) as info:
        check_map_options(method, n, options)
    assert "\n" not in str(info.value)


def test_project_checks_before_any_work():
    z, _ = clustered(100)
    with pytest.raises(InvalidParameter, match="perplexity too large for 50 points"):
        project(z, "tsne", points=50)
    with pytest.raises(InvalidParameter, match="points must be at least 2"):
        project(z, "pca", points=1)


def test_options_get_their_defaults():
    assert check_map_options("umap", 100, {}) == {
        "neighbors": 15,
        "min_dist": 0.1,
        "metric": "euclidean",
    }
    assert check_map_options("tsne", 100, {"seed": 3}) == {
        "seed": 3,
        "perplexity": 30.0,
        "iterations": 500,
    }
    assert [m.live for m in MAP_METHODS.values()] == [True, False, False]


# --- files -----------------------------------------------------------------------------------


def test_map_files_round_trip_with_the_data_set_indices(tmp_path):
    from PIL import Image

    from explorer.core.output.map_files import read_map, write_map

    xy = np.arange(20, dtype=np.float32).reshape(10, 2)
    rows = np.array([0, 2, 3, 5, 7, 8, 9, 11, 12, 14])
    indices = np.arange(15) * 10 + 3  # image k of the codes is data set image 10 k + 3
    labels = np.arange(10) % 3
    result = MapResult(xy, rows, labels, "umap", {"neighbors": 5, "seed": 0})
    written = write_map(tmp_path, result, indices, ["zero", "one", "two"], title="m on d")
    assert [p.name for p in written] == ["embedding.npz", "embedding.csv", "map.png"]
    back = read_map(tmp_path)
    np.testing.assert_array_equal(back["index"], indices[rows])
    np.testing.assert_array_equal(back["xy"], xy)
    np.testing.assert_array_equal(back["labels"], labels)
    assert back["method"] == "umap" and back["params"] == {"neighbors": 5, "seed": 0}
    lines = (tmp_path / "embedding.csv").read_text().splitlines()
    assert lines[0] == "index,x,y,label" and lines[2] == "23,2,3,1" and len(lines) == 11
    assert Image.open(tmp_path / "map.png").size[0] > 500
    # without indices or labels: the rows, an empty label column
    write_map(tmp_path / "b", MapResult(xy, rows, None, "pca", {}))
    assert read_map(tmp_path / "b" / "embedding.npz")["labels"] is None
    np.testing.assert_array_equal(read_map(tmp_path / "b")["index"], rows)
    assert (tmp_path / "b" / "embedding.csv").read_text().splitlines()[1] == "0,0,1,"


def test_draw_map_names_the_axes_of_each_method():
    from explorer.core.output import plots

    for method, axis in (("tsne", "t-SNE"), ("umap", "UMAP"), ("pca", "PC")):
        ax = plots.new_figure().add_subplot()
        plots.draw_map(ax, np.zeros((5, 2)), np.arange(5) % 2, None, method)
        assert ax.get_xlabel() == f"{axis} 1" and ax.get_ylabel() == f"{axis} 2"
        assert "map of 5 z-points" in ax.get_title()
    with pytest.raises(InvalidParameter):
        plots.draw_map(plots.new_figure().add_subplot(), np.zeros((5, 2)), method="mds")


@pytest.mark.parametrize("metric", ["euclidean", "cosine", "manhattan"])
def test_approximate_neighbours_match_the_exact_ones(monkeypatch, metric: str):
    """Beyond EXACT_KNN_MAX_SIZE values UMAP's neighbours come from Annoy: the same rows
    (itself first) and the same distances as the exact search, in the metric's units."""
    from explorer.core.stats import umap_map

    z, _ = clustered(600)
    exact_i, exact_d, how = umap_map.nearest_neighbors(z, 10, metric)
    assert how == "exact" and np.array_equal(exact_i[:, 0], np.arange(600))
    monkeypatch.setattr(umap_map, "EXACT_KNN_MAX_SIZE", 0)
    approx_i, approx_d, how = umap_map.nearest_neighbors(z, 10, metric, n_jobs=1)
    assert how == "annoy" and approx_i.shape == (600, 10) and approx_d.dtype == np.float32
    assert np.array_equal(approx_i[:, 0], np.arange(600)) and np.all(approx_d[:, 0] == 0)
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx_i, exact_i, strict=True)])
    assert recall > 0.9
    same = [
        (d, dict(zip(e, ed, strict=True))[i])
        for a, ad, e, ed in zip(approx_i, approx_d, exact_i, exact_d, strict=True)
        for i, d in zip(a, ad, strict=True)
        if i in set(e)
    ]  # the distance of every neighbour both found
    np.testing.assert_allclose(*np.array(same).T, rtol=1e-3, atol=1e-4)
