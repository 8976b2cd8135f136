"""Menu bar, toolbar and the file dialogs behind them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

import explorer
from explorer.core.data.builtin import BUILTIN
from explorer.core.ranges import COMMON_RANGES, format_range
from explorer.gui.widgets import dialog_folders
from explorer.gui.widgets.object_names import named

if TYPE_CHECKING:
    from explorer.gui.window.main_window import MainWindow


@dataclass(frozen=True)
class ActionSpec:
    """One action of the menus and toolbar, declared once (the shortcut list is made from
    these). ``run(window)`` is what it does; ``help`` names it in the shortcut list."""

    key: str
    name: str  # objectName
    text: str
    run: Callable[[MainWindow], Any] | None = None
    shortcut: str = ""  # "R|Ctrl+R": several
    tip: str = ""
    help: str = ""


ACTIONS = (
    ActionSpec("resample", "actionResample", "Resample", lambda w: w.resample(), "R|Ctrl+R",
               "Draw new z-points and decode them"),
    ActionSpec("open", "actionOpenModel", "Open model…", lambda w: open_model_dialog(w), "Ctrl+O",
               "Load a model bundle folder into slot A or B"),
    ActionSpec("pair", "actionOpenPair", "Open encoder/decoder pair…",
               lambda w: open_pair_dialog(w),
               tip="Load an encoder and a decoder file (.keras, .h5, .onnx, SavedModel) as one "
               "model"),
    ActionSpec("data", "actionOpenDataset", "Open data set…", lambda w: open_dataset_dialog(w),
               "Ctrl+D", "Encode another data set with both models"),
    ActionSpec("grid", "actionExportGrid", "Export grid…", lambda w: export_grid_dialog(w),
               "Ctrl+E", "Save a grid as PNG + JSON + .npy (and sharpened PNG)"),
    ActionSpec("plots", "actionExportPlots", "Export plots…", lambda w: export_plots_dialog(w),
               "Ctrl+Shift+E", "Save every plot as PNG, SVG and PDF"),
    ActionSpec("z", "actionExportZ", "Export z-points…", lambda w: export_z_dialog(w),
               tip="Save the current z-points as .npy"),
    ActionSpec("sharp", "actionSharpened", "Sharpened", None, "S",
               "Show the sharpened grids beside the decoded ones",
               help="Show / hide the sharpened grids"),
    ActionSpec("swap", "actionSwap", "Swap A ⇄ B", lambda w: w.swap_slots(), "Ctrl+W",
               help="Swap slots A and B"),
    ActionSpec("train", "actionTrain", "Train…", lambda w: w.training.show(), "Ctrl+T",
               "Design and train an AE or VAE", help="Training panel"),
    ActionSpec("quit", "actionQuit", "Quit", lambda w: w.close(), "Ctrl+Q"),
)  # fmt: skip

SHORTCUTS = [(a.shortcut.replace("|", " / "), a.help or a.text) for a in ACTIONS if a.shortcut]
"""(keys, what) for Help → Keyboard shortcuts."""


def _action(
    w: MainWindow,
    name: str,
    text: str,
    slot: Callable[[], Any] | None = None,
    shortcut: str = "",
    tip: str = "",
) -> QAction:
    action = named(QAction(text, w), name)
    if shortcut:
        action.setShortcuts([QKeySequence(s) for s in shortcut.split("|")])
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    if slot is not None:
        action.triggered.connect(slot)
    return action


def _runs(spec: ActionSpec, w: MainWindow) -> Callable[[], Any] | None:
    """What ``spec``'s action does on ``w`` when triggered (None: it has no ``run``)."""
    run = spec.run
    return None if run is None else partial(run, w)


def build(w: MainWindow) -> None:
    """Create File / View / Help menus and the toolbar on ``w``."""
    a = {s.key: _action(w, s.name, s.text, _runs(s, w), s.shortcut, s.tip) for s in ACTIONS}
    a["sharp"].setCheckable(True)
    a["sharp"].setChecked(True)
    a["sharp"].toggled.connect(w.grids.set_show_sharpened)
    w.actions_by_key = a
    bar = w.menuBar()
    file_menu = bar.addMenu("&File")
    for key in ("open", "pair", "data", None, "grid", "plots", "z", None, "train", None, "quit"):
        file_menu.addSeparator() if key is None else file_menu.addAction(a[key])
    view = bar.addMenu("&View")
    for n, name in enumerate(w.stage.views(), start=1):
        action = view.addAction(name.capitalize())
        action.triggered.connect(partial(w.stage.show_view, name))
        action.setObjectName(f"actionView{name.capitalize()}")
        action.setShortcut(f"Ctrl+{n}")  # also the stage's shortcut: shown here
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the stage's fires
    view.addSeparator()
    for dock in w.docks.values():
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    view.addAction(a["sharp"])
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(_action(w, "actionAbout", "About", lambda: about(w)))
    help_menu.addAction(_action(w, "actionShortcuts", "Keyboard shortcuts", lambda: shortcuts(w)))
    tools = w.addToolBar("Main")
    tools.setObjectName("mainToolBar")
    for key in ("open", "resample", "sharp", "swap", "grid", "plots", "train"):
        tools.addAction(a[key])


