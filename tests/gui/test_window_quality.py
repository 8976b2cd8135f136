"""The Diagnostics dock's Quality tab on the shipped models: the table of A, B and the real
images after a resample, the sampler's effect on it, and the sweep plot (run, bad range,
cancel)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox, QTableWidget

from explorer.core.output.quality_plots import LABELS
from explorer.core.stats.quality_metrics import METRICS
from explorer.gui.quality.quality_panel import COLUMNS, fmt

N = 300  # small: the tests stay fast (the panel notes that the metrics are biased)


def child(window, cls, name):
    found = window.findChild(cls, name)
    assert found is not None, name
    return found


def set_sampler(window, method: str, **fields: str) -> None:
    sampler = window.sampler
    sampler.method.setCurrentIndex(sampler.method.findData(method))
    for key, text in fields.items():
        sampler.fields[method][key].setText(text)
    assert sampler.is_valid()


def resample(window) -> None:
    assert window.resample()
    assert window.wait_idle(120_000)


@pytest.fixture(scope="module")
def quality(window):
    """The Quality tab on screen with N samples."""
    child(window, QSpinBox, "qualityN").setValue(N)
    window.show_view("quality")
    assert window.wait_idle(120_000)
    return window.quality


def kinds(window) -> dict[str, str]:
    return {name: s.model.kind for name, s in window.slots.items()}


def column(window, name: str) -> dict[str, float | None]:
    """The report's metrics shown in column ``name`` (A, B or the real images)."""
    report = window.quality.report
    if name == COLUMNS[2]:
        return report.reference
    models = {s.name: s.model.name for s in window.loaded()}
    return next(m.metrics for m in report.models if m.name == models[name])


def test_table_fills_for_a_b_and_the_real_images_after_a_resample(window, quality):
    set_sampler(window, "normal", mean="0", std="1")
    window.quality.report = None
    resample(window)
    report = window.quality.report
    assert report is not None and report.n == N
    assert len(report.models) == 2
    assert any("biased" in note for note in report.notes)
    table = child(window, QTableWidget, "qualityTable")
    names = {s.name: s.model.name for s in window.loaded()}
    heads = [table.horizontalHeaderItem(c).text() for c in range(3)]
    assert heads == [f"A\n{names['A']}", f"B\n{names['B']}", COLUMNS[2]]
    for row, metric in enumerate(METRICS):
        header = table.verticalHeaderItem(row)
        assert header.text() == LABELS[metric]
        assert "better" in header.toolTip()
        for col, name in enumerate(COLUMNS):
            text = table.item(row, col).text()
            assert text == fmt(metric, column(window, name)[metric])
            assert text != "—"  # mnist-5k has labels: every metric is there
    fd = table.item(METRICS.index("fd"), 2).text()
    assert len(fd.split(".")[1]) == 1
    assert len(table.item(0, 0).text().split(".")[1]) == 3
    assert "done" in child(window, QLabel, "qualityStatus").text()
    assert "biased" in child(window, QLabel, "qualityNote").text()


def test_the_vae_decodes_are_recognised_more_confidently_than_the_ae_ones(window, quality):
    by_kind = {kind: name for name, kind in kinds(window).items()}
    assert set(by_kind) == {"ae", "vae"}, kinds(window)
    table = child(window, QTableWidget, "qualityTable")
    row = METRICS.index("confident")
    vae = float(table.item(row, COLUMNS.index(by_kind["vae"])).text())
    ae = float(table.item(row, COLUMNS.index(by_kind["ae"])).text())
    assert vae > ae + 0.2, (vae, ae)


def test_uniform_with_a_large_limit_lowers_precision(window, quality):
    vae = next(name for name, kind in kinds(window).items() if kind == "vae")
    set_sampler(window, "normal", mean="0", std="1")
    resample(window)
    before = column(window, vae)["precision"]
    set_sampler(window, "uniform", limit="8")
    resample(window)
    after = column(window, vae)["precision"]
    assert after < before - 0.2, (before, after)


def test_a_resample_while_the_tab_is_hidden_recomputes_when_it_is_shown(window, quality):
    window.show_view("diagnostics")
    set_sampler(window, "normal", mean="0", std="0.5")
    shown = window.quality.report
    resample(window)
    assert window.quality.report is shown  # no TensorFlow work for a hidden view
    window.show_view("quality")
    assert window.wait_idle(120_000)
    assert window.quality.report is not shown


