"""File dialogs open in the home folder, then in the folder chosen last (not the program's)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from explorer.gui.widgets import dialog_folders


def test_home_first_then_the_last_folder_chosen(qapp, tmp_path, monkeypatch):
    monkeypatch.setenv("LATENT_EXPLORER_SETTINGS_DIR", str(tmp_path / "settings"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    assert dialog_folders.start() == str(tmp_path / "home")
    assert dialog_folders.start("grid_A.png") == str(tmp_path / "home" / "grid_A.png")
    dialog_folders.chosen("")  # cancelled: nothing remembered
    assert dialog_folders.start() == str(tmp_path / "home")
    out = tmp_path / "exports"
    out.mkdir()
    assert dialog_folders.chosen(str(out / "a.png")) == str(out / "a.png")
    assert dialog_folders.start("b.png") == str(out / "b.png")
    dialog_folders.chosen(str(tmp_path))  # a folder chosen: that folder
    assert dialog_folders.start() == str(tmp_path)
    out.rmdir()
    dialog_folders.chosen(str(out / "gone.png"))
    assert dialog_folders.start() == str(tmp_path / "home")  # a folder gone: home again


def test_a_plot_export_dialog_starts_there(qapp, tmp_path, monkeypatch, qtbot):
    from explorer.gui.plots.plot_renderer import PlotRenderer, RenderedPlot

    monkeypatch.setenv("LATENT_EXPLORER_SETTINGS_DIR", str(tmp_path / "settings"))
    dialog_folders.chosen(str(tmp_path / "x.png"))
    asked = []
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: asked.append(a[2]) or ("", "")
    )
    renderer = PlotRenderer()
    try:
        plot = RenderedPlot("radiusPlot", "radius", renderer)
        qtbot.addWidget(plot)
        plot.export_dialog()
    finally:
        renderer.shutdown()
    assert asked == [str(Path(tmp_path))]