def _slot(w: MainWindow, title: str) -> str | None:
    slot, ok = QInputDialog.getItem(w, title, "Slot:", ["A", "B"], 0, False)
    return slot if ok else None


def open_model_dialog(w: MainWindow, slot: str | None = None) -> None:
    folder = dialog_folders.chosen(
        QFileDialog.getExistingDirectory(
            w, "Open model bundle (folder with model.keras)", dialog_folders.start()
        )
    )
    if folder and (slot or (slot := _slot(w, "Load into slot"))):
        w.load_model(slot, folder)


MODEL_FILTER = (
    "Model files (*.keras *.h5 *.hdf5 *.onnx saved_model.pb);;Keras (*.keras *.h5 *.hdf5);;"
    "ONNX (*.onnx);;TensorFlow SavedModel (saved_model.pb);;All files (*)"
)


def model_path(chosen: str) -> str:
    """A chosen file as a model path: ``saved_model.pb`` stands for its SavedModel folder."""
    path = Path(chosen)
    return str(path.parent) if path.name in ("saved_model.pb", "saved_model.pbtxt") else chosen


def open_pair_dialog(w: MainWindow, slot: str | None = None) -> None:
    """Pick an encoder and a decoder file (.keras, .h5, .onnx, or a SavedModel folder's
    saved_model.pb), then the slot."""
    enc, _ = QFileDialog.getOpenFileName(w, "Encoder file", dialog_folders.start(), MODEL_FILTER)
    dialog_folders.chosen(enc)
    if not enc:
        return
    dec, _ = QFileDialog.getOpenFileName(w, "Decoder file", str(Path(enc).parent), MODEL_FILTER)
    if dec and (slot or (slot := _slot(w, "Load pair into slot"))):
        w.load_model(slot, encoder=model_path(enc), decoder=model_path(dec))


def open_dataset_dialog(w: MainWindow) -> None:
    choices = [*BUILTIN, "a folder of images…", "a .npz / .npy file…"]
    choice, ok = QInputDialog.getItem(w, "Open data set", "Data set:", choices, 0, False)
    if not ok:
        return
    if choice.startswith("a folder"):
        choice = dialog_folders.chosen(
            QFileDialog.getExistingDirectory(w, "Folder of images", dialog_folders.start())
        )
    elif choice.startswith("a .npz"):
        choice, _ = QFileDialog.getOpenFileName(
            w, "Image array", dialog_folders.start(), "Arrays (*.npz *.npy)"
        )
        dialog_folders.chosen(choice)
        if choice:
            picked = _data_range(w)
            if picked is not False:
                w.set_dataset(choice, picked)
        return
    if choice:
        w.set_dataset(choice)


DATA_RANGES: dict[str, tuple[float, float] | None] = {
    "detect: [0, 1] or [-1, 1] (uint8 images need nothing)": None,
    **{format_range(r): r for r in reversed(COMMON_RANGES)},
}


def _data_range(w: MainWindow):
    """The value range of a float array (``None``: detect); ``False`` when cancelled."""
    labels = list(DATA_RANGES)
    label, ok = QInputDialog.getItem(w, "Value range", "Values of float images:", labels, 0, False)
    return DATA_RANGES[label] if ok else False


def _guard(w: MainWindow, fn, title: str = "Export failed") -> None:
    from explorer.core.errors import ExplorerError

    try:
        fn()
    except (ExplorerError, OSError) as exc:
        w.error(str(exc))
        QMessageBox.warning(w, title, str(exc))


def export_grid_dialog(w: MainWindow, slot: str | None = None) -> None:
    slot = slot or _slot(w, "Export the grid of slot")
    if not slot:
        return
    path, _ = QFileDialog.getSaveFileName(
        w, f"Export grid {slot}", dialog_folders.start(f"grid_{slot}.png"), "PNG image (*.png)"
    )
    dialog_folders.chosen(path)
    if path:
        sharp = w.actions_by_key["sharp"].isChecked()
        _guard(
            w,
            lambda: w.statusBar().showMessage(
                "wrote " + ", ".join(p.name for p in w.export_grid(slot, path, sharp)), 8000
            ),
        )