def test_sweep_of_three_values_draws_every_metric(window, quality):
    set_sampler(window, "uniform", limit="2")
    param = child(window, QComboBox, "qualitySweepParam")
    assert param.isEnabled() and param.currentText() == "limit"
    assert child(window, QLineEdit, "qualitySweepRange").text() == "0.5:8:0.5"
    assert window.quality.run_sweep("limit", "1:3:1")
    assert window.wait_idle(120_000)
    result = window.quality.sweep_result
    assert result is not None and list(result.values) == [1.0, 2.0, 3.0]
    assert all(len(m["precision"]) == 3 for _, m in result.models)
    plot = window.quality.plot
    assert plot.objectName() == "qualitySweepPlot" and plot.figure is not None
    assert len(plot.figure.axes) == len(METRICS)
    assert "done" in child(window, QLabel, "qualitySweepStatus").text()


def test_a_bad_range_is_one_red_line(window, quality):
    set_sampler(window, "uniform", limit="2")
    before = window.quality.sweep_result
    for text in ("3:1:1", "abc", "1:2:0"):
        assert not window.quality.run_sweep("limit", text)
        status = child(window, QLabel, "qualitySweepStatus")
        assert "\n" not in status.text() and "Traceback" not in status.text()
        assert "LO:HI:STEP" in status.text()
        assert "#c00" in status.styleSheet()
    assert not window.quality.run_sweep("nonsense", "1:2:1")
    assert "nonsense" in status.text() and "\n" not in status.text()
    assert window.wait_idle(10_000)
    assert window.quality.sweep_result is before


def test_cancelling_a_sweep_keeps_the_previous_plot(window, quality):
    set_sampler(window, "uniform", limit="2")
    assert window.quality.run_sweep("limit", "1:2:1")
    assert window.wait_idle(120_000)
    figure, result = window.quality.plot.figure, window.quality.sweep_result
    assert figure is not None
    assert window.quality.run_sweep("limit", "0.5:8:0.5")
    child(window, QPushButton, "qualitySweepCancel").click()
    assert window.wait_idle(120_000)
    assert child(window, QLabel, "qualitySweepStatus").text() == "cancelled"
    assert window.quality.sweep_result is result
    assert window.quality.plot.figure is figure


def test_a_sampler_without_numeric_parameters_cannot_be_swept(window, quality):
    set_sampler(window, "fitted")
    param = child(window, QComboBox, "qualitySweepParam")
    assert not param.isEnabled() and param.count() == 0
    assert "no numeric parameter" in param.toolTip()
    assert not child(window, QPushButton, "qualitySweepRun").isEnabled()
    set_sampler(window, "normal", mean="0", std="1")
    assert param.isEnabled() and param.currentText() == "mean"
    param.setCurrentText("std")
    assert child(window, QLineEdit, "qualitySweepRange").text() == "0.25:3:0.25"


def test_cells_and_ranges_are_formatted_without_the_window():
    from explorer.core.errors import InvalidParameter
    from explorer.gui.quality.quality_panel import default_range, parse_range

    assert fmt("confident", None) == "—"  # unlabelled data: no classifier metrics
    assert fmt("precision", float("nan")) == "—"
    assert (fmt("fd", 12.345), fmt("recall", 0.5)) == ("12.3", "0.500")
    assert list(parse_range("limit", " 1:2:0.5 ")) == [1.0, 1.5, 2.0]
    with pytest.raises(InvalidParameter, match="LO:HI:STEP"):
        parse_range("limit", "2:1:1")
    from explorer.core.latent.samplers import get_sampler

    def param(sampler, name):
        return get_sampler(sampler).param(name)

    # the declaration's own sweep, else one around the value that suits the kind
    assert default_range(param("uniform", "limit"), 2.0) == "0.5:8:0.5"
    assert default_range(param("normal", "std"), 1.0) == "0.25:3:0.25"
    assert default_range(param("pca", "span"), 3.0) == "0.75:6:0.75"
    assert default_range(param("normal", "mean"), 0.0) == "-2:2:0.5"


def test_the_judge_is_cached_by_the_data_sets_fingerprint():
    """Two data sets of the same name, size and shape but other images get a judge and real
    images of their own; the same images share them."""
    import numpy as np

    from explorer.core.data.dataset import Dataset
    from explorer.gui.quality.quality_run import judge_key

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (64, 8, 8, 1), dtype=np.uint8)
    a = Dataset("digits", (8, 8, 1), images=images)
    same = Dataset("digits", (8, 8, 1), images=images.copy())
    other = Dataset("digits", (8, 8, 1), images=255 - images)
    assert judge_key(a) == judge_key(same)
    assert judge_key(a) != judge_key(other)
