"""Exports: figure formats, Projector TSV, sidecars, .npy; failed writes leave nothing behind."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from PIL import Image

import explorer
from explorer.core.errors import InvalidParameter
from explorer.core.output import plots
from explorer.core.util.export import (
    save_figure,
    save_figure_all,
    save_npy,
    write_projector_tsv,
    write_sidecar,
)


@pytest.fixture
def fig():
    figure = plots.new_figure(4, 3)
    plots.draw_kmeans_inertia(figure.add_subplot(), [2, 4, 6], [9.0, 5.0, 4.0])
    return figure


def test_save_png_size_from_dpi(fig, tmp_path):
    path = save_figure(fig, tmp_path / "plot.png")
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (4 * 150, 3 * 150)


def test_save_svg_and_pdf(fig, tmp_path):
    svg = save_figure(fig, tmp_path / "plot.svg").read_text()
    assert svg.startswith("<?xml") or "<svg" in svg
    assert save_figure(fig, tmp_path / "plot.PDF").read_bytes().startswith(b"%PDF")


def test_bad_suffix_names_the_formats(fig, tmp_path):
    with pytest.raises(InvalidParameter, match=r"\.png.*\.svg.*\.pdf"):
        save_figure(fig, tmp_path / "plot.jpg")
    assert list(tmp_path.iterdir()) == []


def test_save_figure_all(fig, tmp_path):
    paths = save_figure_all(fig, tmp_path / "radius.vae")
    assert [p.name for p in paths] == ["radius.vae.png", "radius.vae.svg", "radius.vae.pdf"]
    assert all(p.stat().st_size > 0 for p in paths)
    again = save_figure_all(fig, tmp_path / "radius.png")
    assert [p.name for p in again] == ["radius.png", "radius.svg", "radius.pdf"]


def test_rasterized_tsne_keeps_svg_small(tmp_path):
    embedding = np.random.default_rng(0).normal(size=(5000, 2))
    # up to 10 classes: one bitmap of dots, an <image> in the SVG however many points
    figure = plots.new_figure(4, 3)
    plots.draw_tsne(figure.add_subplot(), embedding, np.arange(5000) % 3)
    svg = save_figure(figure, tmp_path / "dots.svg")
    assert "<image" in svg.read_text() and svg.stat().st_size < 150_000
    # more classes (a colorbar instead of a legend): still one bitmap of dots
    figure = plots.new_figure(4, 3)
    plots.draw_tsne(figure.add_subplot(), embedding, np.arange(5000) % 25)
    svg = save_figure(figure, tmp_path / "many.svg")
    assert "<image" in svg.read_text() and svg.stat().st_size < 150_000


def test_failed_figure_write_leaves_nothing(fig, tmp_path, monkeypatch):
    target = tmp_path / "plot.png"
    target.write_bytes(b"old")

    def broken(path, **kwargs):
        with open(path, "wb") as handle:
            handle.write(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", broken)
    with pytest.raises(RuntimeError):
        save_figure(fig, target)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["plot.png"]
    with pytest.raises(RuntimeError):
        save_figure(fig, tmp_path / "new.pdf")
    assert [p.name for p in tmp_path.iterdir()] == ["plot.png"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_projector_vectors_round_trip(tmp_path, dtype):
    vectors = np.random.default_rng(1).normal(scale=100, size=(7, 3)).astype(dtype)
    vectors_path, metadata_path = write_projector_tsv(tmp_path / "projector", vectors)
    assert metadata_path is None and not (tmp_path / "projector" / "metadata.tsv").exists()
    lines = vectors_path.read_text().splitlines()
    assert len(lines) == 7 and all(len(line.split("\t")) == 3 for line in lines)
    np.testing.assert_array_equal(np.loadtxt(vectors_path, delimiter="\t", dtype=dtype), vectors)


def test_projector_single_label_column_without_header(tmp_path):
    vectors = np.zeros((4, 2), np.float32)
    labels = np.array([0, 2, 1, 7])
    _, metadata_path = write_projector_tsv(tmp_path, vectors, labels, ["zero", "one", "two"])
    assert metadata_path.name == "metadata.tsv"
    assert metadata_path.read_text().splitlines() == ["zero", "two", "one", "7"]
    _, metadata_path = write_projector_tsv(tmp_path, vectors, ["a\tb", "", "c\nd", "e"])
    assert metadata_path.read_text().splitlines() == ["a b", "-", "c d", "e"]


def test_projector_label_columns_with_header(tmp_path):
    vectors = np.ones((3, 5))
    labels = np.array([[1, -1], [-1, 1], [1, 1]])
    _, metadata_path = write_projector_tsv(tmp_path, vectors, labels, ["Smiling", "Male"])
    lines = metadata_path.read_text().splitlines()
    assert len(lines) == 4
    assert lines[0] == "Smiling\tMale"
    assert lines[1] == "1\t-1"
    _, metadata_path = write_projector_tsv(tmp_path, vectors, labels)
    assert metadata_path.read_text().splitlines()[0] == "label_0\tlabel_1"


def test_projector_rejects_bad_input_and_writes_nothing(tmp_path):
    vectors = np.zeros((3, 2))
    with pytest.raises(InvalidParameter):
        write_projector_tsv(tmp_path, vectors, [1, 2])
    with pytest.raises(InvalidParameter):
        write_projector_tsv(tmp_path, vectors, np.zeros((3, 2)), ["only one"])
    with pytest.raises(InvalidParameter):
        write_projector_tsv(tmp_path, np.array([[1.0, np.nan]]))
    with pytest.raises(InvalidParameter):
        write_projector_tsv(tmp_path, np.zeros(3))
    assert list(tmp_path.iterdir()) == []


def test_projector_failed_write_leaves_no_files(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savetxt", broken)
    with pytest.raises(OSError):
        write_projector_tsv(tmp_path, np.zeros((3, 2)), [0, 1, 2])
    assert list(tmp_path.iterdir()) == []


def test_sidecar_keys_and_values(tmp_path):
    png = tmp_path / "radius.png"
    path = write_sidecar(png, {"model": "mnist_vae", "bins": np.int64(70), "k": np.arange(2)})
    assert path == tmp_path / "radius.json"
    info = json.loads(path.read_text())
    assert set(info) == {"model", "bins", "k", "app_version", "created"}
    assert info["bins"] == 70 and info["k"] == [0, 1]
    assert info["app_version"] == explorer.__version__
    created = datetime.fromisoformat(info["created"])
    assert created.utcoffset() == timedelta(0)
    assert abs(datetime.now(timezone.utc) - created) < timedelta(minutes=5)


def test_sidecar_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(TypeError):
        write_sidecar(tmp_path / "plot.png", {"bad": object()})
    assert list(tmp_path.iterdir()) == []


def test_save_npy_round_trip_exact_path(tmp_path):
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    path = save_npy(tmp_path / "z_cache", array)
    assert path == tmp_path / "z_cache" and path.exists()
    np.testing.assert_array_equal(np.load(path, allow_pickle=False), array)


def test_save_npy_refuses_objects(tmp_path):
    with pytest.raises(InvalidParameter):
        save_npy(tmp_path / "x.npy", np.array([{}, None], dtype=object))
    assert list(tmp_path.iterdir()) == []


def test_save_npy_failed_write_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "z.npy"
    save_npy(target, np.zeros(3))

    def broken(handle, array, **kwargs):
        handle.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", broken)
    with pytest.raises(OSError):
        save_npy(target, np.ones(3))
    assert [p.name for p in tmp_path.iterdir()] == ["z.npy"]
    monkeypatch.undo()
    np.testing.assert_array_equal(np.load(target), np.zeros(3))