def grid_menu(w: MainWindow, slot: str, where) -> None:
    """The context menu of a slot's grid: export (PNG, GIF) and how it is sharpened."""
    from PySide6.QtWidgets import QMenu

    from explorer.core.util.imaging import DEFAULT_SHARPEN

    menu = QMenu(w)
    menu.addAction("Export grid…", lambda: export_grid_dialog(w, slot))
    menu.addAction("Export animation (GIF)…", lambda: export_gif_dialog(w, slot))
    menu.addSeparator()
    now = w.sharpen_params()
    for text, params in (
        ("Sharpen: unsharp mask", DEFAULT_SHARPEN),
        (f"Sharpen: enhance, factor {now.get('factor', 7.0):g} (seed 000)",
         {"method": "enhance", "factor": now.get("factor", 7.0)}),
    ):  # fmt: skip
        action = menu.addAction(text, partial(_sharpen, w, params))
        action.setCheckable(True)
        action.setChecked(now.get("method") == params["method"])
    menu.addAction("Enhance factor…", lambda: _ask_factor(w, now.get("factor", 7.0)))
    menu.addAction("Unsharp mask settings…", lambda: _ask_unsharp(w, now))
    menu.exec(where)


def _ask_unsharp(w: MainWindow, now: dict) -> None:
    """Radius, percent and threshold of the unsharp mask, as ``--sharpen-radius`` etc."""
    shown = ", ".join(f"{now.get(k, d):g}" for k, d in (("radius", 2), ("percent", 150),
                                                           ("threshold", 3)))  # fmt: skip
    text, ok = QInputDialog.getText(
        w, "Sharpen: unsharp mask", "radius, percent, threshold (e.g. 2, 150, 3):", text=shown
    )
    if not ok:
        return

    def apply() -> None:
        from explorer.core.errors import InvalidParameter

        try:
            radius, percent, threshold = (float(v) for v in text.replace(";", ",").split(","))
        except ValueError:
            raise InvalidParameter(
                f"expected three numbers such as 2, 150, 3; got {text!r}"
            ) from None
        w.set_sharpening({"method": "unsharp", "radius": radius, "percent": int(percent),
                          "threshold": int(threshold)})  # fmt: skip

    _guard(w, apply, "Sharpening")


def _ask_factor(w: MainWindow, factor: float) -> None:
    value, ok = QInputDialog.getDouble(
        w, "Sharpen: enhance", "Factor (1: unchanged; seed 000 uses 7):", factor, 0.0, 20.0, 1
    )
    if ok:
        _sharpen(w, {"method": "enhance", "factor": value})


def _sharpen(w: MainWindow, params: dict) -> None:
    _guard(w, lambda: w.set_sharpening(params), "Sharpening")


def export_gif_dialog(w: MainWindow, slot: str) -> None:
    path, _ = QFileDialog.getSaveFileName(
        w, f"Export animation {slot}", dialog_folders.start(f"grid_{slot}.gif"),
        "GIF animation (*.gif)",
    )  # fmt: skip
    dialog_folders.chosen(path)
    if path:
        _guard(w, lambda: w.statusBar().showMessage(f"wrote {w.export_gif(slot, path)}", 8000))


def export_plots_dialog(w: MainWindow) -> None:
    folder = dialog_folders.chosen(
        QFileDialog.getExistingDirectory(
            w, "Folder for the plots (PNG, SVG, PDF each)", dialog_folders.start()
        )
    )
    if folder:
        _guard(w, lambda: export_plots(w, folder))


def export_plots(w: MainWindow, folder: str) -> list[Path]:
    """Every plot drawn so far and the map as PNG, SVG and PDF, saved on the renderer
    thread (matplotlib's only thread) while the event loop runs."""
    from explorer.gui.plots.plot_renderer import save_figure_all_task

    written = [
        p
        for name, plot in w.plots().items()
        if plot.figure is not None
        for p in w.renderer.run_call(save_figure_all_task, plot.figure, Path(folder) / name)
    ]
    if w.projection.map.points is not None:  # the map is painted by Qt: matplotlib exports it
        written += w.projection.map.export_figure_all(Path(folder) / "map")
    w.statusBar().showMessage(f"wrote {len(written)} files to {folder}", 8000)
    return written


def export_z_dialog(w: MainWindow) -> None:
    from explorer.core.util.export import save_npy

    slot = _slot(w, "Export the z-points of slot")
    s = w.slots.get(slot) if slot else None
    if s is None or s.grid is None:
        return
    path, _ = QFileDialog.getSaveFileName(
        w, "Export z-points", dialog_folders.start(f"z_{slot}.npy"), "NumPy (*.npy)"
    )
    dialog_folders.chosen(path)
    if path:
        _guard(w, lambda: save_npy(path, s.grid.samples.z))


def about(w: MainWindow) -> None:
    QMessageBox.about(
        w,
        "About Latent Explorer",
        f"<b>Latent Explorer {explorer.__version__}</b><p>Look inside the latent "
        "space of autoencoders and variational autoencoders: sample, decode, "
        "compare A and B side by side.</p>",
    )


def shortcuts(w: MainWindow) -> None:
    rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{t}</td></tr>" for k, t in SHORTCUTS)
    QMessageBox.information(w, "Keyboard shortcuts", f"<table>{rows}</table>")
